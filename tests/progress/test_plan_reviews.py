"""Review time in the plan: the reviews of a role's items falling in the next 7
days take their time out of the week's hours before the items get theirs, at
the learner's own minutes per review once their ratings say, else a default."""

import datetime

import pytest
from django.urls import reverse

from progress import plan, reviews
from progress.models import RoleFollow
from tests.progress.test_reviewable import (
    mark,
    one_step_role,
    rate,
    signed_in,  # noqa: F401 - a fixture
)

# ruff: noqa: F811 - the tests take the `signed_in` fixture imported above

TODAY = datetime.date(2026, 12, 7)  # a Monday


def items(hours: list[float]) -> list[plan.PlanItem]:
    return [
        plan.PlanItem(("step", n), f"Step {n}", h, f"s{n}") for n, h in enumerate(hours)
    ]


class TestThePlanRule:
    def test_reviews_come_out_of_the_weeks_hours(self):
        goal = plan.Goal(TODAY + datetime.timedelta(days=60), 7)
        work = items([4, 4, 4, 4])
        without = plan.make_plan(work, goal, 0, TODAY)
        load = plan.ReviewLoad(count=60, minutes_each=3.5)  # 3.5 h a week
        held = plan.make_plan(work, goal, 0, TODAY, load)
        assert held.capacity == without.capacity == 7  # the learner's hours
        assert held.finish > without.finish  # the items get 3.5 h, not 7
        assert held.needed_per_week == pytest.approx(without.needed_per_week + 3.5)
        assert len(held.this_week) <= len(without.this_week)
        assert held.review == load

    def test_a_week_all_reviews_still_names_the_next_item(self):
        goal = plan.Goal(None, 2)
        load = plan.ReviewLoad(count=100, minutes_each=2)  # 3.3 h: more than 2
        held = plan.make_plan(items([4, 4]), goal, 0, TODAY, load)
        assert [item.slug for item in held.this_week] == ["s0"]
        assert held.finish is None and held.status == "no plan"

    @pytest.mark.parametrize(
        ("count", "minutes", "measured", "says"),
        [
            (
                1,
                2.0,
                False,
                "1 review in the next 7 days, about 2 min (2 min each, a default)",
            ),
            (
                45,
                1.5,
                True,
                "45 reviews in the next 7 days, about 1.1 h (1.5 min "
                "each, from your reviews)",
            ),
        ],
    )
    def test_the_label_says_how_many_how_long_and_on_what(
        self, count, minutes, measured, says
    ):
        assert plan.ReviewLoad(count, minutes, measured).label == says


@pytest.mark.django_db
class TestTheLoad:
    def test_the_minutes_come_from_the_learners_own_sittings(
        self, signed_in, learner, small_role, clock
    ):
        for slug in ("s1", "s2", "s3", "s4"):
            mark(signed_in, "step", slug)
        mark(signed_in, "concept", "c1")
        mark(signed_in, "concept", "c2")
        clock.advance(days=1)
        assert reviews.minutes_per_review([learner], clock.current) == {
            learner.pk: (plan.DEFAULT_REVIEW_MINUTES, False)
        }
        for kind, slug in (
            ("step", "s1"),
            ("step", "s2"),
            ("step", "s3"),
            ("step", "s4"),
            ("concept", "c1"),
            ("concept", "c2"),
        ):
            assert rate(signed_in, kind, slug).status_code == 302
            clock.current += datetime.timedelta(seconds=90)
        assert reviews.minutes_per_review([learner], clock.current) == {
            learner.pk: (1.5, True)
        }

    def test_the_plan_counts_the_reviews_the_dashboard_shows(
        self, signed_in, learner, small_role, clock
    ):
        signed_in.post(
            reverse("progress_goal", args=["small"]),
            {"target_date": "2027-03-01", "hours_per_week": "5", "reviews": "on"},
        )
        for slug in ("s1", "s2"):
            mark(signed_in, "step", slug)
        mark(signed_in, "concept", "c1")
        clock.advance(days=1)
        signed_in.force_login(learner)

        def goals():  # read afresh: the forms below change them
            return plan.goals_of(RoleFollow.objects.filter(learner=learner))

        follows = RoleFollow.objects.filter(learner=learner)
        due = reviews.due_reviews(learner, follows, clock.current).total
        load = reviews.week_load(learner, goals(), clock.current)[small_role.pk]
        assert load.count == due == 3
        body = signed_in.get(reverse("dashboard")).content.decode()
        assert f"Reviews come first: {load.label}." in body
        # With a daily limit, today's reviews beyond it are not this week's.
        signed_in.post(
            reverse("review_pacing"), {"daily_limit": "1", "retention": "0.9"}
        )
        load = reviews.week_load(learner, goals(), clock.current)
        assert load[small_role.pk].count == 1
        # Reviews off for the role: the plan holds none.
        response = signed_in.post(
            reverse("progress_goal", args=["small"]),
            {"target_date": "2027-03-01", "hours_per_week": "5"},
        )
        assert response.status_code == 302, response.content.decode()[-3000:]
        assert reviews.week_load(learner, goals(), clock.current) == {}


@pytest.mark.django_db
class TestEverySurfacePlansAlike:
    def test_the_goal_page_holds_no_review_time_when_reviews_are_off(
        self, signed_in, learner, clock
    ):
        goal = {"target_date": "2027-03-01", "hours_per_week": "5"}  # reviews off
        signed_in.post(reverse("progress_goal", args=["small"]), goal)
        mark(signed_in, "step", "s1")
        clock.advance(days=1)
        signed_in.force_login(learner)
        page = signed_in.get(reverse("progress_goal", args=["small"])).content
        assert b"Reviews come first" not in page
        signed_in.post(
            reverse("progress_goal", args=["small"]), {**goal, "reviews": "on"}
        )
        page = signed_in.get(reverse("progress_goal", args=["small"])).content
        assert b"Reviews come first: 1 review" in page

    def test_the_daily_limit_spans_every_role_as_the_reviews_page_does(
        self, signed_in, learner, small_role, clock
    ):
        other = one_step_role("other")
        signed_in.post(reverse("progress_follow", args=["other"]))
        mark(signed_in, "step", "other-1")  # the oldest: first in the queue
        clock.current += datetime.timedelta(hours=1)
        mark(signed_in, "step", "s1")
        signed_in.post(
            reverse("progress_goal", args=["small"]),
            {"target_date": "2027-03-01", "hours_per_week": "5", "reviews": "on"},
        )
        signed_in.post(
            reverse("review_pacing"), {"daily_limit": "1", "retention": "0.9"}
        )
        clock.advance(days=1)
        signed_in.force_login(learner)
        body = signed_in.get(reverse("reviews")).content.decode()
        assert ("Today: 1 to review" in body and "other-1" in body) or "Other" in body
        goals = plan.goals_of(RoleFollow.objects.filter(learner=learner))
        assert reviews.week_load(learner, goals, clock.current) == {}
        assert other.pk not in goals
