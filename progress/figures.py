"""Progress math, in one place: every page, the export and the mentor views use it.
`fill` computes every figure of a learner's roles (counts, continue-with, pace,
projection, plans) for `role_progress` and `mentee_rows` alike.

The rules are documented in docs/progress.md. In short:

- A role's items are its published steps (in published stages) and the published
  concepts of its skills. A concept shared by two roles is one item that counts in
  both.
- Skipped items leave the denominator: percent = done / (total - skipped), rounded
  down, so 100 % means everything not skipped is done.
- Retired (unpublished) items count nowhere, but stay in the learner's history.
- A choice group ("pick N of these") counts as N items (`count_items`): met
  once N members are done; members done beyond N show as done but raise no
  figure; plans schedule only what meets each group (`remaining_items`).
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from copy import copy
from dataclasses import dataclass, field, replace
from functools import cached_property

from django.core.cache import cache
from django.db.models import (
    CharField,
    Count,
    F,
    Max,
    OuterRef,
    Q,
    StringAgg,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Concat, TruncDate
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from config import caching
from progress import plan as plan_rules
from progress.models import ItemProgress, ProgressEvent, RoleFollow, Status
from roadmap.models import ChoiceGroup, Concept, LearningStep, Role

PACE_WINDOW_DAYS = plan_rules.PACE_WINDOW_DAYS
HEATMAP_WEEKS = 52

ItemKey = tuple[str, int]  # ("step", id) or ("concept", id)
# An item's choice group, for the items in one: item -> (group id, pick).
Groups = dict[ItemKey, tuple[int, int]]


@dataclass
class Counts:
    """A set of items by the learner's status, and their hours: what every
    figure is read from. `hours` are the counted items' (skipped ones left
    out), `hours_done` the done ones': the percentage weighs items by them."""

    total: int = 0
    done: int = 0
    learning: int = 0
    skipped: int = 0
    hours: float = 0.0
    hours_done: float = 0.0

    def add(self, status: str, hours: float) -> None:
        self.total += 1
        if status == Status.DONE:
            self.done += 1
            self.hours_done += hours
        elif status == Status.LEARNING:
            self.learning += 1
        elif status == Status.SKIPPED:
            self.skipped += 1
        if status != Status.SKIPPED:
            self.hours += hours

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.total + other.total,
            self.done + other.done,
            self.learning + other.learning,
            self.skipped + other.skipped,
            self.hours + other.hours,
            self.hours_done + other.hours_done,
        )

    @property
    def not_started(self) -> int:
        return self.total - self.done - self.learning - self.skipped

    @property
    def counted(self) -> int:
        """Items that count toward the percentage: all but the skipped ones."""
        return self.total - self.skipped

    @property
    def remaining(self) -> int:
        return self.counted - self.done

    @property
    def hours_left(self) -> float:
        """The hours of the counted items not done: the plan's hours left."""
        return max(0.0, self.hours - self.hours_done)

    @property
    def percent(self) -> int:
        """The share of the counted items' hours that is done, rounded down:
        100 only once every counted item is done."""
        if self.counted == 0:
            return 100 if self.total else 0
        if self.done == self.counted:
            return 100
        if self.hours <= 0:  # counted without hours: by items
            return math.floor(100 * self.done / self.counted)
        return min(99, math.floor(round(100 * self.hours_done / self.hours, 6)))

    def as_dict(self) -> dict:
        return {
            "total": self.total,
            "done": self.done,
            "learning": self.learning,
            "skipped": self.skipped,
            "not_started": self.not_started,
            "percent": self.percent,
            "hours": round(self.hours, 2),
            "hours_done": round(self.hours_done, 2),
        }


