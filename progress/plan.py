"""A learner's plan for a followed role: this week's items, whether they are on
track for their target, and the finish date that gives.

Pure functions over plain values, so the rules are easy to state and to test
(docs/progress.md, "Plans"; property tests in tests/progress/test_plan.py):

- Time is counted in the learner's time zone, in whole local days; a week runs
  from Monday to Sunday there, whatever daylight saving does to its hours.
- The remaining items are taken in the order given (prerequisite order: the
  caller's job), each with its effort in hours.
- The learner works `capacity` hours a week (their goal's hours, else their own
  recent pace), spread evenly over the days from today on. Nothing is planned
  before today.
- The reviews of the role's items falling in the next 7 days (`ReviewLoad`)
  take their time out of the capacity first; the items get the rest.
- This week's items are those the capacity left in this week (today to Sunday)
  reaches, and at least the next one.
- The finish date is the day the last remaining hour is reached. Fewer hours
  left can only bring it closer: marking an item done never moves it later.
- A pace counts only when it rests on at least MIN_PACE_ITEMS items finished
  on at least MIN_PACE_DAYS different days (the learner's) in the last
  PACE_WINDOW_DAYS days (`Pace`): every finish date and pace shown anywhere
  follows this one rule.
- With a target, the plan always says what meets it: the hours a week
  (`needed_per_week`), and, when that is more than MAX_HOURS_PER_WEEK (or the
  target has passed), the earliest day those hours reach (`earliest`).
"""

from __future__ import annotations

import dataclasses
import datetime
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

DAYS_PER_WEEK = 7
# The most hours a week a goal may give, and the most a plan will ask for.
MAX_HOURS_PER_WEEK = 80
# A pace counts when it rests on this many items done on this many days.
PACE_WINDOW_DAYS = 28
MIN_PACE_ITEMS = 3
MIN_PACE_DAYS = 3
# "Ahead" means finishing at least this many days before the target.
AHEAD_MARGIN_DAYS = 7


@dataclass(frozen=True)
class Pace:
    """What a learner finished in the last PACE_WINDOW_DAYS days: how many
    items, on how many of their days, and those items' hours."""

    items: int = 0
    days: int = 0
    hours: float = 0.0

    @property
    def counts(self) -> bool:
        """Whether this pace is enough to project from: no figure comes from
        a few clicks in one sitting."""
        return self.items >= MIN_PACE_ITEMS and self.days >= MIN_PACE_DAYS

    @property
    def hours_per_week(self) -> float:
        return self.hours / PACE_WINDOW_DAYS * DAYS_PER_WEEK if self.counts else 0.0


def pace_of(done: Iterable[tuple[datetime.date, float]]) -> Pace:
    """The pace from (the learner's day it was done, its hours) for each item
    done in the window."""
    done = list(done)
    return Pace(
        items=len(done),
        days=len({day for day, _hours in done}),
        hours=sum(hours for _day, hours in done),
    )


@dataclass(frozen=True)
class PlanItem:
    key: tuple[str, int]  # ("step" | "concept", id)
    title: str
    hours: float
    slug: str = ""
    # Whose figure `hours` is: the curator's estimate ("curator"), what learners
    # took ("learners"), or, for an item with no estimate yet, its kind's
    # default ("default").
    estimate: str = "curator"

    @property
    def kind(self) -> str:
        return self.key[0]


@dataclass(frozen=True)
class Goal:
    target: datetime.date | None = None
    hours_per_week: float | None = None
    reviews: bool = True  # the role's reviews are on: their time counts

    def __post_init__(self) -> None:
        if self.hours_per_week is not None:  # a Decimal from the form or the row
            object.__setattr__(self, "hours_per_week", float(self.hours_per_week))

    @property
    def hours_label(self) -> str:
        return format_hours(self.hours_per_week) if self.hours_per_week else ""

    @property
    def is_set(self) -> bool:
        return self.target is not None or self.hours_per_week is not None


def goals_of(follows) -> dict[int, Goal]:
    """role id -> the learner's goal, for the followed roles that have one."""
    goals = {}
    for follow in follows:
        goal = Goal(follow.target_date, follow.hours_per_week, follow.reviews)
        if goal.is_set:
            goals[follow.role_id] = goal
    return goals


# A review takes this long when the learner's own reviews do not say yet.
DEFAULT_REVIEW_MINUTES = 2.0


