"""Mentees at a glance: each mentee's roles with the figures and plan their own
dashboard shows (progress/figures.py `fill`), for the mentor's hub, counted for
fifty mentees in a fixed number of queries and cached per mentee."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field, replace

from django.db.models import Count, Max, Q
from django.utils import timezone

from config import caching
from progress import plan as plan_rules
from progress import reviews
from progress.figures import (
    LEARNER_FIGURES_TIMEOUT,
    Counts,
    RoleProgress,
    fill,
    learner_entry,
    local_today,
    recent_done,
)
from progress.models import ItemProgress, ProgressEvent, RoleFollow, Status
from progress.structure import ItemKey, load_structure, role_structure
from roadmap.models import Role


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
    """Figures for many learners in a fixed number of queries (5, 4 more with
    goals, and the roles' structure from its cache), however many; each goal's
    plan as the learner's own dashboard computes it."""

    now = now or timezone.now()
    learners = list(learners)
    rows = {learner.pk: MenteeRow(learner=learner) for learner in learners}
    if not rows:
        return []
    follows = list(RoleFollow.objects.filter(learner__in=rows).shown())
    role_ids = sorted({follow.role_id for follow in follows})
    # Read from the database when the cache is the database: the cached copy
    # would cost two queries more than it saves here.
    structure = (
        load_structure(role_ids) if caching.is_database() else role_structure(role_ids)
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
    goals = {
        learner.pk: plan_rules.goals_of(follows_of[learner.pk]) for learner in learners
    }
    # Each plan holds the time of the role's reviews of the week, as on the
    # learner's own pages (four queries more, however many learners, with goals).
    loads = (
        reviews.week_loads(learners, goals, now, structure, follows) if has_goal else {}
    )
    for learner in learners:
        # The learner's own figures, computed as their pages compute them.
        by_role = {f.role_id: RoleProgress(role=f.role) for f in follows_of[learner.pk]}
        fill(
            by_role,
            structure,
            statuses[learner.pk],
            recent[learner.pk],
            local_today(learner, now),
            goals[learner.pk],
            loads.get(learner.pk, {}),
        )
        rows[learner.pk].roles = [
            MenteeRole(
                _named(progress.role), progress.overall, progress.goal, progress.plan
            )
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


def _named(role: Role) -> Role:
    """The role as a row names it (its id, slug and title): rows are cached
    fifty at a time, and the rest of a role is kilobytes of text."""
    return Role(pk=role.pk, slug=role.slug, title=role.title)


def cached_mentee_rows(learners, *, stalled_days: int, now=None) -> list[MenteeRow]:
    """`mentee_rows`, each mentee's row cached until their data or the content
    changes: two cache round trips, and the fixed queries of `mentee_rows` only
    for the mentees whose rows are not cached."""
    now = now or timezone.now()

    def compute(missing) -> dict:
        rows = mentee_rows(missing, stalled_days=stalled_days, now=now)
        return {row.learner.pk: replace(row, learner=None) for row in rows}

    learners = list(learners)
    found = cached_per_learner(learners, "mentee-row", compute, now)
    threshold = now - datetime.timedelta(days=stalled_days)
    rows = []
    for learner in learners:
        row = replace(found[learner.pk], learner=learner)
        row.stalled = row.last_active is None or row.last_active < threshold
        rows.append(row)
    return rows


def cached_per_learner(learners, name: str, compute, now=None) -> dict:
    """`compute(learners)` gives {learner's id: value}; each learner's value is
    cached under `learner_entry(learner, name)`, so the computing runs only for
    the learners whose values are not cached (`caching.cached_many`). Callers
    must not change what they get."""
    by_id = {learner.pk: learner for learner in learners}
    entries = {}
    for pk, learner in by_id.items():
        entry = learner_entry(learner, name, now)
        entries[pk] = (entry["name"], entry["depends_on"])
    return caching.cached_many(
        entries,
        lambda ids: compute([by_id[pk] for pk in ids]),
        timeout=LEARNER_FIGURES_TIMEOUT,
    )
