"""A learner's activity: status changes per day in their time zone, their
streaks and the 52-week heatmap of the dashboard and the mentee pages."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import cached_property

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from progress.figures import local_today
from progress.models import ProgressEvent

HEATMAP_WEEKS = 52


HEATMAP_CELL = 12  # SVG units per day square, gap included


@dataclass
class HeatmapCell:
    day: datetime.date
    count: int
    level: int
    in_range: bool
    x: int = 0
    y: int = 0


@dataclass
class Activity:
    today: datetime.date
    by_day: dict[datetime.date, int]
    current_streak: int
    longest_streak: int
    weeks: list[list[HeatmapCell]]
    total_in_range: int
    active_days_in_range: int

    @property
    def width(self) -> int:
        return len(self.weeks) * HEATMAP_CELL

    @property
    def height(self) -> int:
        return 7 * HEATMAP_CELL

    @cached_property
    def svg_cells(self) -> SafeString:
        """The calendar's squares: 365 of them, built here rather than by a
        template loop, which took most of the dashboard's time."""
        return mark_safe(  # noqa: S308 - integers and formatted dates only
            "".join(
                f'<rect x="{cell.x}" y="{cell.y}" width="10" height="10" rx="2" '
                f'class="heat heat--{int(cell.level)}"><title>{int(cell.count)} '
                f"change{'' if cell.count == 1 else 's'} on "
                f"{cell.day:%a} {cell.day.day} {cell.day:%b %Y}</title></rect>"
                for week in self.weeks
                for cell in week
                if cell.in_range
            )
        )

    def shown(self) -> ActivityShown:
        """What the pages show of it, computed: small to keep in a cache."""
        return ActivityShown(
            current_streak=self.current_streak,
            longest_streak=self.longest_streak,
            total_in_range=self.total_in_range,
            active_days_in_range=self.active_days_in_range,
            width=self.width,
            height=self.height,
            svg_cells=self.svg_cells,
            months=self.months,
        )

    @property
    def months(self) -> list[tuple[str, int, int]]:
        """(month label, changes, active days) for the heatmap's text alternative."""
        summary: dict[tuple[int, int], list[int]] = {}
        for week in self.weeks:
            for cell in week:
                if not cell.in_range:
                    continue
                entry = summary.setdefault((cell.day.year, cell.day.month), [0, 0])
                entry[0] += cell.count
                entry[1] += 1 if cell.count else 0
        return [
            (datetime.date(year, month, 1).strftime("%B %Y"), changes, days)
            for (year, month), (changes, days) in summary.items()
        ]


@dataclass(frozen=True)
class ActivityShown:
    """A learner's activity as the heatmap and the streaks show it."""

    current_streak: int
    longest_streak: int
    total_in_range: int
    active_days_in_range: int
    width: int
    height: int
    svg_cells: SafeString
    months: list[tuple[str, int, int]]


def _level(count: int) -> int:
    if count == 0:
        return 0
    if count <= 2:
        return 1
    if count <= 5:
        return 2
    if count <= 9:
        return 3
    return 4


def learner_activity(learner, now: datetime.datetime | None = None) -> Activity:
    """Status changes per day in the learner's time zone, with streaks (1 query)."""
    now = now or timezone.now()
    zone = learner.zone
    rows = (
        ProgressEvent.objects.filter(learner=learner)
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .values("day")
        .annotate(changes=Count("id"))
        .values_list("day", "changes")
    )
    by_day = dict(rows)
    today = local_today(learner, now)

    longest = run = 0
    previous: datetime.date | None = None
    for day in sorted(by_day):
        run = run + 1 if previous and (day - previous).days == 1 else 1
        longest = max(longest, run)
        previous = day
    current = 0
    day = today if today in by_day else today - datetime.timedelta(days=1)
    while day in by_day:
        current += 1
        day -= datetime.timedelta(days=1)

    first_day = today - datetime.timedelta(days=HEATMAP_WEEKS * 7 - 1)
    start = first_day - datetime.timedelta(days=first_day.weekday())  # a Monday
    weeks: list[list[HeatmapCell]] = []
    day = start
    total = active = 0
    while day <= today:
        week = []
        for weekday in range(7):
            count = by_day.get(day, 0)
            in_range = first_day <= day <= today
            if in_range:
                total += count
                active += 1 if count else 0
            week.append(
                HeatmapCell(
                    day,
                    count,
                    _level(count),
                    in_range,
                    x=len(weeks) * HEATMAP_CELL,
                    y=weekday * HEATMAP_CELL,
                )
            )
            day += datetime.timedelta(days=1)
        weeks.append(week)
    return Activity(
        today=today,
        by_day=by_day,
        current_streak=current,
        longest_streak=longest,
        weeks=weeks,
        total_in_range=total,
        active_days_in_range=active,
    )
