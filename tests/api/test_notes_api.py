"""The learner's notes, evidence and self-ratings through the API: what they
wrote through the site's own forms, theirs alone, with a constant cost."""

import pytest
from django.test import Client
from django.urls import reverse

from api import tokens
from progress.models import ItemProgress
from roadmap.models import LearningStep, Skill
from tests.api.helpers import bearer
from tests.factories import UserFactory
from tests.roadmap.builders import build_roadmap


@pytest.fixture
def ada(db):
    return UserFactory(username="ada")


@pytest.fixture
def site(ada):
    client = Client()
    client.force_login(ada)
    return client


@pytest.fixture
def reader(ada):
    return tokens.create(ada, "notes app", "read")[1]


@pytest.mark.django_db
class TestNotes:
    def test_a_note_and_evidence_written_on_the_site_are_read(
        self, client, site, reader, steps
    ):
        note = site.post(
            reverse("progress_note", args=["step", "s1"]),
            {"note": "Chose Python.", "shared": "on"},
        )
        assert note.status_code == 302
        evidence = site.post(
            reverse("progress_add_evidence", args=["step", "s1"]),
            {"url": "https://example.com/api", "title": "My API"},
        )
        assert evidence.status_code == 302
        page = client.get("/api/v1/me/notes", headers=bearer(reader)).json()
        (item,) = page["items"]
        assert (item["slug"], item["note"], item["shared"]) == (
            "s1",
            "Chose Python.",
            True,
        )
        assert [e["url"] for e in item["evidence"]] == ["https://example.com/api"]

    def test_only_their_own(self, client, reader, steps):
        other = UserFactory()
        ItemProgress.objects.save_note(other, steps[0], "Mine, not Ada's.", False)
        assert (
            client.get("/api/v1/me/notes", headers=bearer(reader)).json()["count"] == 0
        )

    def test_no_token_is_401(self, client, site):
        assert client.get("/api/v1/me/notes").status_code == 401
        assert (
            site.get("/api/v1/me/notes").status_code == 401
        )  # a session is not a token

    @pytest.mark.parametrize("count", [3, 30])
    def test_the_cost_is_constant(
        self, client, ada, reader, count, django_assert_page_queries
    ):
        build_roadmap(steps=count)
        for step in LearningStep.objects.all()[:count]:
            ItemProgress.objects.save_note(ada, step, f"About {step.slug}", False)
        # The token, its use noted, the rows with their items, their evidence.
        with django_assert_page_queries(4):
            response = client.get("/api/v1/me/notes", headers=bearer(reader))
        assert response.json()["count"] == count


@pytest.mark.django_db
class TestRatings:
    def test_a_rating_given_on_the_skill_page_is_read(
        self, client, site, reader, small_role
    ):
        skill = Skill.objects.get()
        response = site.post(
            reverse("progress_assess", args=[skill.slug]), {"level": "3"}
        )
        assert response.status_code == 302
        (rating,) = client.get("/api/v1/me/ratings", headers=bearer(reader)).json()[
            "items"
        ]
        assert (rating["skill"], rating["level"]) == (skill.slug, "competent")

    def test_no_token_is_401(self, client):
        assert client.get("/api/v1/me/ratings").status_code == 401
