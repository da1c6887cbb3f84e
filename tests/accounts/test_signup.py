"""Sign-up with a mandatory, emailed verification link; no account enumeration."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.accounts.helpers import is_signed_in, link_in_last_email, sign_in
from tests.factories import PASSWORD
from tests.queue import delivered

User = get_user_model()

NEW_PERSON = {
    "email": "ada@example.com",
    "username": "ada",
    "password1": PASSWORD,
    "password2": PASSWORD,
}


@pytest.fixture(autouse=True)
def _empty_cache(empty_cache):
    pass


@pytest.mark.django_db
class TestSignup:
    def test_it_creates_an_account_and_emails_a_verification_link(self, client):
        response = client.post(reverse("account_signup"), NEW_PERSON)

        assert response.status_code == 302
        assert response["Location"] == reverse("account_email_verification_sent")
        assert User.objects.filter(username="ada").exists()
        assert not is_signed_in(client)
        assert len(delivered()) == 1
        assert delivered()[0].to == ["ada@example.com"]
        assert delivered()[0].subject.startswith("[Waymark] ")
        assert "/accounts/confirm-email/" in delivered()[0].body

    def test_it_refuses_to_sign_in_before_the_email_is_verified(self, client):
        client.post(reverse("account_signup"), NEW_PERSON)

        response = sign_in(client, "ada")

        assert response.status_code == 302
        assert response["Location"] == reverse("account_email_verification_sent")
        assert not is_signed_in(client)
        assert client.get(reverse("account_settings")).status_code == 302

    def test_confirming_in_the_browser_that_signed_up_lands_signed_in(self, client):
        client.post(reverse("account_signup"), NEW_PERSON)
        link = link_in_last_email("/accounts/confirm-email/", to="ada@example.com")

        page = client.get(link)
        assert page.status_code == 200
        assert b"ada@example.com" in page.content
        # Opening the link changes nothing: confirming takes a POST.
        assert not EmailAddress.objects.get(email="ada@example.com").verified
        assert not is_signed_in(client)
        confirmed = client.post(link)

        assert confirmed.status_code == 302
        assert EmailAddress.objects.get(email="ada@example.com").verified
        assert is_signed_in(client)
        assert client.get(confirmed["Location"], follow=True).status_code == 200
        assert client.get(reverse("dashboard")).status_code == 200

    def test_confirming_in_another_browser_verifies_but_asks_to_sign_in(self, client):
        from django.test import Client

        client.post(reverse("account_signup"), NEW_PERSON)
        link = link_in_last_email("/accounts/confirm-email/", to="ada@example.com")
        elsewhere = Client()

        confirmed = elsewhere.post(link)

        assert confirmed.status_code == 302
        assert EmailAddress.objects.get(email="ada@example.com").verified
        # A link alone never signs anyone in.
        assert not is_signed_in(elsewhere)
        response = sign_in(elsewhere, "ada@example.com")
        assert response["Location"] == reverse("dashboard")
        assert is_signed_in(elsewhere)

    def test_it_does_not_reveal_that_an_email_already_has_an_account(
        self, client, learner
    ):
        taken = dict(NEW_PERSON, email=learner.email)

        response = client.post(reverse("account_signup"), taken)
        fresh = client.post(reverse("account_signup"), NEW_PERSON)

        # The same answer as for a fresh address...
        assert response.status_code == fresh.status_code == 302
        assert response["Location"] == fresh["Location"]
        # ...while only the address's owner learns of the attempt, by email.
        assert not User.objects.filter(username="ada", email=learner.email).exists()
        assert EmailAddress.objects.filter(email__iexact=learner.email).count() == 1
        warning = next(m for m in delivered() if m.to == [learner.email])
        assert "/accounts/confirm-email/" not in warning.body

    def test_it_shows_errors_next_to_the_fields(self, client):
        bad = dict(NEW_PERSON, email="not-an-email", password2="something else")

        response = client.post(reverse("account_signup"), bad)

        assert response.status_code == 200
        body = response.content.decode()
        assert 'aria-invalid="true"' in body
        assert 'aria-describedby="id_email_error"' in body
        assert not User.objects.filter(username="ada").exists()