def count_items(
    keys: Iterable[ItemKey],
    statuses: dict[ItemKey, str],
    groups: Groups,
    hours: Mapping[ItemKey, float] | None = None,
) -> Counts:
    """The counting rule, for every figure: each item by the learner's status,
    weighed by its `hours` (what plans count: `_hours_of`), except that the
    members of a choice group (`groups`) count together as the group's `pick`
    items (`group_choice`). `keys` come in their skill's or stage's order,
    which decides the members a group counts while it is unmet. Without
    `hours`, the counts alone (a stage's summary says how many, not a share)."""
    hours = hours if hours is not None else defaultdict(float)
    counts = Counts()
    members: dict[tuple[int, int], list[ItemKey]] = defaultdict(list)
    for key in keys:
        if key in groups:
            members[groups[key]].append(key)
        else:
            counts.add(statuses.get(key, Status.NOT_STARTED), hours[key])
    for (_group, pick), group_keys in members.items():
        done, chosen, skipped = group_choice(pick, group_keys, statuses)
        for key in (*done, *chosen):
            counts.add(statuses.get(key, Status.NOT_STARTED), hours[key])
        counts.total += skipped
        counts.skipped += skipped
    return counts


def group_choice(
    pick: int, keys: list[ItemKey], statuses: dict[ItemKey, str]
) -> tuple[list[ItemKey], list[ItemKey], int]:
    """What a group of `pick` among its members (`keys`, in order) counts as:
    the members done, up to `pick`; the members still needed to meet it (the
    ones the learner is learning first, then in order; none once it is met);
    and how many of its `pick` places are skipped, because too few members are
    left to fill them (skip all eight languages and the group leaves the
    denominator; skip seven, and the eighth is needed)."""
    size = min(pick, len(keys))
    done = [key for key in keys if statuses.get(key) == Status.DONE][:size]
    open_keys = [
        key
        for key in keys
        if statuses.get(key, Status.NOT_STARTED) not in (Status.DONE, Status.SKIPPED)
    ]
    open_keys.sort(key=lambda key: statuses.get(key) != Status.LEARNING)
    chosen = open_keys[: size - len(done)]
    return done, chosen, size - len(done) - len(chosen)


def skill_counts(
    concepts: Iterable[tuple[int, float]],
    statuses: dict[ItemKey, str],
    groups: Groups | None = None,
) -> Counts:
    """A skill's figures: its published concepts ((id, hours) pairs, in the
    skill's order) by the learner's status, its choice groups counted as
    `count_items` counts them. The skill page and the mentor's skills matrix
    both count with it."""
    hours = {("concept", pk): concept_hours for pk, concept_hours in concepts}
    return count_items(hours, statuses, groups or {}, hours)


def concept_hours(rows: Iterable[tuple]) -> list[tuple[int, float]]:
    """(id, hours) pairs for `skill_counts` from (id, *CONCEPT_HOUR_COLUMNS)
    rows of a concept query."""
    return [(pk, Concept.planned_hours_of(*columns)) for pk, *columns in rows]


def concept_groups(rows: Iterable[tuple[int, int | None, int | None]]) -> Groups:
    """`Groups` from (concept id, group id, pick) rows: a concept query's
    `values_list("pk", *GROUP_COLUMNS)`, so counting needs no query more."""
    return {
        ("concept", pk): (group, pick) for pk, group, pick in rows if group is not None
    }


GROUP_COLUMNS = ("choice_groups", "choice_groups__pick")


def skill_groups_column() -> Subquery:
    """A skill's choice groups as a column of the skill's own row, "group:pick:
    concept" for each member: the skill page counts with them (`skill_groups`)
    without a query more."""
    member = Concat(
        Cast("choicegroup_id", CharField()),
        Value(":"),
        Cast("choicegroup__pick", CharField()),
        Value(":"),
        Cast("concept_id", CharField()),
    )
    return Subquery(
        ChoiceGroup.concepts.through.objects.filter(choicegroup__skill=OuterRef("pk"))
        .order_by()
        .values("choicegroup__skill")
        .annotate(members=StringAgg(member, delimiter=Value(",")))
        .values("members")
    )


