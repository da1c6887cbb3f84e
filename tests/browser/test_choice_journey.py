"""A learner with a goal picks a language in Chromium: the languages group is met,
the other languages show as optional, and the plan's hours and finish date drop."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from progress.models import RoleFollow
from roadmap.models import Concept, Role
from tests.browser.test_progress import sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

LANGUAGES = ["python", "java", "ruby", "php", "go", "rust", "nodejs", "csharp"]


def plan_figures(page, live_server) -> tuple[int, datetime.date]:
    """The dashboard plan's hours left and finish date."""
    page.goto(f"{live_server.url}/dashboard/")
    status = page.locator("section.plan .plan__status")
    hours = int(re.search(r"About (\d+) h of work", status.inner_text()).group(1))
    finish = status.locator("time").first.get_attribute("datetime")
    return hours, datetime.date.fromisoformat(finish)


def test_picking_a_language_meets_the_group_and_shortens_the_plan(
    page, live_server, seed_roadmap
):
    learner = UserFactory(username="chooser")
    RoleFollow.objects.create(learner=learner, role=Role.objects.get())
    sign_in(page, live_server, "chooser")
    page.get_by_role("link", name="Set a goal for Backend Engineer").click()
    page.fill("#goal_hours_per_week", "10")
    page.get_by_role("button", name="Save my goal").click()
    page.wait_for_url("**/dashboard/")
    hours_before, finish_before = plan_figures(page, live_server)

    page.goto(f"{live_server.url}/skills/backend-programming-languages/")
    expect(page.locator(".choice__label").first).to_contain_text("Pick 1 of 8")
    expect(page.locator(".choice__mark--optional")).to_have_count(0)
    python = Concept.objects.get(slug="python")
    page.locator(f'#status-concept-{python.pk} button[value="done"]').click()
    expect(page.locator(f"#choice-mark-concept-{python.pk}")).to_have_text("chosen")
    for slug in LANGUAGES[1:]:
        pk = Concept.objects.get(slug=slug).pk
        expect(page.locator(f"#choice-mark-concept-{pk}")).to_have_text("optional")
        # Each keeps its status control.
        expect(page.locator(f"#status-concept-{pk} button")).to_have_count(4)

    hours_after, finish_after = plan_figures(page, live_server)
    assert hours_after <= hours_before - python.effort_hours + 1
    assert finish_after < finish_before

    # The role page's overview gives the skill a line with the same figures as
    # the skill's own page: the group counts once, met by Python.
    page.goto(f"{live_server.url}/skills/backend-programming-languages/")
    percent = page.locator("#skill-figures .big-number").inner_text()
    counts = page.locator("#skill-figures li", has_text="concepts done").inner_text()
    assert counts.startswith("1 of ")
    page.goto(f"{live_server.url}/roles/backend-engineer/")
    line = page.locator(".skill-list__item", has_text="Backend programming languages")
    expect(line.locator(".skill-progress")).to_have_text(f"{percent} done: {counts}")
