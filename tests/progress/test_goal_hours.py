"""Hours a week in the goal form take a decimal (2.5), within the same bounds,
and show without trailing zeros on the goal page, the plan card and the
mentor's row."""

import datetime
import re

import pytest
from django.urls import reverse

from progress.models import RoleFollow

pytestmark = pytest.mark.django_db


@pytest.fixture
def follow(learner, small_role, clock):
    clock.current = datetime.datetime(2026, 12, 2, 10, tzinfo=datetime.UTC)
    return RoleFollow.objects.create(learner=learner, role=small_role)


def goal_url():
    return reverse("progress_goal", args=["small"])


@pytest.mark.parametrize("htmx", [False, True])
def test_two_and_a_half_hours_a_week_are_accepted(client, learner, follow, htmx):
    client.force_login(learner)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client.post(goal_url(), {"hours_per_week": "2.5"}, **headers)
    assert response.status_code == 302
    follow.refresh_from_db()
    assert float(follow.hours_per_week) == 2.5
    card = client.get(reverse("dashboard")).content.decode()
    card = card[card.index('class="plan"') :]
    assert "Goal: 2.5 h a week." in card and "at 2.5 h a week" in card
    page = client.get(goal_url()).content.decode()
    assert re.search(r'name="hours_per_week"[^>]* value="2.5"', page)


@pytest.mark.parametrize("htmx", [False, True])
def test_whole_hours_show_without_a_trailing_zero(client, learner, follow, htmx):
    client.force_login(learner)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    assert (
        client.post(goal_url(), {"hours_per_week": "7"}, **headers).status_code == 302
    )
    card = client.get(reverse("dashboard")).content.decode()
    assert "Goal: 7 h a week." in card
    page = client.get(goal_url()).content.decode()
    assert re.search(r'name="hours_per_week"[^>]* value="7"', page)


@pytest.mark.parametrize(
    ("hours", "says"),
    [
        ("0.5", "Give at least 1 hour a week"),
        ("80.5", "At most 80 hours a week"),
        ("2.55", "one decimal place"),
        ("lots", "Enter a number"),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_hours_out_of_bounds_are_refused(client, learner, follow, hours, says, htmx):
    client.force_login(learner)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client.post(goal_url(), {"hours_per_week": hours}, **headers)
    assert response.status_code == 400
    assert says in response.content.decode()
    follow.refresh_from_db()
    assert follow.hours_per_week is None


def test_the_data_file_keeps_the_half_hour(client, learner, follow):
    client.force_login(learner)
    client.post(goal_url(), {"hours_per_week": "2.5"})
    exported = client.get(reverse("progress_export_json")).json()
    assert exported["roles"][0]["goal"]["hours_per_week"] == 2.5