def skill_groups(skill) -> Groups:
    """`Groups` of a skill fetched with `skill_groups_column()` as
    `choice_members`."""
    groups: Groups = {}
    text = getattr(skill, "choice_members", None) or ""
    for entry in filter(None, text.split(",")):
        group, pick, concept = map(int, entry.split(":"))
        groups[("concept", concept)] = (group, pick)
    return groups


@dataclass
class Projection:
    """When the learner will finish a role at their pace of the last four weeks."""

    finish: datetime.date | None = None
    per_week: float = 0.0  # hours a week
    message: str = ""


@dataclass
class RoleProgress:
    role: Role
    steps: Counts = field(default_factory=Counts)
    concepts: Counts = field(default_factory=Counts)
    # The first item of the plan's order (a step or a concept), and the first
    # step of it (the one the path's map and the role page open at).
    continue_with: LearningStep | Concept | None = None
    next_step: LearningStep | None = None
    projection: Projection = field(default_factory=Projection)
    pace: plan_rules.Pace = field(default_factory=plan_rules.Pace)
    plan: plan_rules.Plan | None = None  # only where a goal is given
    goal: plan_rules.Goal | None = None
    # The choice groups the figures counted (the structure's, shared: read only).
    groups: Groups = field(default_factory=dict, repr=False)

    @property
    def overall(self) -> Counts:
        return self.steps + self.concepts

    @property
    def continue_kind(self) -> str:
        """ "step" or "concept": what `continue_with` is, for its links."""
        return "concept" if isinstance(self.continue_with, Concept) else "step"

    def as_dict(self) -> dict:
        return {
            "role": self.role.slug,
            "title": self.role.title,
            "overall": self.overall.as_dict(),
            "steps": self.steps.as_dict(),
            "concepts": self.concepts.as_dict(),
            "continue_with": self.continue_with.slug if self.continue_with else None,
            "projected_finish": self.projection.finish.isoformat()
            if self.projection.finish
            else None,
            "plan": self.plan_dict(),
        }

    def plan_dict(self) -> dict | None:
        """The plan from the learner's goal, with the effort each item counts."""
        plan = self.plan
        if plan is None:
            return None
        return {
            "status": plan.status,
            "finish": plan.finish.isoformat() if plan.finish else None,
            "hours_per_week": plan.capacity,
            "hours_from": plan.capacity_from,
            "remaining_hours": plan.remaining_hours,
            "this_week": [
                {
                    "kind": item.kind,
                    "slug": item.slug,
                    "hours": item.hours,
                    "estimate": item.estimate,
                }
                for item in plan.this_week
            ],
        }


# --- Cached figures ------------------------------------------------------------------
#
# A learner's figures change only when their own data does, when the content does,
# or when their day changes. They are cached under the generations of both
# (config/caching.py) and the learner's date, so a page view reads them back
# instead of recounting.

LEARNER_FIGURES_TIMEOUT = 10 * 60  # the pace window slides: recount now and then


def learner_entry(learner, name: str, now: datetime.datetime | None = None) -> dict:
    """Where a learner's cached figures (or a page part made from them) live:
    the arguments of `caching.cached` and `caching.cached_parts`, dated by the
    learner's own day (the one helper every cache of their figures uses)."""
    day = local_today(learner, now).isoformat()
    return {
        "name": f"figures:{learner.pk}:{name}:{day}",
        "depends_on": [("learner", learner.pk), caching.CONTENT],
        "timeout": LEARNER_FIGURES_TIMEOUT,
    }


def cached_for_learner(learner, name: str, compute):
    """`compute()`, cached for this learner until their data or the content
    changes (or the day does, in their time zone)."""
    return caching.cached(compute=compute, **learner_entry(learner, name))


