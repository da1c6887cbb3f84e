from django.apps import AppConfig


class ProgressConfig(AppConfig):
    name = "progress"
    verbose_name = "Progress"

    def ready(self) -> None:
        from progress import views
        from roadmap import hooks

        hooks.register("role_page")(views.role_page_context)
        hooks.register("skill_page")(views.skill_page_context)
