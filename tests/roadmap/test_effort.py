"""Effort estimates: a content field with a default per kind, shown on the pages
as "about N h" and carried through export and load."""

import pytest
from django.urls import reverse

from roadmap import content
from roadmap.content import loading
from roadmap.models import CONCEPT_HOURS, STEP_HOURS, Concept, LearningStep
from tests.content_files import write_content
from tests.roadmap.test_loader import seed_data


def first_step(data: dict) -> dict:
    return data["roles"][0]["stages"][0]["steps"][0]


def without_estimates(data: dict) -> dict:
    """The seed with no item's estimate: each falls back to its kind's default."""
    items = [c for skill in data["skills"] for c in skill["concepts"]]
    items += [s for stage in data["roles"][0]["stages"] for s in stage["steps"]]
    for item in items:
        item.pop("effort", None)
        item.pop("effort_reason", None)
    return data


@pytest.mark.django_db
class TestEffort:
    def test_an_estimate_is_loaded_and_a_missing_one_is_the_kinds_default(
        self, tmp_path
    ):
        data = without_estimates(seed_data())
        first_step(data)["effort"] = 12
        loading.load(content.read([write_content(tmp_path / "r.yaml", data)]))
        step = LearningStep.objects.get(slug=first_step(data)["slug"])
        assert (step.effort_hours, step.hours) == (12, 12)
        other = LearningStep.objects.exclude(pk=step.pk).first()
        assert (other.effort_hours, other.hours) == (None, STEP_HOURS)
        for kind, hours in CONCEPT_HOURS.items():
            concept = Concept.objects.filter(kind=kind).first()
            assert concept.hours == hours

    @pytest.mark.parametrize(
        ("value", "says"),
        [
            (0, "0 is less than 1"),
            (501, "501 is too large (max 500)"),
            ("lots", "expected a whole number"),
            (2.5, "expected a whole number"),
        ],
    )
    def test_a_bad_estimate_is_refused_with_its_field(self, tmp_path, value, says):
        data = seed_data()
        first_step(data)["effort"] = value
        with pytest.raises(content.ContentError) as error:
            content.read([write_content(tmp_path / "r.yaml", data)])
        message = "\n".join(error.value.problems)
        assert f"steps[{first_step(data)['slug']}].effort: {says}" in message

    def test_the_pages_say_about_how_long(self, client, seed_roadmap):
        body = client.get(reverse("role_detail", args=["backend-engineer"])).content
        step = body.decode()
        step = step[step.index('id="step-choose-a-backend-language"') :]
        assert (
            "<dt>Effort</dt>\n<dd>Waymark's estimate: about 4 h "
            '<span class="effort__reason">(reading about the options'
        ) in step.replace("&#x27;", "'")
        skill = client.get(reverse("skill_detail", args=["databases-and-sql"]))
        assert "Waymark's estimate: about 25 h" in skill.content.decode()

    def test_the_export_keeps_an_estimate_and_omits_the_default(self, tmp_path):
        data = without_estimates(seed_data())
        first_step(data)["effort"] = 7
        loading.load(content.read([write_content(tmp_path / "r.yaml", data)]))
        exported = content.export_role("backend-engineer")
        steps = [s for st in exported["roles"][0]["stages"] for s in st["steps"]]
        assert steps[0]["effort"] == 7
        assert all("effort" not in step for step in steps[1:])