def statuses_for(learner) -> dict[ItemKey, str]:
    """Every status the learner has set, keyed by item, in one query."""
    result: dict[ItemKey, str] = {}
    rows = ItemProgress.objects.filter(learner=learner).values_list(
        "step_id", "concept_id", "status"
    )
    for step_id, concept_id, status in rows:
        key = ("step", step_id) if step_id else ("concept", concept_id)
        result[key] = status
    return result


def local_today(learner, now: datetime.datetime | None = None) -> datetime.date:
    return (now or timezone.now()).astimezone(learner.zone).date()


def role_progress(
    learner,
    roles: Iterable[Role],
    *,
    statuses: dict[ItemKey, str] | None = None,
    now: datetime.datetime | None = None,
    goals: dict[int, plan_rules.Goal] | None = None,
) -> list[RoleProgress]:
    """Figures for each role, in a fixed number of queries however many roles:
    the learner's statuses (unless given) and two for the pace; the roles'
    structure comes from the cache (`role_structure`). With `goals` (role id ->
    the learner's goal), each of those roles gets its plan too."""
    roles = list(roles)
    if not roles:
        return []
    now = now or timezone.now()
    statuses = statuses_for(learner) if statuses is None else statuses
    by_role = {role.pk: RoleProgress(role=role) for role in roles}
    structure = role_structure(by_role)
    recent = recent_done([learner], now)[learner.pk]
    fill(by_role, structure, statuses, recent, local_today(learner, now), goals)
    return [by_role[role.pk] for role in roles]


def fill(
    by_role: dict[int, RoleProgress],
    structure: RoleStructure,
    statuses: dict[ItemKey, str],
    recent: dict[ItemKey, datetime.date],
    today: datetime.date,
    goals: dict[int, plan_rules.Goal] | None = None,
) -> None:
    """Every figure of a learner's roles, for every page, the mentor's rows,
    the email and the calendar: the counts, what to continue with, the pace
    and projection, and each goal's plan. No query: the statuses, the items
    done recently (`recent_done`) and the structure are given."""
    role_steps: dict[int, list[ItemKey]] = defaultdict(list)
    role_concepts: dict[int, list[ItemKey]] = defaultdict(list)
    for step in structure.steps:
        role_steps[step.role_id].append(("step", step.pk))
    for concept_id, role_id, *_info in structure.concepts:
        role_concepts[role_id].append(("concept", concept_id))
    hours_of = _hours_of(structure)
    steps = {step.pk: step for step in structure.steps}
    role_items: dict[int, set[ItemKey]] = {}
    for role_id, progress in by_role.items():
        groups = progress.groups = structure.groups
        progress.steps = count_items(role_steps[role_id], statuses, groups, hours_of)
        progress.concepts = count_items(
            role_concepts[role_id], statuses, groups, hours_of
        )
        role_items[role_id] = {*role_steps[role_id], *role_concepts[role_id]}
        order = remaining_items(role_id, structure, statuses)
        _continue_with(progress, order, steps)
        progress.pace = plan_rules.pace_of(
            (day, hours_of.get(key, 0.0))
            for key, day in recent.items()
            if key in role_items[role_id] and statuses.get(key) == Status.DONE
        )
        progress.projection = _projection(progress.overall, progress.pace, today)
        goal = (goals or {}).get(role_id)
        if goal is not None:
            progress.goal = goal
            progress.plan = plan_rules.make_plan(
                order,
                goal,
                progress.pace.hours_per_week,
                today,
            )


