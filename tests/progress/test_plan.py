"""The plan's rules (progress/plan.py), as properties over any roadmap, goal,
pace, day and time zone."""

import datetime
import math
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from progress.plan import (
    DAYS_PER_WEEK,
    MAX_HOURS_PER_WEEK,
    MIN_PACE_DAYS,
    MIN_PACE_ITEMS,
    Goal,
    PlanItem,
    make_plan,
    pace_of,
    week_bounds,
    week_of,
)

ZONES = [
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Santiago",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Asia/Kolkata",
    "Pacific/Chatham",
]

items = st.lists(
    st.builds(
        PlanItem,
        key=st.tuples(st.sampled_from(["step", "concept"]), st.integers(1, 10**6)),
        title=st.just("item"),
        hours=st.integers(1, 40).map(float),
    ),
    max_size=60,
)
days = st.dates(datetime.date(2024, 1, 1), datetime.date(2030, 12, 31))
goals = st.builds(
    Goal,
    target=st.one_of(st.none(), days),
    hours_per_week=st.one_of(st.none(), st.integers(1, 60).map(float)),
)
paces = st.one_of(st.just(0.0), st.floats(0.5, 60))


@settings(max_examples=300, deadline=None)
@given(items, goals, paces, days, st.data())
def test_marking_an_item_done_never_moves_the_finish_later(
    remaining, goal, pace, today, data
):
    before = make_plan(remaining, goal, pace, today)
    if not remaining:
        return
    done = data.draw(st.integers(0, len(remaining) - 1))
    after = make_plan(remaining[:done] + remaining[done + 1 :], goal, pace, today)
    if before.finish and after.finish:
        assert after.finish <= before.finish
    if after.status != "done":
        assert after.remaining_hours < before.remaining_hours


@settings(max_examples=300, deadline=None)
@given(items, goals, paces, days)
def test_nothing_is_planned_before_today(remaining, goal, pace, today):
    plan = make_plan(remaining, goal, pace, today)
    monday, sunday = plan.week
    assert monday <= today <= sunday and monday.weekday() == 0
    if plan.finish:
        assert plan.finish >= today
    if remaining:
        assert plan.this_week and plan.this_week[0] == remaining[0]
        assert plan.this_week == remaining[: len(plan.this_week)]
        assert len(plan.days) == len(plan.this_week)
        assert all(today <= day <= sunday for day in plan.days)
        assert plan.days == sorted(plan.days)
    else:
        assert plan.status == "done"


@settings(max_examples=300, deadline=None)
@given(items.filter(bool), goals, paces, days)
def test_the_hours_a_target_needs_meet_it(remaining, goal, pace, today):
    plan = make_plan(remaining, goal, pace, today)
    if goal.target is None or plan.finish is None:
        return
    assert (plan.status == "behind") == (plan.finish > goal.target)
    if plan.needed_per_week is not None and math.isfinite(plan.needed_per_week):
        with_enough = make_plan(
            remaining, Goal(goal.target, plan.needed_per_week), 0.0, today
        )
        assert with_enough.finish <= goal.target
        assert with_enough.status != "behind"


@settings(max_examples=500, deadline=None)
@given(
    st.datetimes(
        datetime.datetime(2024, 1, 1),
        datetime.datetime(2030, 12, 31),
        timezones=st.just(datetime.UTC),
    ),
    st.sampled_from(ZONES),
)
def test_weeks_follow_the_learners_time_zone_across_clock_changes(now, zone_name):
    zone = ZoneInfo(zone_name)
    start, end = week_bounds(now, zone)
    assert start <= now < end
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    assert (local_start.weekday(), local_start.time()) == (0, datetime.time())
    assert (local_end.weekday(), local_end.time()) == (0, datetime.time())
    assert (local_end.date() - local_start.date()).days == DAYS_PER_WEEK
    hours = (end - start).total_seconds() / 3600
    assert 167 <= hours <= 169  # a clock change makes the week shorter or longer
    assert week_of(now.astimezone(zone).date())[0] == local_start.date()


def test_a_week_with_a_clock_change_is_an_hour_short():
    zone = ZoneInfo("Europe/London")
    # Clocks go forward on Sunday 30 March 2025.
    start, end = week_bounds(
        datetime.datetime(2025, 3, 27, 12, tzinfo=datetime.UTC), zone
    )
    assert (end - start) == datetime.timedelta(hours=167)


def test_a_plan_in_words():
    today = datetime.date(2026, 12, 2)  # a Wednesday
    remaining = [PlanItem(("step", n), f"Step {n}", 4.0) for n in range(10)]
    plan = make_plan(remaining, Goal(datetime.date(2027, 1, 12), 7.0), 0.0, today)
    # 7 h a week is 1 h a day: 5 days left this week cover the first two items.
    assert [item.title for item in plan.this_week] == ["Step 0", "Step 1"]
    assert plan.finish == today + datetime.timedelta(days=39)  # 40 hours
    assert plan.status == "on track"  # two days to spare
    early = make_plan(remaining, Goal(datetime.date(2027, 1, 31), 7.0), 0.0, today)
    assert (early.status, early.days_from_target) == ("ahead", -21)
    late = make_plan(remaining, Goal(datetime.date(2026, 12, 20), 7.0), 0.0, today)
    assert late.status == "behind"
    assert round(late.needed_per_week, 1) == round(40 / 19 * 7, 1)
    assert late.behind_hours_per_week > 0
    assert make_plan([], Goal(), 3.0, today).status == "done"
    assert make_plan(remaining, Goal(), 0.0, today).status == "no plan"


# --- What meets the target, and when a pace counts ------------------------------


@settings(max_examples=300, deadline=None)
@given(remaining=items, target=days, hours=goals, pace=paces, today=days)
def test_a_target_always_says_what_meets_it(remaining, target, hours, pace, today):
    """With a target and work left, the plan names the hours a week that meet
    it, or, beyond MAX_HOURS_PER_WEEK, the earliest day that can: a plan at
    that many hours finishes by the day named."""
    goal = Goal(target, hours.hours_per_week)
    plan = make_plan(remaining, goal, pace, today)
    if not remaining:
        assert plan.advice == ""
        return
    assert plan.advice
    if plan.target_reachable:
        at_needed = make_plan(remaining, Goal(target, plan.needed_per_week), 0, today)
        assert at_needed.finish <= target
        assert "h a week" in plan.advice
    else:
        fastest = make_plan(remaining, Goal(None, MAX_HOURS_PER_WEEK), 0, today)
        assert plan.earliest == fastest.finish > target
        assert f"{plan.earliest.day} {plan.earliest:%B %Y}" in plan.advice


@settings(max_examples=200, deadline=None)
@given(
    done=st.lists(
        st.tuples(days, st.integers(1, 40).map(float)), max_size=2 * MIN_PACE_ITEMS
    )
)
def test_a_pace_counts_only_on_enough_items_and_days(done):
    pace = pace_of(done)
    enough = len(done) >= MIN_PACE_ITEMS and len({d for d, _h in done}) >= MIN_PACE_DAYS
    assert pace.counts == enough
    if not enough:
        assert pace.hours_per_week == 0
    else:
        assert math.isclose(pace.hours_per_week, sum(h for _d, h in done) / 4)


def test_three_items_in_one_sitting_are_no_pace():
    today = datetime.date(2026, 12, 2)
    assert not pace_of([(today, 4.0)] * 3).counts
    assert pace_of([(today - datetime.timedelta(days=n), 4.0) for n in range(3)]).counts
