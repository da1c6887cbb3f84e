"""A learner with a met and an unmet choice group on the seed roadmap, set
through the status form, reads the same numbers on every page that counts: the
role page, the skill pages, the dashboard, the mentor's hub row, the skills
matrix and its CSV. Each group counts as its pick (docs/progress.md)."""

import csv
import io
import math
import re

import pytest
from django.test import Client
from django.urls import reverse

from roadmap.models import ChoiceGroup, Concept, LearningStep, Skill
from tests.mentoring.conftest import mentorship

pytestmark = pytest.mark.django_db

ROLE = "backend-engineer"
LANGUAGES = "backend-programming-languages"
FRAMEWORKS = "web-frameworks"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def percents(html: str) -> list[str]:
    return re.findall(r'class="big-number">(\d+)%<', html)


def role_size() -> int:
    """The role's items with each choice group counted as its pick."""
    steps = LearningStep.objects.published().filter(stage__role__slug=ROLE).count()
    concepts = (
        Concept.objects.published()
        .filter(skill__role_skills__role__slug=ROLE)
        .distinct()
        .count()
    )
    alternatives = sum(
        group.concepts.count() - group.pick
        for group in ChoiceGroup.objects.filter(skill__role_skills__role__slug=ROLE)
    )
    return steps + concepts - alternatives


@pytest.fixture
def chosen(seed_roadmap, learner, mentor) -> Client:
    """The languages' group met, and more: seven languages done, Ruby skipped,
    and the language ecosystem done (2 of 2 counted items, 100 %). The web
    frameworks' group unmet: Django learning, Laravel skipped, the idea of a web
    framework done (1 of 2, 50 %; counting each framework would give 20 %)."""
    mentorship(learner, mentor)
    client = signed_in(learner)
    assert client.post(reverse("progress_follow", args=[ROLE])).status_code == 302
    done = ["python", "java", "php", "go", "rust", "nodejs", "csharp"]
    for slug, status in [
        *((slug, "done") for slug in done),
        ("ruby", "skipped"),
        ("language-ecosystem", "done"),
        ("web-framework", "done"),
        ("laravel", "skipped"),
        ("django", "learning"),
    ]:
        response = client.post(
            reverse("progress_set_status", args=["concept", slug]),
            {"status": status, "panel": "item"},
        )
        assert response.status_code == 302
    return client


def matrix_cells(html: str) -> dict[str, str]:
    """The learner's row of the mentor's matrix: skill slug -> its percent."""
    matrix = html[html.index('id="matrix-title"') :]
    slugs = re.findall(r"skill=([\w-]+)#matrix-title", matrix)
    cells = re.findall(r'<td class="matrix__cell">(?:<strong>(\d+)%</strong>)?', matrix)
    return dict(zip(slugs, cells, strict=True))


def test_a_met_and_an_unmet_group_read_the_same_everywhere(chosen, mentor):
    # Three counted items done: the languages' group (once, however many of
    # its members are done), the language ecosystem and the web framework idea.
    role = str(math.floor(100 * 3 / role_size()))
    dashboard = chosen.get(reverse("dashboard")).content.decode()
    assert percents(dashboard) == [role]
    role_page = chosen.get(reverse("role_detail", args=[ROLE])).content.decode()
    assert role in percents(role_page)
    languages = chosen.get(reverse("skill_detail", args=[LANGUAGES])).content.decode()
    assert percents(languages) == ["100"]
    frameworks = chosen.get(reverse("skill_detail", args=[FRAMEWORKS])).content
    assert percents(frameworks.decode()) == ["50"]

    mentor_client = signed_in(mentor)
    hub = mentor_client.get(reverse("mentoring")).content.decode()
    assert f"Backend Engineer: {role}%" in hub
    cells = matrix_cells(hub)
    assert cells[LANGUAGES] == "100"
    assert cells[FRAMEWORKS] == "50"
    rows = list(
        csv.reader(
            io.StringIO(
                mentor_client.get(reverse("mentoring_skills_csv")).content.decode()
            )
        )
    )
    by_header = dict(zip(rows[0], rows[1], strict=True))
    names = dict(Skill.objects.values_list("slug", "name"))
    assert by_header[f"{names[LANGUAGES]}: % of concepts done"] == "100"
    assert by_header[f"{names[FRAMEWORKS]}: % of concepts done"] == "50"


def test_a_status_change_on_the_skill_page_updates_its_figures_by_the_same_rule(
    chosen,
):
    """The skill page's panel, swapped in after an htmx status change, counts
    the group as the page does: Express done meets the frameworks' group."""
    response = chosen.post(
        reverse("progress_set_status", args=["concept", "expressjs"]),
        {"status": "done", "panel": "skill", "panel_slug": FRAMEWORKS},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert percents(response.content.decode()) == ["100"]
    page = chosen.get(reverse("skill_detail", args=[FRAMEWORKS])).content.decode()
    assert percents(page) == ["100"]
