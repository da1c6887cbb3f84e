"""A new staff member's first visit to the admin: set up two-factor, keep the
recovery codes, and go on to the admin from the recovery codes page."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.accounts.helpers import activate_totp, current_code, secret_on_page, sign_in
from tests.factories import PASSWORD, UserFactory


@pytest.fixture(autouse=True)
def _empty_cache(empty_cache):
    pass


@pytest.fixture
def newcomer(db):
    """A curator as createcurator leaves them: staff, no authenticator yet."""
    user = UserFactory(username="newcomer", is_staff=True)
    user.groups.add(Group.objects.get(name="Curators"))
    return user


def goes_to(location: str) -> tuple[str, str | None]:
    """A redirect's path and its `next`."""
    url = urlsplit(location)
    return url.path, parse_qs(url.query).get("next", [None])[0]


def hidden_next(body: str) -> str | None:
    match = re.search(r'<input type="hidden" name="next" value="([^"]*)"', body)
    return match.group(1) if match else None


def follow_to_activation(client, location: str):
    """From the admin's redirect to the activation page, through the password
    check if allauth asks for it; return the activation page."""
    response = client.get(location)
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("account_reauthenticate"))
        back = client.post(response["Location"], {"password": PASSWORD})
        assert back.status_code == 302
        assert back["Location"] == location
        response = client.get(back["Location"])
    assert response.status_code == 200
    return response


def action_pair(body: str) -> list[tuple[str, str]]:
    """The (href, text) of the links in the page's pair of actions."""
    block = re.search(r'<div class="action-pair">(.*?)</div>', body, re.S)
    assert block, body
    return [
        (href, " ".join(text.split()))
        for href, text in re.findall(
            r'<a class="button[^"]*" href="([^"]+)"[^>]*>(.*?)</a>', block.group(1)
        )
    ]


@pytest.mark.django_db
class TestFirstAdminVisit:
    def test_after_activation_the_recovery_codes_page_leads_on_to_the_admin(
        self, client, newcomer
    ):
        sign_in(client, "newcomer")
        response = client.get(reverse("admin:index"))
        assert response.status_code == 302
        assert goes_to(response["Location"]) == (
            reverse("mfa_activate_totp"),
            "/admin/",
        )

        page = follow_to_activation(client, response["Location"])
        assert hidden_next(page.content.decode()) == "/admin/"
        secret = secret_on_page(page)
        done = client.post(
            reverse("mfa_activate_totp"),
            {"code": current_code(secret), "next": hidden_next(page.content.decode())},
        )

        assert done.status_code == 302
        assert goes_to(done["Location"]) == (
            reverse("mfa_view_recovery_codes"),
            "/admin/",
        )
        codes = client.get(done["Location"])
        body = codes.content.decode()
        assert codes.status_code == 200
        assert "Unused codes" in body
        assert action_pair(body) == [
            (reverse("mfa_download_recovery_codes"), "Download the codes"),
            ("/admin/", "Continue to the admin"),
        ]
        admin = client.get("/admin/")
        assert admin.status_code == 200
        assert "Waymark curation" in admin.content.decode()

    def test_both_actions_work(self, client, newcomer):
        sign_in(client, "newcomer")
        activate_totp(client)
        body = client.get(
            reverse("mfa_view_recovery_codes"), {"next": "/admin/"}
        ).content.decode()
        (download, _), (onward, _) = action_pair(body)

        codes = client.get(download)
        assert codes.status_code == 200
        assert codes["Content-Disposition"].startswith("attachment")
        assert client.get(onward).status_code == 200

    def test_a_learner_is_led_back_to_the_two_factor_page(self, client, learner):
        sign_in(client, "learner")
        activate_totp(client)

        body = client.get(reverse("mfa_view_recovery_codes")).content.decode()

        assert action_pair(body)[-1] == (
            reverse("mfa_index"),
            "Back to two-factor authentication",
        )

    def test_a_next_pointing_elsewhere_is_ignored(self, client, learner):
        sign_in(client, "learner")
        activate_totp(client)

        body = client.get(
            reverse("mfa_view_recovery_codes"), {"next": "https://evil.example/"}
        ).content.decode()

        assert "evil.example" not in body
        assert action_pair(body)[-1][0] == reverse("mfa_index")
