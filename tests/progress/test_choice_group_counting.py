"""A choice group ("pick 1 of 8 languages") counts as its pick on every page,
set through the status form on the seed roadmap: one language done finishes the
group, more raise nothing, and plans schedule only what meets a group."""

import math
import re

import pytest
from django.db.models import Q
from django.test import Client
from django.urls import reverse

from roadmap.models import ChoiceGroup, Concept, LearningStep
from tests.clicks import click
from tests.roadmap.test_loader import load, seed_data, write

pytestmark = pytest.mark.django_db

ROLE = "backend-engineer"
LANGUAGES = ["python", "java", "ruby", "php", "go", "rust", "nodejs", "csharp"]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def mark(client: Client, kind: str, slug: str, status: str) -> None:
    response = client.post(
        reverse("progress_set_status", args=[kind, slug]),
        {"status": status},
    )
    assert response.status_code == 302, (kind, slug, response.status_code)


def role_items() -> list[tuple[str, str]]:
    steps = LearningStep.objects.published().filter(stage__role__slug=ROLE)
    concepts = Concept.objects.published().filter(skill__role_skills__role__slug=ROLE)
    return [("step", slug) for slug in steps.values_list("slug", flat=True)] + [
        ("concept", slug) for slug in concepts.distinct().values_list("slug", flat=True)
    ]


def percents(html: str) -> list[str]:
    return re.findall(r'class="big-number">(\d+)%<', html)


def figures_of(client: Client) -> dict:
    (entry,) = client.get(reverse("progress_export_json")).json()["figures"]
    return entry


def language_hours() -> dict[str, float]:
    return dict(
        Concept.objects.filter(slug__in=LANGUAGES).values_list("slug", "effort_hours")
    )


@pytest.fixture
def following(seed_roadmap, learner) -> Client:
    """The learner follows the seed role with a goal of 10 hours a week."""
    client = signed_in(learner)
    assert client.post(reverse("progress_follow", args=[ROLE])).status_code == 302
    response = client.post(
        reverse("progress_goal", args=[ROLE]),
        {"target_date": "", "hours_per_week": "10"},
    )
    assert response.status_code == 302
    return client


@pytest.fixture
def all_but_languages(following) -> Client:
    """Every item of the role done but the eight languages."""
    for kind, slug in role_items():
        if slug not in LANGUAGES:
            mark(following, kind, slug, "done")
    return following


def test_one_language_of_eight_finishes_the_role(all_but_languages):
    client = all_but_languages
    mark(client, "concept", "python", "done")
    role_page = client.get(reverse("role_detail", args=[ROLE])).content.decode()
    assert "100" in percents(role_page)
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert percents(dashboard) == ["100"]
    assert "Nothing left to do in this role." in dashboard
    figures = figures_of(client)
    assert figures["overall"]["percent"] == 100
    assert figures["plan"]["status"] == "done"
    assert figures["plan"]["remaining_hours"] == 0
    assert figures["continue_with"] is None

    # A second language shows as done, and the role stays at 100 %.
    mark(client, "concept", "java", "done")
    assert percents(client.get(reverse("dashboard")).content.decode()) == ["100"]
    role_page = client.get(reverse("role_detail", args=[ROLE])).content.decode()
    assert "100" in percents(role_page)
    figures = figures_of(client)
    assert figures["overall"]["percent"] == 100
    assert figures["overall"]["done"] == figures["overall"]["total"]
    assert figures["plan"]["status"] == "done"


def test_an_unmet_group_plans_the_language_the_learner_started(all_but_languages):
    client = all_but_languages
    hours = language_hours()
    figures = figures_of(client)
    # Nothing of the group done: one language is left, the first in path order.
    assert [item["slug"] for item in figures["plan"]["this_week"]] == ["python"]
    assert figures["plan"]["remaining_hours"] == hours["python"]
    assert figures["overall"]["total"] - figures["overall"]["done"] == 1

    mark(client, "concept", "rust", "learning")
    figures = figures_of(client)
    assert [item["slug"] for item in figures["plan"]["this_week"]] == ["rust"]
    assert figures["continue_with"] == "rust"
    # The plan's hours are the started language's, not the eight languages'.
    assert figures["plan"]["remaining_hours"] == hours["rust"]
    assert figures["plan"]["remaining_hours"] < sum(hours.values())
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert f"About {hours['rust']:.0f} h of work are left." in dashboard


