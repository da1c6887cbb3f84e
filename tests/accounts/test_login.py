"""Signing in by username or email, signing out, and the failed-login rate limit."""

import pytest
from django.urls import reverse

from tests.accounts.helpers import is_signed_in, sign_in
from tests.factories import PASSWORD


@pytest.fixture(autouse=True)
def _empty_cache(empty_cache):
    pass


@pytest.mark.django_db
class TestLogin:
    def test_it_signs_in_by_username(self, client, learner):
        response = sign_in(client, "learner")

        assert response.status_code == 302
        assert response["Location"] == reverse("dashboard")
        assert client.session["_auth_user_id"] == str(learner.pk)

    def test_it_signs_in_by_email(self, client, learner):
        response = sign_in(client, learner.email)

        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(learner.pk)

    def test_it_refuses_a_wrong_password_without_saying_which_part_was_wrong(
        self, client, learner
    ):
        wrong_password = sign_in(client, "learner", "not the password")
        unknown_user = sign_in(client, "nobody", "not the password")

        assert wrong_password.status_code == unknown_user.status_code == 200
        assert not is_signed_in(client)
        for response in (wrong_password, unknown_user):
            assert b"you specified are not correct" in response.content

    def test_it_returns_to_the_page_asked_for(self, client, learner):
        login = reverse("account_login") + "?next=" + reverse("account_settings")

        response = client.post(login, {"login": "learner", "password": PASSWORD})

        assert response["Location"] == reverse("account_settings")

    def test_it_stops_guessing_after_five_wrong_passwords(self, client, learner):
        for _ in range(5):
            assert sign_in(client, "learner", "a wrong guess").status_code == 200

        # Even the right password is refused until the limit has passed.
        response = sign_in(client, "learner")

        assert response.status_code == 200
        assert b"Too many failed login attempts" in response.content
        assert not is_signed_in(client)

    def test_the_limit_counts_per_account_not_for_everyone(
        self, client, learner, other_learner
    ):
        for _ in range(5):
            sign_in(client, "learner", "a wrong guess")

        assert sign_in(client, "other").status_code == 302
        assert is_signed_in(client)


@pytest.mark.django_db
class TestLogout:
    def test_it_signs_out_by_post(self, client, learner):
        sign_in(client, "learner")

        response = client.post(reverse("account_logout"))

        assert response.status_code == 302
        assert not is_signed_in(client)
        assert client.get(reverse("account_settings")).status_code == 302

    def test_a_get_only_asks_for_confirmation(self, client, learner):
        sign_in(client, "learner")

        response = client.get(reverse("account_logout"))

        assert response.status_code == 200
        assert b'<form method="post"' in response.content
        assert is_signed_in(client)