def recent_done(learners, now: datetime.datetime) -> dict[int, dict]:
    """learner id -> {item: the learner's day it was last marked done} for the
    items marked done in the last PACE_WINDOW_DAYS days, in one query."""
    learners = list(learners)
    zones = {learner.pk: learner.zone for learner in learners}
    since = now - datetime.timedelta(days=PACE_WINDOW_DAYS)
    events = ProgressEvent.objects.filter(to_status=Status.DONE, created_at__gte=since)
    if len(learners) == 1:
        events = events.filter(learner=learners[0])
    else:
        events = events.filter(learner__in=learners)
    result: dict[int, dict] = {learner.pk: {} for learner in learners}
    # One row per item however many times it was clicked.
    for learner_id, step_id, concept_id, at in (
        events.order_by()
        .values("learner_id", "step_id", "concept_id")
        .annotate(last=Max("created_at"))
        .values_list("learner_id", "step_id", "concept_id", "last")
    ):
        key = ("step", step_id) if step_id else ("concept", concept_id)
        result[learner_id][key] = at.astimezone(zones[learner_id]).date()
    return result


def _projection(
    overall: Counts, pace: plan_rules.Pace, today: datetime.date
) -> Projection:
    """When the role's hours left (`Counts.hours_left`, the plan's) are done at
    the pace's hours a week: the day a plan at that pace finishes too."""
    if overall.remaining == 0 and overall.total:
        return Projection(message="Complete: nothing left to do.")
    if not pace.counts:
        return Projection(
            message="Not enough history yet to project a finish date: finish "
            f"at least {plan_rules.MIN_PACE_ITEMS} items of this role on "
            f"{plan_rules.MIN_PACE_DAYS} different days.",
        )
    per_week = pace.hours_per_week
    return Projection(
        finish=plan_rules.finish_day(overall.hours_left, per_week, today),
        per_week=per_week,
        message=f"At your pace of the last four weeks "
        f"({plan_rules.format_hours(round(per_week, 1))} h a week).",
    )


@dataclass
class RoleStructure:
    """What the figures need of some roles' content: published steps in path order
    (each with its `role_id`), (concept id, role id) pairs, and each step's
    published prerequisites. The same for every learner, so it is cached until
    the content changes."""

    steps: list[LearningStep]
    concepts: list[tuple[int, int, str, float, str]]  # id, role, name, hours, slug
    prerequisites: dict[int, list[int]]
    step_concepts: dict[int, list[int]] = field(default_factory=dict)
    # The items whose hours are what learners took (progress/timings.py).
    measured: set[ItemKey] = field(default_factory=set)
    # Each published member of a choice group: its group and the group's pick.
    groups: Groups = field(default_factory=dict)
    # The items with no estimate of Waymark's: plans count their kind's default.
    guessed: set[ItemKey] = field(default_factory=set)


def role_structure(role_ids: Iterable[int]) -> RoleStructure:
    role_ids = sorted(set(role_ids))
    return caching.cached(
        "figures:structure:groups:{}".format("-".join(map(str, role_ids))),
        lambda: _load_structure(role_ids),
        depends_on=[caching.CONTENT],
        timeout=caching.DAY,
        in_process=True,  # read on every status change: unpickled once
    )


def _load_structure(role_ids: list[int]) -> RoleStructure:
    steps = list(
        LearningStep.objects.published()
        .filter(stage__role__in=role_ids)
        .annotate(
            role_id=F("stage__role_id"),
            # An item is in one group at most (the loader and the admin check).
            group_id=F(GROUP_COLUMNS[0]),
            group_pick=F(GROUP_COLUMNS[1]),
        )
        .order_by("stage__position", "stage_id", "position", "id")
    )
    # A retired prerequisite no longer blocks anything.
    through = LearningStep.prerequisites.through.objects.filter(
        from_learningstep__in=[step.pk for step in steps],
        to_learningstep__in=LearningStep.objects.published(),
    ).values_list("from_learningstep_id", "to_learningstep_id")
    prerequisites: dict[int, list[int]] = defaultdict(list)
    for step_id, prerequisite_id in through:
        prerequisites[step_id].append(prerequisite_id)
    step_concepts: dict[int, list[int]] = defaultdict(list)
    for step_id, concept_id in (
        LearningStep.concepts.through.objects.filter(
            learningstep__in=[step.pk for step in steps]
        )
        # In each skill's order, the same on every database.
        .order_by("learningstep_id", "concept__position", "concept_id")
        .values_list("learningstep_id", "concept_id")
    ):
        step_concepts[step_id].append(concept_id)
    concepts = _role_concepts(role_ids)
    measured = {("step", step.pk) for step in steps if step.learner_hours}
    measured.update(("concept", row[0]) for row in concepts if row[5])
    groups = concept_groups((row[0], *row[6:8]) for row in concepts)
    guessed = {("step", step.pk) for step in steps if not step.effort_is_estimated}
    guessed.update(("concept", row[0]) for row in concepts if row[8])
    groups.update(
        (("step", step.pk), (step.group_id, step.group_pick))
        for step in steps
        if step.group_id is not None
    )
    return RoleStructure(
        steps=steps,
        concepts=[row[:5] for row in concepts],
        measured=measured,
        groups=groups,
        guessed=guessed,
        prerequisites=dict(prerequisites),
        step_concepts=dict(step_concepts),
    )


