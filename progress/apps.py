from django.apps import AppConfig


class ProgressConfig(AppConfig):
    name = "progress"
    verbose_name = "Progress"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save, pre_delete

        from progress import role_page, views
        from progress.models import Comment, ItemProgress, ProgressEvent, RoleFollow
        from roadmap import hooks

        pre_delete.connect(
            _forget_learner, sender=get_user_model(), dispatch_uid="dropoff_forget"
        )
        # Any change to a learner's progress, or to the learner (a new time
        # zone or name), retires their cached figures and pages.
        post_save.connect(
            _learner_saved, sender=get_user_model(), dispatch_uid="figures_user_save"
        )
        from allauth.account.models import EmailAddress

        from accounts.models import Mentorship

        for model in (Mentorship, EmailAddress):
            post_save.connect(
                _people_changed, sender=model, dispatch_uid=f"hub_{model.__name__}"
            )
            post_delete.connect(
                _people_changed, sender=model, dispatch_uid=f"hub_del_{model.__name__}"
            )
        for model in (ItemProgress, ProgressEvent, RoleFollow, Comment):
            post_save.connect(
                _progress_changed,
                sender=model,
                dispatch_uid=f"figures_save_{model.__name__}",
            )
            post_delete.connect(
                _progress_changed,
                sender=model,
                dispatch_uid=f"figures_delete_{model.__name__}",
            )

        hooks.register("role_page")(views.role_page_context)
        hooks.register("skill_page")(views.skill_page_context)
        hooks.register("signed_in_role_page")(role_page.learner_role_page)


def _forget_learner(sender, instance, **kwargs) -> None:
    from progress import dropoff

    dropoff.forget_learner(instance)


def _progress_changed(sender, instance, **kwargs) -> None:
    from progress import figures

    figures.learner_changed(instance.learner_id)


def _learner_saved(sender, instance, **kwargs) -> None:
    from progress import figures

    figures.learner_changed(instance.pk)


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
