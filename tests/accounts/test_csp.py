"""The account pages keep the strict CSP and basic accessible structure."""

import itertools
import re

import pytest
from django.urls import reverse

from tests.accounts.helpers import activate_totp, reauthenticate, sign_in
from tests.test_security_headers import csp_directives

SIGNED_IN_PAGES = [
    "account_settings",
    "account_delete",
    "account_email",
    "account_change_password",
    "account_reauthenticate",
    "account_logout",
    "usersessions_list",
    "mfa_index",
    "mfa_activate_totp",
]


def assert_no_inline_code(response, status: int = 200) -> None:
    url = response.request["PATH_INFO"]
    assert response.status_code == status, url
    nonces = [
        value[len("'nonce-") : -1]
        for value in csp_directives(response)["script-src"]
        if value.startswith("'nonce-")
    ]
    assert len(nonces) == 1, url
    body = response.content.decode()
    for tag in re.findall(r"<script\b[^>]*>", body):
        assert "src=" in tag, f"inline script on {url}: {tag}"
        assert f'nonce="{nonces[0]}"' in tag, (url, tag)
    assert "<style" not in body, url
    assert not re.search(r"\sstyle=", body), url
    assert not re.search(r"\son[a-z]+=", body), url
    assert "hx-on" not in body, url


def assert_accessible_structure(response) -> None:
    """One h1 first, no skipped heading levels, a label for every visible field."""
    url = response.request["PATH_INFO"]
    main = re.search(r"<main\b.*?</main>", response.content.decode(), re.S).group(0)
    levels = [int(level) for level in re.findall(r"<h([1-6])\b", main)]
    assert levels[0] == 1 and levels.count(1) == 1, (url, levels)
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), (url, levels)
    fields = re.findall(r"<(?:input|select|textarea)\b[^>]*>", main)
    for field in fields:
        if re.search(r'type="(hidden|submit)"', field):
            continue
        field_id = re.search(r'\bid="([^"]+)"', field)
        assert field_id, (url, field)
        assert f'<label for="{field_id.group(1)}"' in main, (url, field)


@pytest.fixture
def signed_in(client, learner, empty_cache):
    sign_in(client, "learner")
    # Two-factor pages also want the password again, as allauth asks.
    reauthenticate(client)
    return client


@pytest.mark.django_db
class TestAccountPagesPolicy:
    @pytest.mark.parametrize("name", SIGNED_IN_PAGES)
    def test_it_has_no_inline_code(self, signed_in, name):
        assert_no_inline_code(signed_in.get(reverse(name)))

    @pytest.mark.parametrize("name", SIGNED_IN_PAGES)
    def test_it_has_ordered_headings_and_labelled_fields(self, signed_in, name):
        assert_accessible_structure(signed_in.get(reverse(name)))

    def test_pages_with_errors_have_no_inline_code_either(self, signed_in):
        assert_no_inline_code(
            signed_in.post(reverse("account_settings"), {"timezone": "Nowhere"})
        )
        assert_no_inline_code(
            signed_in.post(reverse("account_delete"), {"password": "wrong"})
        )

    def test_two_factor_pages_have_no_inline_code(self, signed_in):
        activate_totp(signed_in)
        assert_no_inline_code(signed_in.get(reverse("mfa_view_recovery_codes")))
        assert_no_inline_code(signed_in.get(reverse("mfa_deactivate_totp")))
        signed_in.post(reverse("account_logout"))
        sign_in(signed_in, "learner")
        assert_no_inline_code(signed_in.get(reverse("mfa_authenticate")))

    @pytest.mark.parametrize(
        "name", ["account_reset_password", "account_email_verification_sent"]
    )
    def test_signed_out_pages_have_no_inline_code(self, client, db, name):
        assert_no_inline_code(client.get(reverse(name)))