def _role_concepts(role_ids) -> list[tuple]:
    """(concept id, role id, name, hours, slug, measured, group id, pick,
    guessed) for the published concepts of each role's skills, in the skills'
    order: the hours learners took once measured (`measured`), else the
    estimate, else the kind's default (`guessed`); the choice group the concept
    belongs to, if any."""
    rows = (
        Concept.objects.published()
        .filter(skill__role_skills__role__in=role_ids)
        .values_list(
            "pk",
            "skill__role_skills__role_id",
            "name",
            "kind",
            "effort_hours",
            "learner_hours",
            "slug",
            *GROUP_COLUMNS,
            "skill__role_skills__position",
            "position",
        )
        .distinct()
        .order_by("skill__role_skills__position", "position", "pk")
    )
    return [
        (
            pk,
            role_id,
            name,
            Concept.planned_hours_of(kind, hours, learner_hours),
            slug,
            bool(learner_hours),
            group,
            pick,
            hours is None,
        )
        for pk, role_id, name, kind, hours, learner_hours, slug, group, pick, *_ in rows
    ]


def _continue_with(progress: RoleProgress, order, steps) -> None:
    """What to continue with: the first item of the plan's order
    (`remaining_items`), so "Continue with" and "This week" name the same
    item; and the first step of that order."""
    for item in order:
        if item.kind == "step":
            # A copy: the structure is shared by every request in the process,
            # and the pages annotate this step with the learner's status.
            step = copy(steps[item.key[1]])
            progress.next_step = step
            if progress.continue_with is None:
                progress.continue_with = step
            return
        if progress.continue_with is None:
            progress.continue_with = Concept(
                pk=item.key[1], name=item.title, slug=item.slug, is_published=True
            )


# --- Activity: streaks and the heatmap ------------------------------------------


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


def activity(learner, now: datetime.datetime | None = None) -> Activity:
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


# --- Mentees at a glance ------------------------------------------------------------


@dataclass
class MenteeRole:
    """A mentee's followed role: its counts, and their goal and plan if any."""

    role: Role
    counts: Counts
    goal: plan_rules.Goal | None = None
    plan: plan_rules.Plan | None = None

    def __iter__(self):  # (role, counts), as the rows were before goals
        return iter((self.role, self.counts))


@dataclass
class MenteeRow:
    """One line of a mentor's table: the same figures the learner sees."""

    learner: object
    roles: list[MenteeRole] = field(default_factory=list)
    finished_7_days: int = 0
    finished_30_days: int = 0
    last_active: datetime.datetime | None = None
    stalled: bool = False


