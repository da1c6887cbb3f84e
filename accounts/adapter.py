"""allauth's account adapter with Waymark's wording."""

from allauth.account.adapter import DefaultAccountAdapter


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
        from outbox.sending import Priority, queue_email

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
