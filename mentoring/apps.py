from django.apps import AppConfig


class MentoringConfig(AppConfig):
    name = "mentoring"
    verbose_name = "Mentoring"

    def ready(self) -> None:
        from mentoring import emails, feedback, learner_file
        from outbox.sending import message_failed, send_only_while
        from progress import extensions

        # Mentoring's parts of the learner's own pages and data file.
        extensions.register("item", feedback.thread_context)
        extensions.register("skill", feedback.skill_context)
        extensions.register("dashboard", feedback.dashboard_context)
        extensions.register("learner_file", learner_file.SECTION)
        from mentoring.consent import expire_invitations
        from outbox import schedule

        schedule.register(
            schedule.Job(
                "expire-invitations",
                schedule.DAY,
                expire_invitations,
                "Mark pending invitations and requests past their date as expired.",
            )
        )
        send_only_while("mentoring invitation", emails.invitation_still_open)
        # A reminder that could not be sent gives the learner's day back.
        message_failed.connect(emails.nudge_not_sent, dispatch_uid="nudge_not_sent")