def mentee_rows(learners, *, stalled_days: int, now=None) -> list[MenteeRow]:
    """Figures for many learners in a fixed number of queries (5, and the roles'
    structure from its cache), however many; each goal's plan as the learner's
    own dashboard computes it."""

    now = now or timezone.now()
    learners = list(learners)
    rows = {learner.pk: MenteeRow(learner=learner) for learner in learners}
    if not rows:
        return []
    follows = list(RoleFollow.objects.filter(learner__in=rows).shown())
    role_ids = sorted({follow.role_id for follow in follows})
    # The database cache would cost two queries more than it saves here.
    structure = (
        _load_structure(role_ids) if caching.is_database() else role_structure(role_ids)
    )
    statuses: dict[int, dict[ItemKey, str]] = defaultdict(dict)
    for learner_id, step_id, concept_id, status in ItemProgress.objects.filter(
        learner__in=rows
    ).values_list("learner_id", "step_id", "concept_id", "status"):
        key = ("step", step_id) if step_id else ("concept", concept_id)
        statuses[learner_id][key] = status

    # The rows show no projection: the pace is read only for the plans.
    has_goal = any(follow.target_date or follow.hours_per_week for follow in follows)
    recent = recent_done(learners, now) if has_goal else defaultdict(dict)
    follows_of: dict[int, list] = defaultdict(list)
    for follow in follows:
        follows_of[follow.learner_id].append(follow)
    for learner in learners:
        # The learner's own figures, computed as their pages compute them.
        by_role = {f.role_id: RoleProgress(role=f.role) for f in follows_of[learner.pk]}
        fill(
            by_role,
            structure,
            statuses[learner.pk],
            recent[learner.pk],
            local_today(learner, now),
            plan_rules.goals_of(follows_of[learner.pk]),
        )
        rows[learner.pk].roles = [
            MenteeRole(progress.role, progress.overall, progress.goal, progress.plan)
            for progress in by_role.values()
        ]

    week, month = now - datetime.timedelta(days=7), now - datetime.timedelta(days=30)
    done = Q(to_status=Status.DONE)
    activity_rows = (
        ProgressEvent.objects.filter(learner__in=rows)
        .values("learner")
        .annotate(
            last=Max("created_at"),
            steps_7=Count("step", distinct=True, filter=done & Q(created_at__gte=week)),
            concepts_7=Count(
                "concept", distinct=True, filter=done & Q(created_at__gte=week)
            ),
            steps_30=Count(
                "step", distinct=True, filter=done & Q(created_at__gte=month)
            ),
            concepts_30=Count(
                "concept", distinct=True, filter=done & Q(created_at__gte=month)
            ),
        )
    )
    for entry in activity_rows:
        row = rows[entry["learner"]]
        row.last_active = entry["last"]
        row.finished_7_days = entry["steps_7"] + entry["concepts_7"]
        row.finished_30_days = entry["steps_30"] + entry["concepts_30"]
    threshold = now - datetime.timedelta(days=stalled_days)
    for row in rows.values():
        row.stalled = row.last_active is None or row.last_active < threshold
    return [rows[learner.pk] for learner in learners]


def cached_mentee_rows(learners, *, stalled_days: int, now=None) -> list[MenteeRow]:
    """`mentee_rows`, each mentee's row cached until their data or the content
    changes: two cache round trips, and the fixed queries of `mentee_rows` only
    for the mentees whose rows are not cached."""
    learners = list(learners)
    if not learners or caching.is_database():
        # The database cache writes one row per key: caching fifty rows would
        # cost more queries than counting them.
        return mentee_rows(learners, stalled_days=stalled_days, now=now)
    now = now or timezone.now()
    entries = {
        learner.pk: learner_entry(learner, "mentee-row", now) for learner in learners
    }
    keys = caching.keys(
        {pk: (entry["name"], entry["depends_on"]) for pk, entry in entries.items()}
    )
    cached = cache.get_many(keys.values())
    missing = [learner for learner in learners if keys[learner.pk] not in cached]
    fresh = {
        row.learner.pk: row
        for row in mentee_rows(missing, stalled_days=stalled_days, now=now)
    }
    if fresh:
        cache.set_many(
            {keys[pk]: replace(row, learner=None) for pk, row in fresh.items()},
            LEARNER_FIGURES_TIMEOUT,
        )
    threshold = now - datetime.timedelta(days=stalled_days)
    rows = []
    for learner in learners:
        row = fresh.get(learner.pk) or replace(cached[keys[learner.pk]])
        row.learner = learner
        row.stalled = row.last_active is None or row.last_active < threshold
        rows.append(row)
    return rows


