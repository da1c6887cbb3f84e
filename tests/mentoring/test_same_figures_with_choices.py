"""One learner on the seed roadmap, every status and the goal set through the
forms: a met choice group (seven languages done, one skipped), an unmet one
(a framework learning, one skipped), and steps done, learning and skipped.
Every surface that counts reads the same numbers, and they are the numbers of
the rule in docs/progress.md (tests/figures_oracle.py): the role page, the
skill pages, the dashboard and its plan, the data export, the weekly email, the
calendar feed, the comparison of roles, the mentor's hub row, skills matrix and
CSV, and the mentee's dashboard and role page."""

import csv
import datetime
import io
import re

import icalendar
import pytest
from django.test import Client
from django.urls import reverse

from progress import reminders
from progress.plan import format_hours
from roadmap.models import LearningStep, Skill
from tests import figures_oracle as oracle
from tests.clicks import click
from tests.factories import RoleFactory, RoleSkillFactory
from tests.mentoring.conftest import mentorship
from tests.progress.test_calendar import make_link

pytestmark = pytest.mark.django_db

ROLE = "backend-engineer"
LANGUAGES = "backend-programming-languages"
FRAMEWORKS = "web-frameworks"
DONE_LANGUAGES = ["python", "java", "php", "go", "rust", "nodejs", "csharp"]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def percents(html: str) -> list[str]:
    return re.findall(r'class="big-number">(\d+)%<', html)


def first_steps(count: int) -> list[str]:
    return list(
        LearningStep.objects.published()
        .filter(stage__role__slug=ROLE, choice_groups__isnull=True)
        .order_by("stage__position", "position")
        .values_list("slug", flat=True)[:count]
    )


@pytest.fixture
def statuses(seed_roadmap) -> dict:
    """What the learner sets, by (kind, slug)."""
    done, learning, skipped = first_steps(3)
    return {
        **{("concept", slug): "done" for slug in DONE_LANGUAGES},
        ("concept", "ruby"): "skipped",
        ("concept", "language-ecosystem"): "done",
        ("concept", "web-framework"): "done",
        ("concept", "laravel"): "skipped",
        ("concept", "django"): "learning",
        ("step", done): "done",
        ("step", learning): "learning",
        ("step", skipped): "skipped",
    }


@pytest.fixture
def chosen(statuses, learner, mentor, clock) -> Client:
    """The learner follows the role, sets each status and a goal (by 1 June
    2027, 10 h a week) through the forms, and has a mentor."""
    clock.current = datetime.datetime(2026, 12, 2, 10, tzinfo=datetime.UTC)
    mentorship(learner, mentor)
    client = signed_in(learner)
    assert client.post(reverse("progress_follow", args=[ROLE])).status_code == 302
    for (kind, slug), status in statuses.items():
        response = client.post(
            reverse("progress_set_status", args=[kind, slug]),
            {"status": status},
        )
        assert response.status_code == 302, (kind, slug)
    response = client.post(
        reverse("progress_goal", args=[ROLE]),
        {"target_date": "2027-06-01", "hours_per_week": "10"},
    )
    assert response.status_code == 302
    return client


def matrix_cells(html: str) -> dict[str, str]:
    """The learner's row of the mentor's matrix: skill slug -> its percent."""
    matrix = html[html.index('id="matrix-title"') :]
    slugs = re.findall(r"skill=([\w-]+)#matrix-title", matrix)
    cells = re.findall(r'<td class="matrix__cell">(?:<strong>(\d+)%</strong>)?', matrix)
    return dict(zip(slugs, cells, strict=True))


def this_week(html: str) -> list[str]:
    """The titles of the plan's "This week" list on a page."""
    items = html[html.index('class="plan__items"') :]
    items = items[: items.index("</ul>")]
    return re.findall(r'<a href="[^"]+">([^<]+)</a>', items)


