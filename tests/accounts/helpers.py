"""Small helpers shared by the account tests."""

import base64
import hashlib
import hmac
import html
import re
import struct
import time

from django.conf import settings
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


def totp_period() -> int:
    """Seconds a code lives: allauth's MFA_TOTP_PERIOD, 30 unless set."""
    return getattr(settings, "MFA_TOTP_PERIOD", 30)


def totp_digits() -> int:
    """Digits in a code: allauth's MFA_TOTP_DIGITS, 6 unless set."""
    return getattr(settings, "MFA_TOTP_DIGITS", 6)


def totp_code(secret: str, at: float) -> str:
    """The RFC 6238 code for the base32 secret at the given Unix time:
    HMAC-SHA1 over the period counter, dynamically truncated (RFC 4226)."""
    key = base64.b32decode(secret.encode("ascii"), casefold=True)
    counter = int(at) // totp_period()
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    digits = totp_digits()
    return f"{value % 10**digits:0{digits}d}"


def current_code(secret: str) -> str:
    """The code an authenticator app shows now."""
    return totp_code(secret, time.time())


def code_to_type(secret: str, seconds_needed: int = 8) -> str:
    """The code a person reads off their app and types into a real browser.

    A code lives 30 seconds and the site takes only the current one: read in
    the period's last seconds, it could expire before the form arrives (a
    browser test under load once did). A person would wait for the next code;
    so does this, at most `seconds_needed` seconds."""
    period = totp_period()
    left = period - time.time() % period
    if left < seconds_needed:
        time.sleep(left + 0.5)
    return current_code(secret)


def secret_on_page(page) -> str:
    """The secret the activation page shows for typing into an app by hand."""
    body = page.content.decode()
    match = re.search(r'<input\b[^>]*\bid="authenticator_secret"[^>]*>', body)
    assert match, body
    value = re.search(r'\bvalue="([^"]*)"', match.group(0))
    assert value and value.group(1), match.group(0)
    return html.unescape(value.group(1))


def reauthenticate(client) -> None:
    """Managing two-factor asks for the password again, even right after sign-in."""
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


def activate_totp(client) -> str:
    """Turn on TOTP for the signed-in user as they would; return the secret."""
    reauthenticate(client)
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = secret_on_page(page)
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
