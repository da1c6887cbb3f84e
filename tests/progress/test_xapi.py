"""A learner's history as xAPI statements: the download on the data page, each
statement as the Experience API 1.0.3 requires it, the same ids every time."""

import datetime
import json
import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from progress.models import ItemProgress
from roadmap.models import Concept, LearningStep
from tests.factories import UserFactory
from tests.progress.test_reviewable import mark, rate

ADL = "http://adlnet.gov/expapi/verbs/"
EXPORT = reverse("progress_export_xapi")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


@pytest.fixture
def learner_client(learner):
    client = Client()
    client.force_login(learner)
    return client


def download(client) -> list[dict]:
    response = client.get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert ".xapi.json" in response["Content-Disposition"]
    assert response["Cache-Control"].startswith("max-age=0")
    return json.loads(response.content)


@pytest.mark.django_db
class TestStatements:
    def test_each_change_is_a_statement_with_its_verb(
        self, learner_client, learner, steps, settings
    ):
        settings.SITE_URL = "https://waymark.example"
        mark(learner_client, "step", "s1", "learning")
        mark(learner_client, "step", "s1", "done")
        mark(learner_client, "step", "s2", "skipped")
        found = download(learner_client)
        assert [s["verb"]["id"] for s in found] == [
            ADL + "progressed",
            ADL + "completed",
            ADL + "progressed",
        ]
        done = found[1]
        assert done["object"]["id"] == "https://waymark.example/items/step/s1/"
        assert done["object"]["definition"]["name"] == {"en": "Step one"}
        assert done["result"]["completion"] is True
        assert done["actor"]["account"] == {
            "homePage": "https://waymark.example/",
            "name": learner.username,
        }
        assert "mbox" not in done["actor"]  # never the email address
        parent = done["context"]["contextActivities"]["parent"][0]
        assert parent["id"] == "https://waymark.example/roles/small/"
        skipped = found[2]["result"]["extensions"]
        assert list(skipped.values()) == ["skipped"]
        for statement in found:
            uuid.UUID(statement["id"])
            assert TIMESTAMP.match(statement["timestamp"]), statement["timestamp"]
            assert statement["version"] == "1.0.3"
            assert (
                datetime.datetime.fromisoformat(statement["timestamp"]).utcoffset()
                is not None
            )

    def test_the_same_history_gives_the_same_ids(self, learner_client, steps):
        mark(learner_client, "step", "s1")
        first = [s["id"] for s in download(learner_client)]
        assert [s["id"] for s in download(learner_client)] == first
        mark(learner_client, "step", "s2")
        assert [s["id"] for s in download(learner_client)][:1] == first

    def test_a_review_is_experienced_with_its_rating(
        self, learner_client, learner, small_role, clock
    ):
        learner_client.post(reverse("progress_follow", args=["small"]))
        mark(learner_client, "step", "s1")
        clock.advance(days=3)
        assert rate(learner_client, "step", "s1", "good").status_code == 302
        reviewed = download(learner_client)[-1]
        assert reviewed["verb"]["id"] == ADL + "experienced"
        assert list(reviewed["result"]["extensions"].values()) == ["good"]
        assert reviewed["result"]["success"] is True

    def test_concepts_name_their_skill(self, learner_client, small_role, settings):
        concept = Concept.objects.first()
        mark(learner_client, "concept", concept.slug)
        (statement,) = download(learner_client)
        parent = statement["context"]["contextActivities"]["parent"][0]
        assert parent["id"].endswith(f"/skills/{concept.skill.slug}/")

    def test_only_the_learners_own_history(self, learner_client, steps):
        other = UserFactory()
        ItemProgress.objects.set_status(
            other, LearningStep.objects.get(slug="s1"), "done"
        )
        assert download(learner_client) == []

    def test_anonymous_visitors_are_sent_to_sign_in(self, client):
        response = client.get(EXPORT)
        assert response.status_code == 302 and "login" in response["Location"]

    @pytest.mark.parametrize("count", [2, 20])
    def test_the_download_costs_the_same_queries(
        self, learner_client, learner, count, django_assert_page_queries
    ):
        from tests.roadmap.builders import build_roadmap

        build_roadmap(steps=count)
        for step in LearningStep.objects.all()[:count]:
            ItemProgress.objects.set_status(learner, step, "done")
        with django_assert_page_queries(4):  # session, user, events, reviews
            assert len(download(learner_client)) == count

    def test_the_data_page_links_it(self, learner_client):
        page = learner_client.get(reverse("account_settings")).content.decode()
        assert EXPORT in page
