from django.apps import AppConfig


class ProgressConfig(AppConfig):
    name = "progress"
    verbose_name = "Progress"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import pre_delete

        # Deleting an account, from the app or the admin, takes the learner out
        # of the drop-off tallies. (A learner's cached figures need no receiver:
        # the functions that write a learner's data bump their generation, and no
        # admin page edits what those figures show.)
        pre_delete.connect(
            _forget_learner, sender=get_user_model(), dispatch_uid="dropoff_forget"
        )

        from outbox import schedule
        from outbox.sending import register_kind
        from progress import lrs, reminders, reports, timings

        schedule.register(
            schedule.Job(
                "measure-learner-times",
                schedule.DAY,
                timings.measure_learner_times,
                "Measure how long learners took over each item (progress/timings.py).",
            )
        )
        schedule.register(
            schedule.Job(
                "weekly-emails",
                schedule.HOUR,
                reminders.send_weekly_emails,
                "Queue the weekly plan email of each learner whose Monday morning "
                "has come (progress/reminders.py).",
            )
        )
        schedule.register(
            schedule.Job(
                "resume-record-stores",
                schedule.HOUR,
                lrs.resume_stalled,
                "Start again the sending to a learning record store whose next "
                "round never ran (its worker was stopped; progress/lrs.py).",
            )
        )
        register_kind(reminders.KIND, still_wanted=reminders.still_wanted)
        register_kind(reports.KIND, still_wanted=reports.still_wanted)


def _forget_learner(sender, instance, **kwargs) -> None:
    from progress import dropoff

    dropoff.forget_learner(instance)
