"""Staff list and search mentorships, and end them; they cannot make or edit them."""

import logging

import pytest
from django.urls import reverse

from mentoring.models import Mentorship
from tests.accounts.helpers import make_mentorship
from tests.factories import UserFactory

CHANGELIST = reverse("admin:mentoring_mentorship_changelist")


@pytest.fixture
def mentorships(learner, other_learner):
    third = UserFactory(username="third", email="third@example.org")
    return {
        "active": make_mentorship(
            learner, other_learner, status=Mentorship.Status.ACTIVE
        ),
        "pending": make_mentorship(third, invited_email="invitee@example.net"),
        "declined": make_mentorship(
            other_learner,
            third,
            initiated_by=Mentorship.Initiator.MENTOR,
            status=Mentorship.Status.DECLINED,
        ),
        "third_active": make_mentorship(
            third, learner, status=Mentorship.Status.ACTIVE
        ),
    }


def listed_ids(response) -> set[int]:
    return {m.pk for m in response.context["cl"].result_list}


@pytest.mark.django_db
class TestMentorshipAdmin:
    def test_it_lists_every_mentorship_with_its_columns(
        self, client, curator, mentorships
    ):
        client.force_login(curator)

        response = client.get(CHANGELIST)

        assert response.status_code == 200
        assert listed_ids(response) == {m.pk for m in mentorships.values()}
        body = response.content.decode()
        for column in [
            "Learner",
            "Mentor",
            "Invited email",
            "Status",
            "Initiated by",
            "Created at",
            "Expires at",
            "Ended at",
        ]:
            assert column in body, column
        assert "invitee@example.net" in body

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("third", {"pending", "declined", "third_active"}),
            ("invitee@example", {"pending"}),
            ("third@example.org", {"pending", "declined", "third_active"}),
            ("other", {"active", "declined"}),
        ],
    )
    def test_it_searches_usernames_and_addresses(
        self, client, curator, mentorships, query, expected
    ):
        client.force_login(curator)

        response = client.get(CHANGELIST, {"q": query})

        assert listed_ids(response) == {mentorships[key].pk for key in expected}

    def test_it_filters_by_status_and_initiator(self, client, curator, mentorships):
        client.force_login(curator)

        by_status = client.get(CHANGELIST, {"status__exact": "active"})
        by_initiator = client.get(CHANGELIST, {"initiated_by__exact": "mentor"})

        assert listed_ids(by_status) == {
            mentorships["active"].pk,
            mentorships["third_active"].pk,
        }
        assert listed_ids(by_initiator) == {mentorships["declined"].pk}

    @pytest.mark.parametrize("extra", [0, 20])
    def test_the_list_runs_a_fixed_number_of_queries(
        self, client, curator, mentorships, extra, django_assert_num_queries
    ):
        for index in range(extra):
            make_mentorship(
                UserFactory(username=f"l{index}"),
                UserFactory(username=f"m{index}"),
                status=Mentorship.Status.ACTIVE,
            )
        client.force_login(curator)
        client.get(CHANGELIST)  # warm the session and content types

        with django_assert_num_queries(CHANGELIST_QUERIES):
            client.get(CHANGELIST)

    def test_staff_end_the_selected_active_mentorships(
        self, client, curator, mentorships, caplog
    ):
        caplog.set_level(logging.INFO, logger="waymark.audit")
        client.force_login(curator)
        selected = [mentorships[key].pk for key in ("active", "pending", "declined")]

        response = client.post(
            CHANGELIST,
            {"action": "end_mentorships", "_selected_action": selected},
            follow=True,
        )

        body = response.content.decode()
        assert "Ended 1 mentorship." in body
        assert "Left 2 that were not active unchanged." in body
        ended = Mentorship.objects.get(pk=mentorships["active"].pk)
        assert ended.status == Mentorship.Status.ENDED
        assert ended.ended_by == curator
        assert ended.ended_at is not None
        assert (
            Mentorship.objects.get(pk=mentorships["pending"].pk).status
            == Mentorship.Status.PENDING
        )
        assert (
            Mentorship.objects.get(pk=mentorships["declined"].pk).status
            == Mentorship.Status.DECLINED
        )
        assert (
            Mentorship.objects.get(pk=mentorships["third_active"].pk).status
            == Mentorship.Status.ACTIVE
        )
        assert f"mentorship={ended.pk} ended by={curator.pk}" in caplog.text

    def test_ending_from_a_status_filtered_list_counts_right(
        self, client, curator, mentorships
    ):
        client.force_login(curator)

        response = client.post(
            CHANGELIST + "?status__exact=active",
            {
                "action": "end_mentorships",
                "_selected_action": [
                    mentorships["active"].pk,
                    mentorships["third_active"].pk,
                ],
            },
            follow=True,
        )

        body = response.content.decode()
        assert "Ended 2 mentorships." in body
        assert "not active" not in body
        assert not Mentorship.objects.active().exists()

    def test_staff_cannot_add_edit_or_delete(self, client, curator, mentorships):
        client.force_login(curator)
        mentorship = mentorships["active"]
        change = reverse("admin:mentoring_mentorship_change", args=[mentorship.pk])

        assert client.get(reverse("admin:mentoring_mentorship_add")).status_code == 403
        page = client.get(change)
        assert page.status_code == 200
        assert 'name="status"' not in page.content.decode()
        assert 'name="mentor"' not in page.content.decode()
        client.post(change, {"status": "ended"})
        mentorship.refresh_from_db()
        assert mentorship.status == Mentorship.Status.ACTIVE
        delete = reverse("admin:mentoring_mentorship_delete", args=[mentorship.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
        assert Mentorship.objects.filter(pk=mentorship.pk).exists()

    def test_people_who_are_not_staff_are_kept_out(self, client, learner, mentorships):
        client.force_login(learner)

        response = client.get(CHANGELIST)

        assert response.status_code == 302
        assert "login" in response["Location"]


# ...including one that checks the curator's two-factor authenticator.
CHANGELIST_QUERIES = 8
