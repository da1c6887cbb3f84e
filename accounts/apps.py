from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from accounts.middleware import mark_signed_out

        user_logged_out.connect(mark_signed_out, dispatch_uid="clear_site_data")
