from django.apps import AppConfig


class MentoringConfig(AppConfig):
    name = "mentoring"
    verbose_name = "Mentoring"

    def ready(self) -> None:
        from mentoring import emails
        from mentoring.consent import expire_invitations
        from outbox import schedule
        from outbox.sending import register_kind

        schedule.register(
            schedule.Job(
                "expire-invitations",
                schedule.DAY,
                expire_invitations,
                "Mark pending invitations and requests past their date as expired.",
            )
        )
        register_kind("mentoring invitation", still_wanted=emails.invitation_still_open)
        # A reminder that could not be sent gives the learner's day back.
        register_kind("mentor reminder", given_up=emails.nudge_not_sent)
