""" "Continue with" and the plan's "This week" come from one order: a learner with
a goal sees the same next item in both, on the dashboard and the role page."""

import re

import pytest
from django.urls import reverse

from roadmap.models import Concept

pytestmark = pytest.mark.django_db


@pytest.fixture
def step_covers_a_concept(steps):
    """Step one covers Concept one: the plan takes it right after the step."""
    steps[0].concepts.add(Concept.objects.get(slug="c1"))


def first_link(html: str) -> str:
    return re.search(r'href="([^"]+)"', html).group(1)


@pytest.mark.parametrize("htmx", [False, True])
def test_continue_with_and_this_week_name_the_same_next_item(
    client, learner, small_role, step_covers_a_concept, htmx
):
    client.force_login(learner)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    client.post(reverse("progress_follow", args=["small"]))
    client.post(
        reverse("progress_goal", args=["small"]), {"hours_per_week": "7"}, **headers
    )
    client.post(
        reverse("progress_set_status", args=["step", "s1"]),
        {"status": "done"},
        **headers,
    )
    concept_page = reverse("progress_item", args=["concept", "c1"])

    dashboard = client.get(reverse("dashboard")).content.decode()
    continue_part = dashboard[dashboard.index('class="continue__title"') :]
    assert first_link(continue_part) == concept_page
    this_week = dashboard[dashboard.index('class="plan__items"') :]
    assert first_link(this_week) == concept_page

    role_page = client.get(reverse("role_detail", args=["small"])).content.decode()
    continue_line = role_page[role_page.index("Continue with:") :]
    assert first_link(continue_line) == concept_page
    assert "Concept one" in continue_line.split("</p>")[0]
