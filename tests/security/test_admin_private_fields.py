"""What a learner keeps private stays out of the admin for staff who are not
superusers: not shown, and not told one character at a time by a filter in the
address, a search or a sort. Operators (superusers) keep all of it for support.

The learner writes through the real pages; the staff member opens the real
admin lists with the parameters an attacker would type."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from progress.models import ItemProgress
from tests.factories import UserFactory, enable_two_factor

NOTE = "bring the bread on friday"
EMAIL = "alice.private@example.com"
EVIDENCE_URL = "https://example.com/my-private-portfolio"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def alice(db, steps):
    """A learner with a private note and evidence on step one, following a role,
    with a self-assessment: each through the learner's own forms."""
    user = UserFactory(username="alicelearner", email=EMAIL)
    client = signed_in(user)
    assert client.post(reverse("progress_follow", args=["small"])).status_code == 302
    client.post(
        reverse("progress_set_status", args=["step", "s1"]), {"status": "learning"}
    )
    response = client.post(
        reverse("progress_note", args=["step", "s1"]), {"note": NOTE}
    )
    assert response.status_code == 302
    response = client.post(
        reverse("progress_add_evidence", args=["step", "s1"]),
        {"url": EVIDENCE_URL, "title": "Portfolio"},
    )
    assert response.status_code == 302
    client.post(reverse("progress_assess", args=["shared-skill"]), {"level": "2"})
    assert ItemProgress.objects.get(learner=user).note == NOTE
    return user


def staff_with(*codenames: str):
    user = UserFactory(username="viewer", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    enable_two_factor(user)
    return user


def listed(client, admin_name: str, params: dict):
    """The rows the list shows for `params`, or the status when it refuses."""
    response = client.get(reverse(f"admin:{admin_name}_changelist"), params)
    if response.status_code != 200:
        return response.status_code
    return response.context["cl"].result_count


@pytest.mark.django_db
class TestCuratorsCannotReadPrivateFields:
    @pytest.mark.parametrize(
        "lookup", ["note__startswith", "note__icontains", "note__regex", "note"]
    )
    def test_curator_cannot_filter_on_a_note(self, group_curator, alice, lookup):
        curator = signed_in(group_curator)
        admin_name = "progress_itemprogress"
        assert listed(curator, admin_name, {}) == 1
        right = {lookup: NOTE if lookup == "note" else "b"}
        wrong = {lookup: "zz"}
        # Either answer is the same refusal: nothing tells the note's letters.
        assert listed(curator, admin_name, right) == 400
        assert listed(curator, admin_name, wrong) == 400

    def test_an_operator_still_filters_on_a_note(self, operator, alice):
        client = signed_in(operator)
        assert listed(client, "progress_itemprogress", {"note__startswith": "b"}) == 1
        assert listed(client, "progress_itemprogress", {"note__startswith": "z"}) == 0

    @pytest.mark.parametrize(
        "admin_name",
        [
            "progress_itemprogress",
            "progress_rolefollow",
            "progress_progressevent",
            "progress_selfassessment",
        ],
    )
    def test_curator_search_does_not_match_an_email_address(
        self, group_curator, operator, alice, admin_name
    ):
        curator = signed_in(group_curator)
        assert listed(curator, admin_name, {"q": "alicelearner"}) >= 1
        assert listed(curator, admin_name, {"q": "alice.private@"}) == 0
        assert listed(signed_in(operator), admin_name, {"q": "alice.private@"}) >= 1

    def test_curator_cannot_filter_rows_on_a_learners_email(self, group_curator, alice):
        curator = signed_in(group_curator)
        params = {"learner__email__startswith": "a"}
        assert listed(curator, "progress_rolefollow", params) == 400

    def test_curator_does_not_see_evidence_links(self, group_curator, alice):
        row = ItemProgress.objects.get(learner=alice)
        url = reverse("admin:progress_itemprogress_change", args=[row.pk])
        page = signed_in(group_curator).get(url)
        assert page.status_code == 200
        assert "Step one" in page.content.decode()
        assert EVIDENCE_URL not in page.content.decode()
        assert NOTE not in page.content.decode()

    def test_an_operator_sees_evidence_links_and_the_note(self, operator, alice):
        row = ItemProgress.objects.get(learner=alice)
        url = reverse("admin:progress_itemprogress_change", args=[row.pk])
        page = signed_in(operator).get(url).content.decode()
        assert EVIDENCE_URL in page
        assert NOTE in page


@pytest.mark.django_db
class TestStaffGivenOtherViewRights:
    """The same rule for every list a non-superuser can be given."""

    def test_staff_cannot_filter_search_or_sort_accounts_by_email(self, alice):
        client = signed_in(staff_with("view_user"))
        admin_name = "accounts_user"
        assert listed(client, admin_name, {"email__startswith": "a"}) == 400
        assert listed(client, admin_name, {"password__startswith": "p"}) == 400
        assert listed(client, admin_name, {"q": "alice.private@"}) == 0
        page = client.get(reverse("admin:accounts_user_changelist")).content.decode()
        assert EMAIL not in page
        change = reverse("admin:accounts_user_change", args=[alice.pk])
        assert EMAIL not in client.get(change).content.decode()

    def test_staff_cannot_filter_or_search_invitations_by_address(self, alice, learner):
        mentor = signed_in(learner)
        response = mentor.post(
            reverse("mentoring_invite"),
            {"email": "friend.secret@example.com", "message": "hello"},
        )
        assert response.status_code in (200, 302)
        client = signed_in(staff_with("view_mentorship"))
        admin_name = "mentoring_mentorship"
        assert listed(client, admin_name, {}) >= 1
        assert listed(client, admin_name, {"invited_email__startswith": "f"}) == 400
        assert listed(client, admin_name, {"q": "friend.secret@"}) == 0
        page = client.get(reverse("admin:mentoring_mentorship_changelist"))
        assert "friend.secret@example.com" not in page.content.decode()

    def test_staff_cannot_filter_or_search_emails_by_recipient(self, alice):
        client = signed_in(staff_with("view_message"))
        Client().post(reverse("account_reset_password"), {"email": EMAIL})
        admin_name = "outbox_message"
        assert listed(client, admin_name, {}) >= 1
        assert listed(client, admin_name, {"to__icontains": "alice"}) == 400
        assert listed(client, admin_name, {"q": "alice.private@"}) == 0
        page = client.get(reverse("admin:outbox_message_changelist")).content.decode()
        assert EMAIL not in page
