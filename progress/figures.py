"""Progress math, in one place: every page, the export and the mentor views use it.
`fill` computes every figure of a learner's roles (counts, continue-with, pace,
projection, plans) for `role_progress` and `progress.mentees.mentee_rows` alike,
from the content read by `progress.structure.role_structure`. (A learner's
streaks and heatmap are `progress.activity`.)

The rules are documented in docs/progress.md. In short:

- A role's items are its published steps (in published stages) and the published
  concepts of its skills. A concept shared by two roles is one item that counts in
  both.
- A percentage is the share of the counted hours done (each item weighed by the
  hours its plan counts), rounded down; skipped items leave the count, so 100 %
  means everything not skipped is done.
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
from dataclasses import dataclass, field

from django.db.models import (
    Max,
)
from django.template.defaultfilters import floatformat
from django.utils import timezone

from config import caching
from progress import plan as plan_rules
from progress import reviews
from progress.models import ItemProgress, ProgressEvent, Status
from progress.structure import Groups, ItemKey, RoleStructure, role_structure
from roadmap.models import Concept, LearningStep, Role

PACE_WINDOW_DAYS = plan_rules.PACE_WINDOW_DAYS


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
    """Where a learner's cached figures live: the arguments of
    `caching.cached`, dated by the learner's own day (the one helper every
    cache of their figures uses)."""
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
    the learner's goal), each of those roles gets its plan too, with the time
    its reviews take this week (`reviews.week_load`: five queries more)."""
    roles = list(roles)
    if not roles:
        return []
    now = now or timezone.now()
    statuses = statuses_for(learner) if statuses is None else statuses
    by_role = {role.pk: RoleProgress(role=role) for role in roles}
    structure = role_structure(by_role)
    recent = recent_done([learner], now)[learner.pk]
    load = reviews.week_load(learner, goals, now) if goals else {}
    fill(by_role, structure, statuses, recent, local_today(learner, now), goals, load)
    return [by_role[role.pk] for role in roles]


def fill(
    by_role: dict[int, RoleProgress],
    structure: RoleStructure,
    statuses: dict[ItemKey, str],
    recent: dict[ItemKey, datetime.date],
    today: datetime.date,
    goals: dict[int, plan_rules.Goal] | None = None,
    review_load: dict[int, plan_rules.ReviewLoad] | None = None,
) -> None:
    """Every figure of a learner's roles, for every page, the mentor's rows,
    the email and the calendar: the counts, what to continue with, the pace
    and projection, and each goal's plan (its reviews' time from `review_load`,
    role id -> load). No query: the statuses, the items done recently
    (`recent_done`) and the structure are given."""
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
                (review_load or {}).get(role_id),
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
        # Rounded as the plan beside it rounds its hours (`floatformat`).
        f"({floatformat(per_week, -1)} h a week).",
    )


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
