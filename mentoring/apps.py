from django.apps import AppConfig


class MentoringConfig(AppConfig):
    name = "mentoring"
    verbose_name = "Mentoring"

    def ready(self) -> None:
        from allauth.account.models import EmailAddress
        from django.db.models.signals import post_delete, post_save

        from mentoring import learner_file
        from mentoring.models import Comment, Mentorship
        from mentoring.views import feedback
        from progress import extensions

        # Mentoring's parts of the learner's own pages and data file.
        extensions.register("item", feedback.thread_context)
        extensions.register("skill", feedback.skill_context)
        extensions.register("dashboard", feedback.dashboard_context)
        extensions.register("learner_file", learner_file.SECTION)

        # A mentorship, an email address or a comment changed: retire the cached
        # pages of everyone it concerns (the hub lists invitations by address).
        for model in (Mentorship, EmailAddress, Comment):
            post_save.connect(
                _people_changed, sender=model, dispatch_uid=f"hub_{model.__name__}"
            )
            post_delete.connect(
                _people_changed, sender=model, dispatch_uid=f"hub_del_{model.__name__}"
            )


def _people_changed(sender, instance, **kwargs) -> None:
    """A mentorship or an email address changed: retire the cached pages of
    everyone it concerns (the hub lists invitations by verified address)."""
    from django.contrib.auth import get_user_model

    from progress import figures

    concerned = {
        getattr(instance, "learner_id", None),
        getattr(instance, "mentor_id", None),
        getattr(instance, "user_id", None),
    }
    invited = getattr(instance, "invited_email", "")
    if invited:
        concerned.update(
            get_user_model()
            .objects.filter(emailaddress__email__iexact=invited)
            .values_list("pk", flat=True)
        )
    # A mentor's request sent to a username reaches whoever holds it.
    username = getattr(instance, "invited_username", "")
    if username:
        concerned.update(
            get_user_model()
            .objects.filter(username__iexact=username)
            .values_list("pk", flat=True)
        )
    for pk in concerned - {None}:
        figures.learner_changed(pk)
