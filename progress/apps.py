from django.apps import AppConfig


class ProgressConfig(AppConfig):
    name = "progress"
    verbose_name = "Progress"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save, pre_delete

        from progress import role_page, views
        from progress.models import Comment
        from roadmap import hooks

        # Deleting an account, from the app or the admin, takes the learner out
        # of the drop-off tallies. (A learner's cached figures need no receiver:
        # the functions that write a learner's data bump their generation, and no
        # admin page edits what those figures show.)
        pre_delete.connect(
            _forget_learner, sender=get_user_model(), dispatch_uid="dropoff_forget"
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
        # A mentor's comment or the learner's reply shows on their dashboard.
        post_save.connect(
            _comment_changed, sender=Comment, dispatch_uid="figures_save_Comment"
        )
        post_delete.connect(
            _comment_changed, sender=Comment, dispatch_uid="figures_delete_Comment"
        )

        hooks.register("role_page")(views.role_page_context)
        hooks.register("skill_page")(views.skill_page_context)
        hooks.register("signed_in_role_page")(role_page.learner_role_page)


def _forget_learner(sender, instance, **kwargs) -> None:
    from progress import dropoff

    dropoff.forget_learner(instance)


def _comment_changed(sender, instance, **kwargs) -> None:
    from progress import figures

    figures.learner_changed(instance.learner_id)


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
