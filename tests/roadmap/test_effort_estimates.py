"""Honest effort: each item carries Waymark's own estimate with its reason, shown
as such; an item without one says "no estimate yet" instead of showing a default."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from roadmap.models import STEP_HOURS, Concept, LearningStep
from tests.accounts.test_user_admin import open_form
from tests.roadmap.test_admin import admin_url
from tests.roadmap.test_loader import load, seed_data, write


def step_of(data: dict, slug: str) -> dict:
    return next(
        step
        for stage in data["roles"][0]["stages"]
        for step in stage["steps"]
        if step["slug"] == slug
    )


def step_block(body: str, slug: str) -> str:
    start = body.index(f'id="step-{slug}"')
    return body[start : body.index("</dl>", start)].replace("&#x27;", "'")


@pytest.mark.django_db
class TestTheSeedsEstimates:
    def test_every_step_and_concept_has_an_estimate_with_a_reason(self):
        load()
        for model in (Concept, LearningStep):
            assert not model.objects.filter(effort_hours=None).exists(), model
            assert not model.objects.filter(effort_reason="").exists(), model

    def test_a_language_is_weeks_of_work_and_an_idea_a_few_hours(self):
        load()
        languages = Concept.objects.filter(skill__slug="backend-programming-languages")
        for language in languages.filter(kind="technology"):
            assert language.effort_hours >= 80, language
            assert language.effort_is_estimated
        for idea in Concept.objects.filter(kind="idea"):
            assert idea.effort_hours <= 10, idea

    def test_the_role_page_shows_waymarks_estimate_and_its_reason(
        self, client, seed_roadmap
    ):
        body = client.get(reverse("role_detail", args=["backend-engineer"]))
        step = step_block(body.content.decode(), "design-a-rest-api")
        assert (
            'Waymark\'s estimate: about 20 h <span class="effort__reason">(a small '
            "REST API on your framework and database)</span>"
        ) in step

    def test_the_skill_page_shows_a_languages_estimate_in_weeks_of_work(
        self, client, seed_roadmap
    ):
        url = reverse("skill_detail", args=["backend-programming-languages"])
        body = client.get(url).content.decode().replace("&#x27;", "'")
        python = body[body.index('id="concept-python"') :]
        assert "Waymark's estimate: about 100 h" in python[: python.index("</h3>")]
        assert "about 10 weeks at 10 h a week" in python[: python.index("</h3>")]


@pytest.mark.django_db
class TestAnItemWithoutAnEstimate:
    def test_it_says_no_estimate_yet_and_plans_still_count_a_guess(
        self, client, tmp_path
    ):
        data = seed_data()
        step = step_of(data, "design-a-rest-api")
        del step["effort"], step["effort_reason"]
        load(write(tmp_path, data))
        body = client.get(reverse("role_detail", args=["backend-engineer"]))
        block = step_block(body.content.decode(), "design-a-rest-api")
        assert "<dt>Effort</dt>\n<dd>no estimate yet</dd>" in block
        assert "about" not in block.split("<dt>Effort</dt>")[1].split("</dd>")[0]
        row = LearningStep.objects.get(slug="design-a-rest-api")
        assert not row.effort_is_estimated
        assert row.hours == STEP_HOURS

    def test_a_reason_without_an_estimate_is_refused(self, tmp_path):
        data = seed_data()
        del step_of(data, "design-a-rest-api")["effort"]
        err = StringIO()
        with pytest.raises(CommandError):
            call_command("load_roadmaps", str(write(tmp_path, data)), stderr=err)
        assert (
            "roadmap.yaml: roles[backend-engineer].stages[build-small-api-projects]"
            ".steps[design-a-rest-api].effort_reason: is given without `effort`"
        ) in err.getvalue()
        assert not LearningStep.objects.exists()


@pytest.fixture
def curator_client(client, group_curator):
    client.force_login(group_curator)
    return client


@pytest.mark.django_db
class TestEstimatesInTheAdmin:
    def test_a_curator_sets_an_estimate_and_its_reason_on_a_step(
        self, curator_client, seed_roadmap
    ):
        step = LearningStep.objects.get(slug="validate-input")
        url = admin_url(LearningStep, "change", step.pk)
        form = open_form(curator_client, url, "learningstep_form")
        data = {k: v for k, v in form.data.items() if "__prefix__" not in k}
        data["effort_hours"] = ["5"]
        data["effort_reason"] = ["checking each form of the API, with tests"]
        response = curator_client.post(url, data)
        assert response.status_code == 302
        step.refresh_from_db()
        assert (step.effort_hours, step.effort_reason) == (
            5,
            "checking each form of the API, with tests",
        )

    def test_a_reason_without_an_estimate_is_refused(
        self, curator_client, seed_roadmap
    ):
        step = LearningStep.objects.get(slug="validate-input")
        url = admin_url(LearningStep, "change", step.pk)
        form = open_form(curator_client, url, "learningstep_form")
        data = {k: v for k, v in form.data.items() if "__prefix__" not in k}
        data["effort_hours"] = [""]
        response = curator_client.post(url, data)
        assert response.status_code == 200
        assert "A reason goes with an estimate: give the hours too." in (
            response.content.decode()
        )
        step.refresh_from_db()
        assert step.effort_hours == 4