def test_continue_with_never_names_a_second_language(following):
    """Doing what "Continue with" names, from the first language done to the end
    of the role, never leads to another language."""
    client = following
    mark(client, "concept", "go", "done")
    named = []
    for _ in range(len(role_items())):
        item = figures_of(client)["continue_with"]
        if item is None:
            break
        named.append(item)
        kind = "step" if LearningStep.objects.filter(slug=item).exists() else "concept"
        mark(client, kind, item, "done")
    assert named, "the role had nothing to continue with"
    assert not set(named) & set(LANGUAGES)
    assert figures_of(client)["overall"]["percent"] == 100
    # Every other group is met by one member too: its alternatives were never named.
    for group in ChoiceGroup.objects.filter(skill__isnull=False):
        members = set(group.concepts.values_list("slug", flat=True))
        assert len(members & set(named)) <= group.pick


def test_a_stages_group_counts_as_its_pick_in_the_stage_and_the_role(learner, tmp_path):
    """Two steps of a stage offered as "pick 1": both done count once, in the
    stage's summary (the page and the htmx answer) and in the role."""
    data = seed_data()
    stage = data["roles"][0]["stages"][-1]
    members = ["decide-on-education", "earn-a-cloud-certification"]
    stage["choices"] = [
        {
            "slug": "degree-or-certification",
            "title": "Degree or certification",
            "pick": 1,
            "members": members,
            "editorial": "Either shows employers what you learned.",
        }
    ]
    load(write(tmp_path, data))
    client = signed_in(learner)
    assert client.post(reverse("progress_follow", args=[ROLE])).status_code == 302
    counted = len(stage["steps"]) - 1
    for slug in members:
        answer = click(client, "step", slug, "done", page=f"/roles/{ROLE}/")
        assert re.search(
            rf'class="stage__progress" id="stage-progress-\d+" '
            rf'hx-swap-oob="true">1 of {counted} done<',
            answer,
        )
    page = client.get(reverse("role_detail", args=[ROLE])).content.decode()
    assert re.search(rf'id="stage-progress-\d+">1 of {counted} done<', page)
    figures = figures_of(client)
    assert figures["overall"]["done"] == 1
    assert figures["steps"]["done"] == 1


def counted_hours() -> float:
    """The role's hours for a learner who has chosen nothing yet: each item's
    hours, and of each choice group its first `pick` members in order."""
    steps = LearningStep.objects.published().filter(stage__role__slug=ROLE)
    concepts = (
        Concept.objects.published()
        .filter(skill__role_skills__role__slug=ROLE)
        .distinct()
    )
    grouped = set()
    hours = 0.0
    for group in ChoiceGroup.objects.filter(
        Q(skill__role_skills__role__slug=ROLE) | Q(stage__role__slug=ROLE)
    ).distinct():
        members = [*group.concepts.order_by("position", "id")]
        members += [*group.steps.order_by("position", "id")]
        grouped.update((type(item), item.pk) for item in members)
        hours += sum(item.planned_hours for item in members[: group.pick])
    for item in [*steps, *concepts]:
        if (type(item), item.pk) not in grouped:
            hours += item.planned_hours
    return hours


def test_the_percentage_is_the_share_of_the_hours_done(following):
    """Three of the forty steps done read as their share of the role's hours,
    not as 3 of 160 items; the hours left are the plan's, on every page."""
    client = following
    first = list(
        LearningStep.objects.published()
        .filter(stage__role__slug=ROLE)
        .order_by("stage__position", "position")[:3]
    )
    for step in first:
        mark(client, "step", step.slug, "done")
    total = counted_hours()
    done = sum(step.planned_hours for step in first)
    expected = math.floor(100 * done / total)
    assert expected > math.floor(100 * 3 / len(role_items()))
    figures = figures_of(client)
    assert figures["overall"]["percent"] == expected
    assert figures["overall"]["hours"] == pytest.approx(total)
    assert figures["plan"]["remaining_hours"] == pytest.approx(total - done)
    assert percents(client.get(reverse("dashboard")).content.decode()) == [
        str(expected)
    ]
    role_page = client.get(reverse("role_detail", args=[ROLE])).content.decode()
    assert str(expected) in percents(role_page)


def test_the_group_weighs_the_language_the_learner_chose(all_but_languages):
    """An unmet group counts the hours of the member the learner started; the
    role's hours left are the plan's."""
    client = all_but_languages
    hours = language_hours()
    mark(client, "concept", "rust", "learning")
    overall = figures_of(client)["overall"]
    assert overall["hours"] - overall["hours_done"] == pytest.approx(hours["rust"])
    mark(client, "concept", "ruby", "learning")  # two started: the first in order
    overall = figures_of(client)["overall"]
    assert overall["hours"] - overall["hours_done"] == pytest.approx(hours["ruby"])
