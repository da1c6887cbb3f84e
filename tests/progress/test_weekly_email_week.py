"""The weekly email carries a week with enough of it ahead: turned on late in
the week (Friday to Sunday), the first email is the coming Monday's, with the
coming week's plan, never the plan of a week that ends that day."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory
from tests.queue import delivered

UTC = datetime.UTC
SUNDAY_NOON_PARIS = datetime.datetime(2026, 12, 6, 11, tzinfo=UTC)
THURSDAY_NOON_PARIS = datetime.datetime(2026, 12, 3, 11, tzinfo=UTC)
MONDAY_EIGHT_PARIS = datetime.datetime(2026, 12, 7, 7, tzinfo=UTC)


def turned_on_at(clock, when, htmx: bool):
    clock.current = when
    learner = UserFactory(username="sunday", timezone="Europe/Paris")
    client = Client()
    client.force_login(learner)
    client.post(reverse("progress_follow", args=["small"]))
    client.post(
        reverse("progress_goal", args=["small"]),
        {"target_date": "2027-01-31", "hours_per_week": "7", "reviews": "on"},
    )
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(
        reverse("account_settings"),
        {
            "display_name": "Sunday Learner",
            "timezone": "Europe/Paris",
            "weekly_email": "on",
        },
        headers=headers,
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.weekly_email
    return learner


def run_the_schedule(clock, when) -> list:
    clock.current = when
    call_command("run_schedule", stdout=io.StringIO())
    return [m for m in delivered() if m.to == ["sunday@example.com"]]


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True])
def test_turned_on_on_a_sunday_the_first_email_is_the_coming_weeks(
    small_role, clock, htmx
):
    turned_on_at(clock, SUNDAY_NOON_PARIS, htmx)
    assert run_the_schedule(clock, SUNDAY_NOON_PARIS) == []
    (email,) = run_the_schedule(clock, MONDAY_EIGHT_PARIS)
    assert email.subject == "[Waymark] Your plan for the week of 7 December"
    assert "Monday 7 December to Sunday" in email.body
    assert "30 November" not in email.subject + email.body
    assert "on Monday morning" in email.body


@pytest.mark.django_db
def test_turned_on_on_a_thursday_the_current_weeks_comes_at_once(small_role, clock):
    turned_on_at(clock, THURSDAY_NOON_PARIS, htmx=False)
    (email,) = run_the_schedule(clock, THURSDAY_NOON_PARIS)
    assert email.subject == "[Waymark] Your plan for the week of 30 November"
