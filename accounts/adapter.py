"""allauth's account adapter with Waymark's wording."""

from dataclasses import dataclass

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


@dataclass(frozen=True)
class Site:
    """What allauth's email templates call `current_site`: the name and the
    public address (WAYMARK_SITE_URL), the same wherever the email is rendered."""

    name: str
    domain: str


def waymark_site() -> Site:
    return Site(name="Waymark", domain=settings.SITE_URL.rstrip("/"))


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
        message = self.render_mail(template_prefix, email, context)
        queue_email(
            message,
            kind="account " + template_prefix.rsplit("/", 1)[-1].replace("_", " "),
            priority=Priority.ACCOUNT,
            secret=True,
            recipient=context.get("user"),
        )

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_taken": "That username is taken: choose another. Usernames are "
        "public on Waymark; your email address never is.",
    }
