"""The list of one's signed-in sessions (allauth.usersessions)."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.accounts.helpers import is_signed_in, sign_in

URL = reverse("usersessions_list")


@pytest.fixture(autouse=True)
def _empty_cache(empty_cache):
    pass


@pytest.mark.django_db
class TestSessionsPage:
    def test_it_requires_signing_in(self, client):
        response = client.get(URL)

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))

    def test_it_lists_the_current_session(self, learner):
        client = Client(headers={"user-agent": "TestBrowser/1.0"})
        sign_in(client, "learner")

        response = client.get(URL)

        assert response.status_code == 200
        body = response.content.decode()
        assert "<h1>Signed-in sessions</h1>" in body
        assert "127.0.0.1" in body
        assert body.count('<li class="card">') == 1
        assert '<h2 class="card__title">This browser</h2>' in body
        assert "TestBrowser/1.0" in body
        assert ">Sign out</button>" in body

    def test_it_shows_only_ones_own_sessions(self, client, learner, other_learner):
        theirs = Client(headers={"user-agent": "TheirBrowser/2.0"})
        sign_in(theirs, "other")
        sign_in(client, "learner")

        body = client.get(URL).content.decode()

        assert "TheirBrowser" not in body
        assert body.count('<li class="card">') == 1

    def test_it_signs_out_the_other_sessions(self, client, learner):
        phone = Client(headers={"user-agent": "PhoneBrowser/3.0"})
        sign_in(phone, "learner")
        sign_in(client, "learner")
        page = client.get(URL).content.decode()
        assert "PhoneBrowser/3.0" in page
        assert '<h2 class="card__title">Another browser</h2>' in page
        assert ">Sign out other sessions</button>" in page

        response = client.post(URL)

        assert response.status_code == 302
        assert is_signed_in(client)
        assert phone.get(reverse("account_settings")).status_code == 302
