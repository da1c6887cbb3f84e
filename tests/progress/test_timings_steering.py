"""What learners took is hard to steer: five fresh accounts clicking a 4 h step
through in a quarter of an hour do not move the figure the plans count, and
until many qualified learners agree it stays within half and twice the
curator's estimate."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from progress import timings
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
START = datetime.datetime(2026, 11, 2, 9, tzinfo=UTC)  # a Monday
PLAN_DAY = datetime.datetime(2026, 12, 2, 10, tzinfo=UTC)


def take(clock, number, minutes, *, joined_days_before=0, prefix="l"):
    """`number` learners, each joined `joined_days_before` days before they
    mark step one learning, then done `minutes` later, through the status form."""
    for index in range(number):
        clock.current = START + datetime.timedelta(hours=index)
        user = UserFactory(
            username=f"{prefix}{index}",
            date_joined=clock.current - datetime.timedelta(days=joined_days_before),
        )
        client = Client()
        client.force_login(user)
        for status in ("learning", "done"):
            response = client.post(
                reverse("progress_set_status", args=["step", "s1"]),
                {"status": status},
            )
            assert response.status_code == 302
            clock.advance(minutes=minutes)


def plan_counts_for_step_one(client, learner, clock) -> str:
    clock.current = PLAN_DAY
    client.force_login(learner)
    client.post(reverse("progress_follow", args=["small"]))
    client.post(reverse("progress_goal", args=["small"]), {"hours_per_week": "7"})
    body = client.get(reverse("dashboard")).content.decode()
    plan = body[body.index('class="plan__items"') :]
    return plan[plan.index("Step one") : plan.index("</li>")]


def test_five_fresh_accounts_do_not_move_the_plans_figure(
    client, learner, small_role, steps, clock
):
    take(clock, 5, 15)  # 0.25 h each, from accounts made that hour
    timings.measure_learner_times(clock.current)
    steps[0].refresh_from_db()
    assert steps[0].learner_hours is None
    assert "about 4 h</span>" in plan_counts_for_step_one(client, learner, clock)


def test_a_few_qualified_learners_move_it_no_lower_than_half_the_estimate(
    client, learner, small_role, steps, clock
):
    take(clock, 5, 15, joined_days_before=30, prefix="old-fast")  # 0.25 h: too far
    take(clock, 6, 60, joined_days_before=30, prefix="old")  # 1 h each
    timings.measure_learner_times(clock.current)
    steps[0].refresh_from_db()
    assert (steps[0].learner_hours, steps[0].learner_count) == (2.0, 6)
    step = plan_counts_for_step_one(client, learner, clock)
    assert "about 2 h, as learners took" in step


def test_many_qualified_learners_who_agree_set_it(
    client, learner, small_role, steps, clock
):
    take(clock, timings.TRUSTED_LEARNERS, 90, joined_days_before=30)  # 1.5 h
    timings.measure_learner_times(clock.current)
    step = plan_counts_for_step_one(client, learner, clock)
    assert "about 1.5 h, as learners took" in step
