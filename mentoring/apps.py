from django.apps import AppConfig


class MentoringConfig(AppConfig):
    name = "mentoring"
    verbose_name = "Mentoring"

    def ready(self) -> None:
        from allauth.account.models import EmailAddress
        from django.db.models.signals import post_delete, post_save

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

        # Mentorships and comments retire the cached pages they show on when
        # they are saved (their save()); email addresses are allauth's rows,
        # written outside this app, so a receiver does it for them.
        post_save.connect(
            _address_changed, sender=EmailAddress, dispatch_uid="hub_EmailAddress"
        )
        post_delete.connect(
            _address_changed, sender=EmailAddress, dispatch_uid="hub_del_EmailAddress"
        )


def _address_changed(sender, instance, **kwargs) -> None:
    """An address added, verified or removed changes which invitations and
    requests its holder is shown on the hub."""
    from config import caching

    caching.bump("learner", instance.user_id)
