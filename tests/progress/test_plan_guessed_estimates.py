"""An item with no estimate of Waymark's still counts in plans at its kind's
default, and the plan card says how many such items it guessed, and at what."""

import pytest
from django.test import Client
from django.urls import reverse

from roadmap.models import STEP_HOURS
from tests.roadmap.test_loader import load, seed_data, write

pytestmark = pytest.mark.django_db

ROLE = "backend-engineer"


def with_a_goal(learner) -> Client:
    client = Client()
    client.force_login(learner)
    assert client.post(reverse("progress_follow", args=[ROLE])).status_code == 302
    response = client.post(
        reverse("progress_goal", args=[ROLE]),
        {"target_date": "", "hours_per_week": "10"},
    )
    assert response.status_code == 302
    return client


def test_the_plan_says_how_many_items_have_no_estimate(learner, tmp_path):
    data = seed_data()
    steps = data["roles"][0]["stages"][0]["steps"]
    for step in steps[:2]:
        step.pop("effort", None)
        step.pop("effort_reason", None)
    load(write(tmp_path, data))
    client = with_a_goal(learner)
    html = client.get(reverse("dashboard")).content.decode()
    assert (
        f"2 items have no estimate yet; counted as about {STEP_HOURS} h each." in html
    )
    # Once one of them is done, the plan guessed one.
    client.post(
        reverse("progress_set_status", args=["step", steps[0]["slug"]]),
        {"status": "done"},
    )
    html = client.get(reverse("dashboard")).content.decode()
    assert f"1 item has no estimate yet; counted as about {STEP_HOURS} h." in html


def test_a_plan_where_every_item_has_an_estimate_says_nothing_of_guesses(
    seed_roadmap, learner
):
    client = with_a_goal(learner)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Your plan" in html
    assert "no estimate yet" not in html
