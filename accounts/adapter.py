"""allauth's account adapter with Waymark's wording."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.utils import timezone

# When this session's person last typed their password (sign-in or
# reauthentication), and who they were.
PASSWORD_CHECKED = "waymark_password_checked"  # noqa: S105 - a session key


@dataclass(frozen=True)
class Site:
    """What allauth's email templates call `current_site`: the name and the
    public address (WAYMARK_SITE_URL), the same wherever the email is rendered."""

    name: str
    domain: str


def waymark_site() -> Site:
    return Site(name="Waymark", domain=settings.SITE_URL.rstrip("/"))


def on_site(url: str) -> str:
    """The same page at the public address (WAYMARK_SITE_URL): allauth builds
    its links from the request's host, which behind a proxy or in a test may not
    be the address a reader can open."""
    parts = urlsplit(url)
    link = settings.SITE_URL.rstrip("/") + parts.path
    return f"{link}?{parts.query}" if parts.query else link


def note_password_checked(sender, request, user, method: str, **kwargs) -> None:
    """allauth's `authentication_step_completed`: remember a password step."""
    if method == "password" and request is not None and user is not None:
        request.session[PASSWORD_CHECKED] = {
            "user": user.pk,
            "at": timezone.now().timestamp(),
        }


def password_checked_recently(request) -> bool:
    """Did the signed-in person type their password in this session within the
    reauthentication window (ACCOUNT_REAUTHENTICATION_TIMEOUT, 5 minutes)?"""
    if request is None or not request.user.is_authenticated:
        return False
    checked = request.session.get(PASSWORD_CHECKED) or {}
    if checked.get("user") != request.user.pk:
        return False
    age = timezone.now().timestamp() - checked.get("at", 0)
    return 0 <= age < allauth_settings.REAUTHENTICATION_TIMEOUT


class AccountAdapter(DefaultAccountAdapter):
    """What sign-up may say about existing accounts.

    Email addresses are private: with ACCOUNT_PREVENT_ENUMERATION, sign-up, login
    and password reset answer the same whether or not an address has an account.
    Usernames must be unique, so sign-up has to refuse one that is taken; that is
    by design, because a username is a public handle (mentors, mentees and the
    people one asks see it, and a public profile lives at /u/<username>/). The
    refusal says only that, never whose it is.
    """

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Every account email (verification, password reset, security notices)
        is rendered here and queued: the worker sends it, never the request."""
        from accounts import reset_limit
        from outbox.sending import Priority, queue_email

        if template_prefix in reset_limit.RESET_EMAILS and not reset_limit.take_one(
            email
        ):
            return  # the day's reset emails to this address are sent; same page
        # allauth's templates greet with the site's name and sign with its
        # address; without the sites framework they would read "Hello from !".
        context = {"email": email, **context, "current_site": waymark_site()}
        # Every link allauth puts in (activate_url, password_reset_url,
        # signup_url) opens the public address.
        for name, value in context.items():
            if name.endswith("_url") and isinstance(value, str):
                context[name] = on_site(value)
        message = self.render_mail(template_prefix, email, context)
        queue_email(
            message,
            kind="account " + template_prefix.rsplit("/", 1)[-1].replace("_", " "),
            priority=Priority.ACCOUNT,
            secret=True,
            recipient=context.get("user"),
        )

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """Sensitive actions (two-factor, email addresses) ask for the password
        again, but not of someone who typed it at sign-in moments ago: a new
        curator sent from sign-in to set up two-factor was asked twice."""
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        return not password_checked_recently(allauth_context.request)

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_taken": "That username is taken: choose another. Usernames are "
        "public on Waymark; your email address never is.",
    }
