"""The audit log records sign-ins, failed sign-ins, refusals, mentorship changes
and account deletion, and never a password, a token, an address typed at the
login form or a note."""

import logging

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from mentoring.models import Mentorship
from progress.models import ItemProgress
from tests.accounts.helpers import sign_in
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NOTE = "A note nobody else may read 71c3"


@pytest.fixture
def audit(caplog):
    cache.clear()
    caplog.set_level(logging.INFO, logger="waymark.audit")
    yield lambda: [r.getMessage() for r in caplog.records if r.name == "waymark.audit"]
    cache.clear()


def test_the_whole_story_is_logged_without_secrets(audit, learner, steps):
    ItemProgress.objects.create(learner=learner, step=steps[0], note=NOTE)
    mentor = UserFactory(username="mentor")
    stranger = UserFactory(username="stranger")

    sign_in(Client(), "learner", "a wrong password 9f2e")
    sign_in(Client(), "someone@example.com", "another wrong one")
    client = Client()
    sign_in(client, "learner")

    # The learner invites a mentor by email; the mentor accepts; then it ends.
    client.post(
        reverse("mentoring_invite"),
        {"email": "mentor@example.com", "message": "Please mentor me"},
    )
    invitation = Mentorship.objects.get(learner=learner, status="pending")
    mentor_client = Client()
    mentor_client.force_login(mentor)
    mentor_client.post(reverse("mentoring_accept", args=[invitation.pk]))
    stranger_client = Client()
    stranger_client.force_login(stranger)
    stranger_client.get(reverse("mentee_dashboard", args=["learner"]))
    client.post(reverse("mentoring_end", args=[invitation.pk]))
    client.post(reverse("account_logout"))

    deleting = Client()
    sign_in(deleting, "stranger")
    deleting.post(reverse("account_delete"), {"password": PASSWORD})

    log = "\n".join(audit())
    assert f"sign-in user={learner.pk}" in log
    assert log.count("sign-in failed") == 2
    assert f"mentorship={invitation.pk}" in log
    assert "accepted" in log and "ended" in log
    assert f"denied user={stranger.pk}" in log
    assert f"sign-out user={learner.pk}" in log
    assert f"account-deleted user={stranger.pk}" in log
    for secret in (
        PASSWORD,
        "a wrong password 9f2e",
        "another wrong one",
        "someone@example.com",
        "mentor@example.com",
        "Please mentor me",
        NOTE,
    ):
        assert secret not in log, secret


def test_a_staff_member_without_two_factor_is_logged_as_refused(audit):
    newcomer = UserFactory(username="newcomer", is_staff=True)
    client = Client()
    client.force_login(newcomer)
    client.get("/admin/")
    assert any(
        f"denied user={newcomer.pk}" in line and "two-factor" in line
        for line in audit()
    )
