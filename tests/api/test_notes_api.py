"""The learner's notes, evidence and self-ratings through the API: what they
wrote through the site's own forms is read, theirs alone, with a constant
cost; what they write through the API is what the item and skill pages show,
under the pages' own rules."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from api import tokens
from progress.models import EVIDENCE_PER_ITEM, Evidence, ItemProgress, SelfAssessment
from roadmap.models import Concept, LearningStep, Skill
from tests.api.helpers import bearer
from tests.factories import SkillFactory, UserFactory
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


@pytest.fixture
def writer(ada):
    return tokens.create(ada, "notes app", "write")[1]


def put(client, url, body, token):
    return client.put(
        url, json.dumps(body), content_type="application/json", headers=bearer(token)
    )


def post(client, url, body, token):
    return client.post(
        url, json.dumps(body), content_type="application/json", headers=bearer(token)
    )


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

    @pytest.mark.parametrize("count", [3, 30])
    def test_the_cost_is_constant(
        self, client, ada, reader, count, django_assert_page_queries
    ):
        for n in range(count):
            SelfAssessment.objects.rate(ada, SkillFactory(slug=f"skill-{n}"), 3)
        # The token, its use noted, the count and the page with their skills.
        with django_assert_page_queries(4):
            response = client.get("/api/v1/me/ratings", headers=bearer(reader))
        assert response.json()["count"] == count


NOTE = "/api/v1/me/notes/step/s1"
EVIDENCE = "/api/v1/me/notes/step/s1/evidence"


@pytest.mark.django_db
class TestWritingNotes:
    def test_a_note_written_through_the_api_is_the_item_pages_note(
        self, client, site, writer, steps
    ):
        response = put(client, NOTE, {"note": "  Chose Go.  ", "shared": True}, writer)
        assert response.status_code == 200
        body = response.json()
        assert (body["slug"], body["note"], body["shared"]) == ("s1", "Chose Go.", True)
        page = site.get(reverse("progress_item", args=["step", "s1"]))
        assert page.context["note_form"].initial == {
            "note": "Chose Go.",
            "shared": True,
        }
        assert "Chose Go." in page.content.decode()

    def test_the_same_put_twice_leaves_one_note_and_empty_clears_it(
        self, client, ada, writer, steps
    ):
        for _ in range(2):
            put(client, NOTE, {"note": "Twice.", "shared": False}, writer)
        assert ItemProgress.objects.get(learner=ada, step=steps[0]).note == "Twice."
        cleared = put(client, NOTE, {"note": ""}, writer).json()
        assert (cleared["note"], cleared["shared"]) == ("", False)
        listed = client.get("/api/v1/me/notes", headers=bearer(writer)).json()
        assert listed["count"] == 0

    def test_a_note_over_the_length_is_refused_naming_the_field(
        self, client, ada, writer, steps
    ):
        response = put(client, NOTE, {"note": "x" * 5001}, writer)
        assert response.status_code == 400
        assert response["Content-Type"] == "application/problem+json"
        (error,) = response.json()["errors"]
        assert error["field"] == "body.note"
        assert "5000" in error["message"]
        assert not ItemProgress.objects.filter(learner=ada).exists()

    def test_a_read_token_or_a_session_cannot_write(
        self, client, site, ada, reader, steps
    ):
        assert put(client, NOTE, {"note": "No."}, reader).status_code == 403
        by_session = site.put(
            NOTE, json.dumps({"note": "No."}), content_type="application/json"
        )
        assert by_session.status_code == 401
        assert not ItemProgress.objects.filter(learner=ada).exists()

    def test_a_draft_or_unknown_item_is_404(self, client, ada, writer, steps):
        Concept.objects.filter(slug="c1").update(is_published=False)
        for url in ("/api/v1/me/notes/concept/c1", "/api/v1/me/notes/step/nope"):
            response = put(client, url, {"note": "Hidden?"}, writer)
            assert response.status_code == 404
        assert put(client, "/api/v1/me/notes/task/s1", {}, writer).status_code == 400
        assert not ItemProgress.objects.filter(learner=ada).exists()


@pytest.mark.django_db
class TestWritingEvidence:
    def test_evidence_added_and_removed_through_the_api_shows_on_the_page(
        self, client, site, writer, steps
    ):
        body = {"url": "https://example.com/my-api", "title": "My API"}
        response = post(client, EVIDENCE, body, writer)
        assert response.status_code == 201
        added = response.json()
        assert (added["url"], added["title"]) == (body["url"], "My API")
        page = site.get(reverse("progress_item", args=["step", "s1"]))
        assert "https://example.com/my-api" in page.content.decode()
        gone = client.delete(f"{EVIDENCE}/{added['id']}", headers=bearer(writer))
        assert gone.status_code == 204
        page = site.get(reverse("progress_item", args=["step", "s1"]))
        assert "https://example.com/my-api" not in page.content.decode()
        again = client.delete(f"{EVIDENCE}/{added['id']}", headers=bearer(writer))
        assert again.status_code == 404

    @pytest.mark.parametrize(
        "url", ["javascript:alert(1)", "ftp://example.com/x", "not a link"]
    )
    def test_only_http_links_are_taken(self, client, ada, writer, steps, url):
        response = post(client, EVIDENCE, {"url": url}, writer)
        assert response.status_code == 400
        assert [e["field"] for e in response.json()["errors"]] == ["body.url"]
        assert not Evidence.objects.exists()

    def test_an_item_holds_the_pages_limit_of_evidence(
        self, client, site, ada, writer, steps
    ):
        for number in range(EVIDENCE_PER_ITEM):
            ItemProgress.objects.add_evidence(
                ada, steps[0], url=f"https://example.com/{number}"
            )
        response = post(client, EVIDENCE, {"url": "https://example.com/x"}, writer)
        assert response.status_code == 409
        assert str(EVIDENCE_PER_ITEM) in response.json()["detail"]
        # The item page's form says the same, from the same rule.
        page = site.post(
            reverse("progress_add_evidence", args=["step", "s1"]),
            {"url": "https://example.com/y", "title": ""},
        )
        assert page.status_code == 400
        assert str(EVIDENCE_PER_ITEM) in page.content.decode()
        assert Evidence.objects.count() == EVIDENCE_PER_ITEM

    def test_a_draft_takes_no_evidence_and_a_retired_item_keeps_its_own(
        self, client, ada, writer, steps
    ):
        LearningStep.objects.filter(slug="s2").update(
            is_published=False, first_published_at=None
        )
        draft = post(
            client,
            "/api/v1/me/notes/step/s2/evidence",
            {"url": "https://example.com/x"},
            writer,
        )
        assert draft.status_code == 404
        # Retired with the learner's history: theirs to keep, as on its page.
        mine = ItemProgress.objects.add_evidence(
            ada, steps[0], url="https://example.com/mine"
        )
        LearningStep.objects.filter(slug="s1").update(is_published=False)
        removed = client.delete(f"{EVIDENCE}/{mine.pk}", headers=bearer(writer))
        assert removed.status_code == 204
        assert not Evidence.objects.exists()

    def test_another_learners_evidence_cannot_be_removed(
        self, client, ada, writer, steps
    ):
        theirs = ItemProgress.objects.add_evidence(
            UserFactory(), steps[0], url="https://example.com/theirs"
        )
        response = client.delete(f"{EVIDENCE}/{theirs.pk}", headers=bearer(writer))
        assert response.status_code == 404
        assert Evidence.objects.filter(pk=theirs.pk).exists()


@pytest.mark.django_db
class TestWritingRatings:
    def test_a_rating_through_the_api_is_the_skill_pages_rating(
        self, client, site, ada, writer, small_role
    ):
        body = {"skill": "shared-skill", "level": "proficient"}
        response = post(client, "/api/v1/me/ratings", body, writer)
        assert response.status_code == 201
        assert response.json()["level"] == "proficient"
        page = site.get(reverse("skill_detail", args=["shared-skill"]))
        assert "Proficient" in page.content.decode()
        # The same level again adds nothing to the history.
        again = post(client, "/api/v1/me/ratings", body, writer)
        assert again.status_code == 200
        assert SelfAssessment.objects.filter(learner=ada).count() == 1

    def test_bad_levels_and_unknown_skills_are_refused(
        self, client, ada, writer, small_role
    ):
        bad = post(
            client,
            "/api/v1/me/ratings",
            {"skill": "shared-skill", "level": "guru"},
            writer,
        )
        assert bad.status_code == 400
        assert bad.json()["errors"][0]["field"] == "body.level"
        unknown = post(
            client, "/api/v1/me/ratings", {"skill": "nope", "level": "expert"}, writer
        )
        assert unknown.status_code == 404
        Skill.objects.update(is_published=False)
        draft = post(
            client,
            "/api/v1/me/ratings",
            {"skill": "shared-skill", "level": "expert"},
            writer,
        )
        assert draft.status_code == 404
        assert not SelfAssessment.objects.exists()