# --- Plans ------------------------------------------------------------------------


def _hours_of(structure: RoleStructure) -> dict[ItemKey, float]:
    """Each item's hours as plans count them (what learners took, else the
    estimate)."""
    hours_of = {("step", step.pk): step.planned_hours for step in structure.steps}
    hours_of.update(
        {
            ("concept", pk): hours
            for pk, _role, _name, hours, _slug in structure.concepts
        }
    )
    return hours_of


def remaining_items(role_id, structure, statuses) -> list[plan_rules.PlanItem]:
    """A role's items not done or skipped, in path order: each step after its
    prerequisites, followed by the concepts it covers not yet listed; then the
    role's other concepts, in the skills' order. Of a choice group, only what
    still meets it (`_meeting_groups`)."""
    concepts = {
        pk: (name, hours, slug)
        for pk, concept_role, name, hours, slug in structure.concepts
        if concept_role == role_id
    }
    ordered: list[tuple[ItemKey, str, float, str]] = []
    for step in _in_prerequisite_order(
        [s for s in structure.steps if s.role_id == role_id], structure
    ):
        ordered.append((("step", step.pk), step.title, step.planned_hours, step.slug))
        for pk in structure.step_concepts.get(step.pk, ()):
            if pk in concepts:
                ordered.append((("concept", pk), *concepts[pk]))
    ordered.extend((("concept", pk), *info) for pk, info in concepts.items())
    # A group's members in their stage's or skill's order, as the figures
    # count them (`count_items`).
    in_order = [("step", s.pk) for s in structure.steps if s.role_id == role_id]
    in_order.extend(("concept", pk) for pk in concepts)
    scheduled = _meeting_groups(in_order, structure, statuses)
    items, seen = [], set()
    for key, title, hours, slug in ordered:
        if key not in seen and key in scheduled:
            estimate = "learners" if key in structure.measured else "curator"
            if estimate == "curator" and key in structure.guessed:
                estimate = "default"  # no estimate: the kind's default
            items.append(plan_rules.PlanItem(key, title, float(hours), slug, estimate))
        seen.add(key)
    return items


def _meeting_groups(keys: list[ItemKey], structure, statuses) -> set[ItemKey]:
    """Of a role's items (`keys`, in their stages' and skills' order), those
    left to do: the ones not done or skipped, and of each choice group only
    the members it still needs (`group_choice`: none once it is met, its other
    members being optional)."""
    finished = {Status.DONE, Status.SKIPPED}
    members: dict[tuple[int, int], list[ItemKey]] = defaultdict(list)
    scheduled = set()
    for key in dict.fromkeys(keys):
        if key in structure.groups:
            members[structure.groups[key]].append(key)
        elif statuses.get(key) not in finished:
            scheduled.add(key)
    for (_group, pick), group_keys in members.items():
        _done, chosen, _skipped = group_choice(pick, group_keys, statuses)
        scheduled.update(chosen)
    return scheduled


def _in_prerequisite_order(steps, structure) -> list:
    """The steps in path order, each after its prerequisites (a prerequisite in
    another role, or retired, does not hold a step back)."""
    by_pk = {step.pk: step for step in steps}
    ordered, seen = [], set()

    def visit(step, trail=()):
        if step.pk in seen or step.pk in trail:
            return
        for pk in structure.prerequisites.get(step.pk, ()):
            if pk in by_pk:
                visit(by_pk[pk], (*trail, step.pk))
        seen.add(step.pk)
        ordered.append(step)

    for step in steps:
        visit(step)
    return ordered
