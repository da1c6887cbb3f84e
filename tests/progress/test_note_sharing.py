"""Sharing a note with mentors, through the item page's own form."""

import pytest
from django.urls import reverse

from progress.models import ItemProgress
from tests.factories import UserFactory
from tests.mentoring.conftest import mentorship

HTMX = {"HX-Request": "true"}


@pytest.fixture
def mentor(db):
    return UserFactory(username="mentor", display_name="Maya Mentor")


def note_url(step) -> str:
    return reverse("progress_note", args=["step", step.slug])


def box_is_ticked(client, step) -> bool:
    page = client.get(reverse("progress_item", args=["step", step.slug]))
    body = page.content.decode()
    start = body.index('name="shared"')
    tag = body[body.rindex("<", 0, start) : body.index(">", start)]
    return " checked" in tag


@pytest.mark.django_db
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["form post", "htmx"])
class TestSharingANote:
    def test_ticking_the_box_shares_the_note_and_it_stays_ticked(
        self, client, learner, steps, headers
    ):
        client.force_login(learner)

        response = client.post(
            note_url(steps[0]),
            {"note": "What I learned", "shared": "on"},
            headers=headers,
        )

        assert response.status_code in (200, 302)
        row = ItemProgress.objects.get(learner=learner, step=steps[0])
        assert row.note == "What I learned"
        assert row.note_shared is True
        if headers:
            assert "<html" not in response.content.decode()
            assert " checked" in response.content.decode()
        assert box_is_ticked(client, steps[0])

    def test_leaving_the_box_unticked_makes_the_note_private_again(
        self, client, learner, steps, headers
    ):
        client.force_login(learner)
        client.post(note_url(steps[0]), {"note": "Mine", "shared": "on"})

        client.post(note_url(steps[0]), {"note": "Mine"}, headers=headers)

        assert not ItemProgress.objects.get(learner=learner, step=steps[0]).note_shared
        assert not box_is_ticked(client, steps[0])


@pytest.mark.django_db
class TestTheMentorReadsIt:
    def test_a_shared_note_shows_on_the_mentors_item_page_and_mentee_dashboard(
        self, client, learner, mentor, steps
    ):
        mentorship(learner, mentor)
        client.force_login(learner)
        client.post(note_url(steps[0]), {"note": "SHARED-words", "shared": "on"})
        client.post(note_url(steps[1]), {"note": "PRIVATE-words"})

        client.force_login(mentor)
        item = client.get(
            reverse("mentee_item", args=["learner", "step", steps[0].slug])
        ).content.decode()
        private_item = client.get(
            reverse("mentee_item", args=["learner", "step", steps[1].slug])
        ).content.decode()
        dashboard = client.get(
            reverse("mentee_dashboard", args=["learner"])
        ).content.decode()

        assert "SHARED-words" in item
        assert "SHARED-words" in dashboard
        assert "PRIVATE-words" not in private_item
        assert "PRIVATE-words" not in dashboard

    def test_unsharing_takes_the_note_off_the_mentee_dashboard(
        self, client, learner, mentor, steps
    ):
        mentorship(learner, mentor)
        client.force_login(learner)
        client.post(note_url(steps[0]), {"note": "SHARED-words", "shared": "on"})
        client.force_login(mentor)
        assert (
            "SHARED-words"
            in client.get(
                reverse("mentee_dashboard", args=["learner"])
            ).content.decode()
        )

        client.force_login(learner)
        client.post(note_url(steps[0]), {"note": "SHARED-words"}, headers=HTMX)
        client.force_login(mentor)

        assert (
            "SHARED-words"
            not in client.get(
                reverse("mentee_dashboard", args=["learner"])
            ).content.decode()
        )