def test_every_surface_counts_the_same_choices_the_same_way(
    chosen, statuses, learner, mentor, clock
):
    expected = oracle.role(ROLE, statuses)
    role = str(expected.percent)
    left = f"About {expected.hours - expected.hours_done:.0f} h of work are left."
    assert 0 < expected.percent < 100

    dashboard = chosen.get(reverse("dashboard")).content.decode()
    assert percents(dashboard) == [role]
    assert left in dashboard
    week = this_week(dashboard)
    assert week
    role_page = chosen.get(reverse("role_detail", args=[ROLE])).content.decode()
    assert role in percents(role_page)
    for skill in (LANGUAGES, FRAMEWORKS):
        page = chosen.get(reverse("skill_detail", args=[skill])).content.decode()
        assert percents(page) == [str(oracle.skill(skill, statuses).percent)]
    assert oracle.skill(LANGUAGES, statuses).percent == 100

    (figures,) = chosen.get(reverse("progress_export_json")).json()["figures"]
    assert figures["overall"]["percent"] == expected.percent
    assert figures["plan"]["remaining_hours"] == pytest.approx(
        expected.hours - expected.hours_done
    )
    assert [item["slug"] for item in figures["plan"]["this_week"]]
    plan_hours = [item["hours"] for item in figures["plan"]["this_week"]]

    # The weekly email, as the worker composes it on Monday.
    clock.current = datetime.datetime(2026, 12, 7, 6, tzinfo=datetime.UTC)
    monday = chosen.get(reverse("dashboard")).content.decode()
    email = reminders.compose(
        learner,
        clock.current.date(),
        reminders.email_context(learner, clock.current),
    ).body
    assert f"== Backend Engineer: {role}% done ==" in email
    assert left in email
    email_week = re.findall(r"^- (.+) \(about ([\d.]+) h\): ", email, re.M)
    assert [title for title, _hours in email_week] == this_week(monday)

    # The calendar feed: this week's items, as the dashboard names them.
    feed = icalendar.Calendar.from_ical(chosen.get(make_link(chosen)).content)
    planned = [
        str(event["summary"])
        for event in feed.walk("VEVENT")
        if "planned this week" in str(event.get("description", ""))
    ]
    (figures,) = chosen.get(reverse("progress_export_json")).json()["figures"]
    plan_hours = [item["hours"] for item in figures["plan"]["this_week"]]
    assert planned == [
        f"{title} (about {format_hours(hours)} h)"
        for title, hours in zip(this_week(monday), plan_hours, strict=True)
    ]
    assert [hours for _title, hours in email_week] == list(
        map(format_hours, plan_hours)
    )

    mentor_client = signed_in(mentor)
    hub = mentor_client.get(reverse("mentoring")).content.decode()
    assert f"Backend Engineer: {role}%" in hub
    cells = matrix_cells(hub)
    for skill in (LANGUAGES, FRAMEWORKS):
        assert cells[skill] == str(oracle.skill(skill, statuses).percent)
    rows = list(
        csv.reader(
            io.StringIO(
                mentor_client.get(reverse("mentoring_skills_csv")).content.decode()
            )
        )
    )
    by_header = dict(zip(rows[0], rows[1], strict=True))
    names = dict(Skill.objects.values_list("slug", "name"))
    for skill in (LANGUAGES, FRAMEWORKS):
        assert by_header[f"{names[skill]}: % done (by hours)"] == cells[skill]
    mentee = mentor_client.get(reverse("mentee_dashboard", args=[learner.username]))
    assert percents(mentee.content.decode()) == [role]
    mentee_role = mentor_client.get(
        reverse("mentee_role", args=[learner.username, ROLE])
    )
    assert role in percents(mentee_role.content.decode())


def test_the_comparison_counts_a_shared_group_once(chosen, statuses):
    """A second role made of the languages' skill: seven languages done count
    as the group, once, in its figures and in what the two roles share."""
    other = RoleFactory(slug="language-track", title="Language track")
    RoleSkillFactory(role=other, skill=Skill.objects.get(slug=LANGUAGES))
    expected = oracle.role("language-track", statuses)
    assert (expected.done, expected.items) == (2, 2)  # the group and the ecosystem
    page = chosen.get(
        reverse("progress_compare", args=[ROLE]) + "?with=language-track"
    ).content.decode()
    assert "<strong>100%</strong> of Language track is done already" in page
    assert "Concepts: 2 of 2 done, of which 2 you did for Backend Engineer." in page


def test_a_status_change_on_the_skill_page_updates_its_figures_by_the_same_rule(
    chosen,
):
    """The skill page's panel, swapped in after an htmx status change, counts
    the group as the page does: Express done meets the frameworks' group."""
    skill_page = reverse("skill_detail", args=[FRAMEWORKS])
    answer = click(chosen, "concept", "expressjs", "done", page=skill_page)
    assert percents(answer) == ["100"]
    page = chosen.get(reverse("skill_detail", args=[FRAMEWORKS])).content.decode()
    assert percents(page) == ["100"]
