"""Small helpers shared by the account tests."""

import re

from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD


def sign_in(client: Client, login: str, password: str = PASSWORD):
    """Sign in through allauth's real login page, as a browser would."""
    return client.post(reverse("account_login"), {"login": login, "password": password})


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def link_in_last_email(path_start: str, to: str | None = None) -> str:
    """The path of the first link starting with path_start in the newest email."""
    message = mail.outbox[-1]
    if to is not None:
        assert message.to == [to], message.to
    match = re.search(rf"https?://[^/\s]+({re.escape(path_start)}\S*)", message.body)
    assert match, message.body
    return match.group(1)
