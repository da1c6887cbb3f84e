"""Account emails name Waymark and link to the site's public address.

The worker sends what the request queued; these tests run the real flow over
HTTP, run the queue as the worker does, and read the delivered message."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory
from tests.queue import delivered

SITE = "https://waymark.example.org"


@pytest.fixture(autouse=True)
def _site(settings, empty_cache):
    settings.SITE_URL = SITE + "/"


def assert_names_waymark(message) -> None:
    text = message.body
    # Every link opens the public address, not the host the request came to.
    assert "testserver" not in text
    assert "://" not in text.replace(SITE, "")
    assert "Hello from Waymark!" in text
    assert "Hello from !" not in text
    assert " on ." not in text
    assert SITE in text
    assert message.subject.startswith("[Waymark] ")


@pytest.mark.django_db
class TestAccountEmailsNameTheSite:
    def test_the_verification_email_names_waymark_and_its_address(self, client):
        client.post(
            reverse("account_signup"),
            {
                "email": "ada@example.com",
                "username": "ada",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )
        (message,) = delivered()
        assert_names_waymark(message)
        assert f"register an account on {SITE}" in message.body
        assert f"{SITE}/accounts/confirm-email/" in message.body

    def test_the_password_reset_email_names_waymark(self, client):
        UserFactory(username="grace", email="grace@example.com")
        client.post(reverse("account_reset_password"), {"email": "grace@example.com"})
        (message,) = delivered()
        assert f"{SITE}/accounts/password/reset/key/" in message.body
        assert_names_waymark(message)

    def test_the_email_to_an_address_without_an_account_names_waymark(self, client):
        client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})
        (message,) = delivered()
        assert_names_waymark(message)
