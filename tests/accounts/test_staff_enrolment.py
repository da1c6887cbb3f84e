"""How staff without two-factor get it: open (the password is enough to set it
up) or invite (only through a one-time link a superuser makes)."""

import datetime
import hashlib
from io import StringIO
from urllib.parse import urlsplit

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import StaffEnrolment
from tests.accounts.helpers import current_code, reauthenticate, secret_on_page, sign_in
from tests.factories import UserFactory, enable_two_factor


@pytest.fixture(autouse=True)
def _empty_cache(empty_cache):
    pass


@pytest.fixture
def invite_only(settings):
    settings.STAFF_ENROLMENT = "invite"


@pytest.fixture
def newcomer(db):
    return UserFactory(username="newcomer", is_staff=True)


def make_link(username: str = "newcomer", *args: str) -> str:
    """Run the real command; return the path of the link it prints."""
    out = StringIO()
    call_command("staff_enrolment_link", username, *args, stdout=out)
    url = out.getvalue().split()[-1]
    assert url.startswith("http://127.0.0.1:8000/account/staff-enrolment/"), url
    return urlsplit(url).path


def activate(client) -> None:
    """Set up the authenticator on the activation page, as the person would."""
    reauthenticate(client)
    page = client.get(reverse("mfa_activate_totp"), {"next": "/admin/"})
    assert page.status_code == 200, page.status_code
    secret = secret_on_page(page)
    done = client.post(
        reverse("mfa_activate_totp"), {"code": current_code(secret), "next": "/admin/"}
    )
    assert done.status_code == 302, done.content


@pytest.mark.django_db
class TestOpenEnrolment:
    """The default: a staff member's password alone lets them set up two-factor."""

    def test_staff_without_two_factor_are_sent_to_set_it_up(self, client, newcomer):
        sign_in(client, "newcomer")

        response = client.get(reverse("admin:index"))

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("mfa_activate_totp"))
        activate(client)
        assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.django_db
@pytest.mark.usefixtures("invite_only")
class TestInviteEnrolment:
    def test_without_a_link_the_admin_is_refused_with_a_page_saying_why(
        self, client, newcomer
    ):
        sign_in(client, "newcomer")

        response = client.get(reverse("admin:index"))

        assert response.status_code == 403
        body = response.content.decode()
        assert "The admin needs two-factor authentication" in body
        assert "one-time enrolment link from an operator" in body
        assert "manage.py staff_enrolment_link newcomer" in body

    def test_without_a_link_the_activation_page_is_refused_too(self, client, newcomer):
        sign_in(client, "newcomer")
        reauthenticate(client)

        response = client.get(reverse("mfa_activate_totp"))
        posted = client.post(reverse("mfa_activate_totp"), {"code": "123456"})

        assert response.status_code == 403
        assert posted.status_code == 403
        assert "one-time enrolment link" in response.content.decode()
        assert not Authenticator.objects.filter(user=newcomer).exists()

    def test_learners_still_set_up_two_factor_freely(self, client, learner):
        sign_in(client, "learner")
        activate(client)
        assert Authenticator.objects.filter(user=learner).exists()

    def test_a_link_from_a_superuser_lets_them_set_it_up_and_reach_the_admin(
        self, client, newcomer
    ):
        path = make_link()
        sign_in(client, "newcomer")

        page = client.get(path)
        assert page.status_code == 200
        assert "Set up an authenticator app" in page.content.decode()
        response = client.post(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("mfa_activate_totp"))
        activate(client)

        assert client.get(reverse("admin:index")).status_code == 200
        assert Authenticator.objects.filter(
            user=newcomer, type=Authenticator.Type.TOTP
        ).exists()

    def test_the_link_works_once(self, client, newcomer):
        path = make_link()
        sign_in(client, "newcomer")
        client.post(path)
        client.post(reverse("account_logout"))
        sign_in(client, "newcomer")

        again = client.get(path)
        posted = client.post(path)

        assert again.status_code == 404
        assert "This link cannot be used" in again.content.decode()
        assert posted.status_code == 404
        assert client.get(reverse("admin:index")).status_code == 403

    def test_only_a_hash_of_the_token_is_stored(self, newcomer):
        path = make_link()
        token = path.rstrip("/").rsplit("/", 1)[-1]

        enrolment = StaffEnrolment.objects.get(user=newcomer)

        assert enrolment.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in enrolment.token_hash

    def test_an_expired_link_is_refused(self, client, newcomer):
        path = make_link(newcomer.username, "--hours", "1")
        StaffEnrolment.objects.update(
            expires_at=timezone.now() - datetime.timedelta(seconds=1)
        )
        sign_in(client, "newcomer")

        assert client.get(path).status_code == 404
        assert client.post(path).status_code == 404
        assert client.get(reverse("admin:index")).status_code == 403

    def test_a_link_for_someone_else_does_nothing_for_you(self, client, newcomer):
        path = make_link()
        UserFactory(username="otherstaff", is_staff=True)
        sign_in(client, "otherstaff")

        assert client.post(path).status_code == 404
        assert client.get(reverse("admin:index")).status_code == 403
        assert StaffEnrolment.objects.get(user=newcomer).used_at is None

    def test_a_new_link_replaces_the_unused_one(self, client, newcomer):
        first = make_link()
        second = make_link()
        sign_in(client, "newcomer")

        assert client.get(first).status_code == 404
        assert client.get(second).status_code == 200

    def test_signed_out_visitors_are_asked_to_sign_in_first(self, client, newcomer):
        path = make_link()

        response = client.get(path)

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))

    def test_staff_with_two_factor_are_not_affected(self, client, newcomer):
        enable_two_factor(newcomer)
        client.force_login(newcomer)
        assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.django_db
class TestTheLinkCommand:
    def test_it_refuses_an_unknown_username(self):
        with pytest.raises(CommandError, match="No account"):
            call_command("staff_enrolment_link", "nobody")

    def test_it_refuses_a_learner(self, learner):
        with pytest.raises(CommandError, match="not staff"):
            call_command("staff_enrolment_link", "learner")
        assert not StaffEnrolment.objects.exists()

    def test_it_refuses_staff_who_already_have_two_factor(self, newcomer):
        enable_two_factor(newcomer)
        with pytest.raises(CommandError, match="already has two-factor"):
            call_command("staff_enrolment_link", "newcomer")
