from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People"

    def ready(self) -> None:
        from allauth.account.signals import authentication_step_completed
        from django.contrib.auth.signals import (
            user_logged_in,
            user_logged_out,
            user_login_failed,
        )

        from accounts import audit
        from accounts.adapter import note_password_checked
        from accounts.middleware import mark_signed_out

        user_logged_out.connect(mark_signed_out, dispatch_uid="clear_site_data")
        user_logged_in.connect(audit.signed_in, dispatch_uid="audit_sign_in")
        user_logged_out.connect(audit.signed_out, dispatch_uid="audit_sign_out")
        user_login_failed.connect(audit.sign_in_failed, dispatch_uid="audit_failed")
        authentication_step_completed.connect(
            note_password_checked, dispatch_uid="password_checked"
        )