@dataclass(frozen=True)
class ReviewLoad:
    """The reviews of a role's items falling in the next 7 days (today's within
    the daily limit), and the minutes one takes: the learner's own (`measured`)
    or DEFAULT_REVIEW_MINUTES. A plan counts their time in the week's hours."""

    count: int = 0
    minutes_each: float = DEFAULT_REVIEW_MINUTES
    measured: bool = False

    @property
    def hours(self) -> float:
        return self.count * self.minutes_each / 60

    @property
    def label(self) -> str:
        """ "12 reviews in the next 7 days, about 24 min (2 min each, a
        default)"; "" when none."""
        if not self.count:
            return ""
        each = f"{self.minutes_each:.1f}".removesuffix(".0")
        total = self.count * self.minutes_each
        if total < 60:
            about = f"{max(1, round(total))} min"
        else:
            about = f"{format_hours(round(self.hours, 1))} h"
        basis = "from your reviews" if self.measured else "a default"
        noun = "review" if self.count == 1 else "reviews"
        return (
            f"{self.count} {noun} in the next 7 days, about {about} "
            f"({each} min each, {basis})"
        )


@dataclass(frozen=True)
class Plan:
    capacity: float  # hours a week the plan assumes (0: no goal and no pace)
    capacity_from: str  # "goal", "pace" or "none"
    remaining_hours: float
    this_week: list[PlanItem] = field(default_factory=list)
    # The day each of this week's items starts (the calendar feed's events).
    days: list[datetime.date] = field(default_factory=list)
    finish: datetime.date | None = None
    status: str = "no plan"  # done, no plan, on track, ahead, behind, no target
    days_from_target: int = 0  # finish minus target: negative is ahead
    needed_per_week: float | None = None  # hours a week that meet the target
    week: tuple[datetime.date, datetime.date] | None = None  # Monday, Sunday
    target: datetime.date | None = None
    # The finish at MAX_HOURS_PER_WEEK: the earliest target that can be met.
    earliest: datetime.date | None = None
    # The remaining items with no estimate yet, counted at their kind's default.
    guessed: tuple[PlanItem, ...] = ()
    # The reviews the week's hours hold besides the items.
    review: ReviewLoad = field(default_factory=ReviewLoad)

    @property
    def guessed_note(self) -> str:
        """How many items the plan guessed, and at what: "" when none."""
        if not self.guessed:
            return ""
        hours = sorted({item.hours for item in self.guessed})
        each = _hours(hours[0])
        if len(hours) > 1:
            each = f"{_hours(hours[0])} to {_hours(hours[-1])}"
        count = len(self.guessed)
        if count == 1:
            return f"1 item has no estimate yet; counted as about {each} h."
        return f"{count} items have no estimate yet; counted as about {each} h each."

    @property
    def days_early(self) -> int:
        return max(0, -self.days_from_target)

    @property
    def days_late(self) -> int:
        return max(0, self.days_from_target)

    @property
    def target_passed(self) -> bool:
        return self.needed_per_week is not None and math.isinf(self.needed_per_week)

    @property
    def target_reachable(self) -> bool:
        """Whether some hours a week, within MAX_HOURS_PER_WEEK, meet the
        target."""
        return (
            self.needed_per_week is not None
            and self.needed_per_week <= MAX_HOURS_PER_WEEK
        )

    @property
    def advice(self) -> str:
        """What meets the target, in one sentence (empty without a target or
        with nothing left): the hours a week, else the earliest day."""
        if self.target is None or self.status == "done":
            return ""
        target = _day(self.target)
        if self.target_reachable:
            hours = _hours(self.needed_per_week)
            if self.status == "behind" and self.finish:
                return (
                    f"To finish by {target}, give about {hours} h a week, "
                    f"or move your target to {_day(self.finish)}."
                )
            return f"To finish by {target}, give about {hours} h a week."
        earliest = _day(self.earliest)
        if self.target_passed:
            return (
                f"Your target, {target}, has passed: the earliest you can finish "
                f"is {earliest}, at {MAX_HOURS_PER_WEEK} h a week. Choose a new "
                "target."
            )
        return (
            f"{target} is too close: it would take about "
            f"{_hours(self.needed_per_week)} h a week, more than "
            f"{MAX_HOURS_PER_WEEK}. The earliest you can finish is {earliest}, at "
            f"{MAX_HOURS_PER_WEEK} h a week: choose it or a later day."
        )

    @property
    def behind_hours_per_week(self) -> float:
        if self.needed_per_week is None:
            return 0.0
        return max(0.0, self.needed_per_week - self.capacity)


def format_hours(hours) -> str:
    """Hours as people write them: 7, 2.5 (no trailing zero)."""
    text = f"{float(hours):.2f}".rstrip("0").rstrip(".")
    return text or "0"


