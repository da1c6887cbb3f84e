"""Two-factor sign-in with an authenticator app (TOTP)."""

import base64

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from tests.accounts.helpers import (
    activate_totp,
    current_code,
    is_signed_in,
    reauthenticate,
    secret_on_page,
    sign_in,
    totp_code,
)


@pytest.fixture(autouse=True)
def _empty_cache(empty_cache):
    pass


def test_the_test_authenticator_computes_rfc_6238_codes(settings):
    """The codes these tests type are an app's codes: RFC 6238's SHA-1 vectors
    (appendix B, secret "12345678901234567890", 8 digits) come out."""
    settings.MFA_TOTP_DIGITS = 8
    secret = base64.b32encode(b"12345678901234567890").decode("ascii")

    assert totp_code(secret, 59) == "94287082"
    assert totp_code(secret, 1111111109) == "07081804"
    assert totp_code(secret, 2000000000) == "69279037"


@pytest.mark.django_db
class TestTwoFactor:
    def test_it_asks_for_the_password_again_before_activating(
        self, client, learner, clock
    ):
        sign_in(client, "learner")
        # Right after signing in the password is not asked again
        # (tests/accounts/test_fresh_sign_in.py); later it is.
        clock.advance(minutes=6)

        response = client.get(reverse("mfa_activate_totp"))

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_reauthenticate"))

    def test_it_activates_an_authenticator_app(self, client, learner):
        sign_in(client, "learner")

        activate_totp(client)

        assert Authenticator.objects.filter(
            user=learner, type=Authenticator.Type.TOTP
        ).exists()
        index = client.get(reverse("mfa_index"))
        assert b"Deactivate" in index.content

    def test_it_refuses_a_wrong_code_on_activation(self, client, learner):
        sign_in(client, "learner")
        reauthenticate(client)
        page = client.get(reverse("mfa_activate_totp"))
        secret = secret_on_page(page)
        wrong = f"{(int(current_code(secret)) + 1) % 1_000_000:06d}"

        response = client.post(reverse("mfa_activate_totp"), {"code": wrong})

        assert response.status_code == 200
        assert not Authenticator.objects.filter(user=learner).exists()

    def test_sign_in_then_asks_for_the_code(self, client, learner):
        sign_in(client, "learner")
        secret = activate_totp(client)
        client.post(reverse("account_logout"))

        response = sign_in(client, "learner")

        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_authenticate")
        assert not is_signed_in(client)
        assert client.get(reverse("account_settings")).status_code == 302

        done = client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})

        assert done.status_code == 302
        assert client.session["_auth_user_id"] == str(learner.pk)

    def test_a_wrong_code_does_not_sign_in(self, client, learner):
        sign_in(client, "learner")
        secret = activate_totp(client)
        client.post(reverse("account_logout"))
        sign_in(client, "learner")
        wrong = f"{(int(current_code(secret)) + 1) % 1_000_000:06d}"

        response = client.post(reverse("mfa_authenticate"), {"code": wrong})

        assert response.status_code == 200
        assert b'aria-invalid="true"' in response.content
        assert not is_signed_in(client)
