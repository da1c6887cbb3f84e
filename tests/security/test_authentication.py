"""Authentication: rate limits, no account enumeration, sessions that rotate at
sign-in and end at sign-out and password change, two-factor for everyone."""

import re

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.accounts.helpers import is_signed_in, sign_in
from tests.factories import PASSWORD, UserFactory
from tests.queue import delivered

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def normalise(html: str) -> str:
    """Leave out what differs between any two responses."""
    html = re.sub(r'csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
    return re.sub(r'nonce="[^"]+"', "", html)


class TestRateLimits:
    def test_the_site_login_stops_an_address_after_ten_failures(self, learner):
        client = Client()
        for number in range(10):
            response = sign_in(client, f"nobody{number}", "wrong")
            assert b"you specified are not correct" in response.content
        # Then even a right password from that address is refused for a while.
        response = sign_in(client, "learner")
        assert b"Too many failed login attempts" in response.content
        assert not is_signed_in(client)

    def test_the_admin_login_is_the_same_limited_login(self, client, curator):
        url = reverse("admin:login")
        assert client.get(url)["Location"].startswith(reverse("account_login"))
        for _ in range(5):
            sign_in(client, "curator", "wrong")
        response = sign_in(client, "curator", PASSWORD)
        assert b"Too many failed login attempts" in response.content
        assert not is_signed_in(client)

    def test_password_reset_stops_after_five_for_one_address(self, client, learner):
        url = reverse("account_reset_password")
        for _ in range(5):
            response = client.post(url, {"email": "learner@example.com"})
            assert response.status_code == 302
        response = client.post(url, {"email": "learner@example.com"})
        assert response.status_code == 429
        assert len(delivered()) == 5


class TestNoEnumeration:
    def test_login_says_the_same_for_unknown_and_known_accounts(self, learner):
        known = sign_in(Client(), "learner", "wrong password")
        unknown = sign_in(Client(), "no-such-person", "wrong password")
        assert known.status_code == unknown.status_code == 200
        assert normalise(known.content.decode()).replace("learner", "X") == normalise(
            unknown.content.decode()
        ).replace("no-such-person", "X")

    def test_signup_says_the_same_for_a_taken_and_a_new_address(self, learner):
        def signup(email, username):
            return Client().post(
                reverse("account_signup"),
                {
                    "email": email,
                    "username": username,
                    "password1": PASSWORD,
                    "password2": PASSWORD,
                },
            )

        taken = signup("learner@example.com", "fresh1")
        new = signup("brand-new@example.com", "fresh2")
        assert taken.status_code == new.status_code == 302
        assert taken["Location"] == new["Location"]

    def test_reset_says_the_same_for_unknown_and_known_addresses(self, learner):
        url = reverse("account_reset_password")
        known = Client().post(url, {"email": "learner@example.com"}, follow=True)
        unknown = Client().post(url, {"email": "nobody@example.com"}, follow=True)
        assert known.redirect_chain == unknown.redirect_chain
        assert normalise(known.content.decode()) == normalise(unknown.content.decode())


class TestSessions:
    def test_the_session_key_changes_at_sign_in(self, client, learner):
        session = client.session
        session["visited"] = True
        session.save()
        before = session.session_key
        assert sign_in(client, "learner").status_code == 302
        after = client.session.session_key
        assert after != before
        assert not Session.objects.filter(session_key=before).exists()

    def test_sign_out_ends_the_session(self, client, learner):
        sign_in(client, "learner")
        key = client.session.session_key
        client.post(reverse("account_logout"))
        assert not Session.objects.filter(session_key=key).exists()
        stolen = Client()
        stolen.cookies["sessionid"] = key
        assert stolen.get(reverse("dashboard")).status_code == 302

    def test_a_password_change_ends_the_other_sessions(self, learner):
        laptop, phone = Client(), Client()
        sign_in(laptop, "learner")
        sign_in(phone, "learner")
        response = laptop.post(
            reverse("account_change_password"),
            {
                "oldpassword": PASSWORD,
                "password1": "a new and long passphrase",
                "password2": "a new and long passphrase",
            },
        )
        assert response.status_code == 302
        assert is_signed_in(laptop)
        assert laptop.get(reverse("dashboard")).status_code == 200
        assert phone.get(reverse("dashboard")).status_code == 302


class TestTwoFactor:
    def test_every_learner_can_turn_it_on(self, client):
        user = UserFactory(username="anyone")
        client.force_login(user)
        page = client.get(reverse("mfa_index")).content.decode()
        assert reverse("mfa_activate_totp") in page
