"""A person who has just typed their password is not asked for it again.

A new curator signs in and is sent to set up two-factor before the admin opens;
allauth asked for the password a second time, seconds after the sign-in. A
sign-in through the login form now counts as a fresh check of the password for
allauth's reauthentication window (ACCOUNT_REAUTHENTICATION_TIMEOUT, 5
minutes); after it, sensitive actions ask again as before."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.accounts.helpers import sign_in
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _empty_cache(empty_cache):
    pass


@pytest.fixture
def newcomer(db):
    """A curator as createcurator leaves them: staff, no authenticator yet."""
    user = UserFactory(username="newcomer", is_staff=True)
    user.groups.add(Group.objects.get(name="Curators"))
    return user


def activation_after_sign_in(client):
    """Sign in through the login form, open the admin, follow it to two-factor."""
    response = sign_in(client, "newcomer")
    assert response.status_code == 302
    admin = client.get(reverse("admin:index"))
    assert admin.status_code == 302
    assert admin["Location"].startswith(reverse("mfa_activate_totp"))
    return admin["Location"]


@pytest.mark.django_db
class TestFreshSignIn:
    def test_a_curator_who_just_signed_in_is_not_asked_for_the_password_again(
        self, client, newcomer
    ):
        activation = activation_after_sign_in(client)
        response = client.get(activation)
        assert response.status_code == 200
        assert 'name="code"' in response.content.decode()

    def test_five_minutes_after_signing_in_the_password_is_asked_again(
        self, client, newcomer, clock
    ):
        activation = activation_after_sign_in(client)
        clock.advance(minutes=5, seconds=1)
        response = client.get(activation)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_reauthenticate"))

    def test_a_session_not_signed_in_through_the_form_is_asked(self, client, learner):
        client.force_login(learner)
        response = client.get(reverse("mfa_activate_totp"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_reauthenticate"))