def _day(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _hours(hours: float) -> str:
    """Hours a week, rounded up to a tenth (so the figure given meets the
    target), without a trailing zero."""
    tenths = math.ceil(round(hours * 10, 6))
    return str(tenths // 10) if tenths % 10 == 0 else f"{tenths / 10:.1f}"


def finish_day(
    remaining: float, per_week: float, today: datetime.date
) -> datetime.date:
    """The day `remaining` hours are done at `per_week` hours a week, from
    today on: the plan's finish, and the projection's."""
    days = max(1, math.ceil(round(remaining / (per_week / DAYS_PER_WEEK), 9)))
    return today + datetime.timedelta(days=days - 1)


def local_today(now: datetime.datetime, zone: ZoneInfo) -> datetime.date:
    return now.astimezone(zone).date()


def week_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The Monday and Sunday of the week holding `day`."""
    monday = day - datetime.timedelta(days=day.weekday())
    return monday, monday + datetime.timedelta(days=DAYS_PER_WEEK - 1)


def week_bounds(
    now: datetime.datetime, zone: ZoneInfo
) -> tuple[datetime.datetime, datetime.datetime]:
    """This week in the learner's zone as instants (in UTC): from Monday 00:00 to
    the next Monday 00:00, local time (167 or 169 hours when the clocks change)."""
    monday, _sunday = week_of(local_today(now, zone))
    start = datetime.datetime.combine(monday, datetime.time(), zone)
    end = datetime.datetime.combine(
        monday + datetime.timedelta(days=DAYS_PER_WEEK), datetime.time(), zone
    )
    return start.astimezone(datetime.UTC), end.astimezone(datetime.UTC)


def make_plan(
    items: list[PlanItem],
    goal: Goal,
    pace_hours_per_week: float,
    today: datetime.date,
    review: ReviewLoad | None = None,
) -> Plan:
    """The plan for the remaining `items` (in order) from `today`. The time of
    the reviews (`review`: the next 7 days', held as the load of every week)
    comes out of the week's hours before the items get theirs, and a target
    needs it on top of the items' hours."""
    review = review or ReviewLoad()
    plan = _make_plan(items, goal, pace_hours_per_week, today, review.hours)
    guessed = tuple(item for item in items if item.estimate == "default")
    return dataclasses.replace(plan, guessed=guessed, review=review)


def _make_plan(
    items: list[PlanItem],
    goal: Goal,
    pace_hours_per_week: float,
    today: datetime.date,
    review_hours: float = 0.0,
) -> Plan:
    remaining = sum(item.hours for item in items)
    week = week_of(today)
    if goal.hours_per_week:
        capacity, source = float(goal.hours_per_week), "goal"
    elif pace_hours_per_week > 0:
        capacity, source = float(pace_hours_per_week), "pace"
    else:
        capacity, source = 0.0, "none"
    if not items:
        return Plan(capacity, source, 0.0, status="done", week=week, target=goal.target)
    needed = _needed(remaining, goal.target, today)
    target = {
        "target": goal.target,
        "needed_per_week": None if needed is None else needed + review_hours,
        # The items get what the most hours a week leave besides the reviews
        # (at least an hour: a week all reviews still moves).
        "earliest": finish_day(
            remaining, max(1.0, MAX_HOURS_PER_WEEK - review_hours), today
        )
        if goal.target
        else None,
    }
    plan_capacity = capacity
    capacity = max(0.0, capacity - review_hours)  # what the items get
    if capacity == 0:
        # Nothing to plan with: the next item, and what the target asks for.
        return Plan(
            plan_capacity,
            source,
            remaining,
            this_week=items[:1],
            days=[today],
            status="no plan",
            week=week,
            **target,
        )
    per_day = capacity / DAYS_PER_WEEK
    finish = finish_day(remaining, capacity, today)
    left_this_week = per_day * ((week[1] - today).days + 1)
    this_week, starts, reached = [], [], 0.0
    for item in items:
        if this_week and reached >= left_this_week:
            break
        this_week.append(item)
        offset = min(int(round(reached / per_day, 9)), (week[1] - today).days)
        starts.append(today + datetime.timedelta(days=offset))
        reached += item.hours
    if goal.target is None:
        return Plan(
            plan_capacity,
            source,
            remaining,
            this_week,
            starts,
            finish,
            "no target",
            week=week,
        )
    late = (finish - goal.target).days
    if late > 0:
        status = "behind"
    elif late <= -AHEAD_MARGIN_DAYS:
        status = "ahead"
    else:
        status = "on track"
    return Plan(
        plan_capacity,
        source,
        remaining,
        this_week,
        starts,
        finish,
        status,
        days_from_target=late,
        week=week,
        **target,
    )


def _needed(
    remaining: float, target: datetime.date | None, today: datetime.date
) -> float | None:
    """Hours a week that finish `remaining` hours by `target` (inclusive); None
    without a target, infinity once the target has passed."""
    if target is None:
        return None
    days = (target - today).days + 1
    if days <= 0:
        return math.inf
    return remaining / days * DAYS_PER_WEEK
