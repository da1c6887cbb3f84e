"""Small helpers shared by the account tests."""

import re
import time

from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD
from tests.queue import delivered


def sign_in(client: Client, login: str, password: str = PASSWORD):
    """Sign in through allauth's real login page, as a browser would."""
    return client.post(reverse("account_login"), {"login": login, "password": password})


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def link_in_last_email(path_start: str, to: str | None = None) -> str:
    """The path of the first link starting with path_start in the newest email."""
    message = delivered()[-1]
    if to is not None:
        assert message.to == [to], message.to
    match = re.search(rf"https?://[^/\s]+({re.escape(path_start)}\S*)", message.body)
    assert match, message.body
    return match.group(1)


def current_code(secret: str) -> str:
    """The code an authenticator app shows now, by allauth's own arithmetic."""
    counters = list(yield_hotp_counters_from_time())
    counter = counters[len(counters) // 2]  # the middle one is "now"
    return format_hotp_value(hotp_value(secret, counter))


def code_to_type(secret: str, seconds_needed: int = 8) -> str:
    """The code a person reads off their app and types into a real browser.

    A code lives 30 seconds and the site takes only the current one: read in
    the period's last seconds, it could expire before the form arrives (a
    browser test under load once did). A person would wait for the next code;
    so does this, at most `seconds_needed` seconds."""
    left = 30 - time.time() % 30
    if left < seconds_needed:
        time.sleep(left + 0.5)
    return current_code(secret)


def reauthenticate(client) -> None:
    """Managing two-factor asks for the password again, even right after sign-in."""
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


def activate_totp(client) -> str:
    """Turn on TOTP for the signed-in user as they would; return the secret."""
    reauthenticate(client)
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
    assert response.status_code == 302, response.content
    return secret


def make_mentorship(learner, mentor=None, **fields):
    """A mentorship row as the views would leave it; pending, learner-initiated
    unless told otherwise."""
    from mentoring.models import Mentorship

    fields.setdefault("initiated_by", Mentorship.Initiator.LEARNER)
    if fields.get("status") == Mentorship.Status.ACTIVE:
        from django.utils import timezone

        fields.setdefault("responded_at", timezone.now())
    return Mentorship.objects.create(learner=learner, mentor=mentor, **fields)


def create_invite_link(client) -> str:
    """As the signed-in learner, make a one-time link; return its path."""
    response = client.post(reverse("mentoring_invite"), {"kind": "link"}, follow=True)
    match = re.search(
        r'value="https?://[^/"]+(/mentoring/invitations/[^"/]+/)"',
        response.content.decode(),
    )
    assert match, response.content.decode()
    return match.group(1)


INVITATION_PAGE = "/mentoring/invitation/"


def open_invitation(client, path: str):
    """Open an invitation link as a browser does: the link keeps the token in the
    session and redirects to the invitation page, which is returned."""
    response = client.get(path, follow=True)
    assert response.redirect_chain[0] == (INVITATION_PAGE, 302), response.redirect_chain
    return response


def answer_invitation(client, path: str, action: str, data=None, follow=False):
    """Open the link, then press Accept or Decline on the page, as a person does.

    Where the page shows no such button (the learner's own link, an expired or
    used one), the form is posted as it would have been, with the invitation's id.
    """
    from mentoring.models import Mentorship

    page = open_invitation(client, path).content.decode()
    match = re.search(r'name="invitation" value="(\d+)"', page)
    if match:
        invitation = match.group(1)
    else:
        token = path.rstrip("/").rsplit("/", 1)[-1]
        invitation = Mentorship.objects.get(token_hash=Mentorship.hash_token(token)).pk
    return client.post(
        reverse(f"mentoring_invitation_{action}"),
        {"invitation": invitation, **(data or {})},
        follow=follow,
    )
