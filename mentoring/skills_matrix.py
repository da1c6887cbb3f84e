"""The mentor's skills matrix: mentees by skill, each cell the learner's own
rating, the mentor's endorsement and the share of the skill done (its concepts
weighed by their hours, `progress.figures.Counts.percent`) with how many of
its done concepts are fading (still done).

Only active mentorships (the hub's mentees), only published roles, skills and
concepts; a fixed number of queries however many mentees or skills
(tests/mentoring/test_skills_matrix.py). The skills are those of the roles the
mentees follow, or of one role (`role`), in each role's order.

What a cell shows of the mentee (their rating, their share done) is data,
cached per mentee as the hub's rows are; the page is rendered from it on every
request, and the mentor's endorsements are read afresh.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from typing import NamedTuple

from django.utils import timezone

from config.spreadsheet import SafeWriter
from mentoring.models import Endorsement
from mentoring.review_health import ReviewHealth, cached_review_health, fading_concepts
from progress.figures import concept_hours, skill_counts
from progress.mentees import cached_per_learner
from progress.models import ItemProgress, Level, SelfAssessment, Status
from progress.structure import GROUP_COLUMNS, concept_groups
from roadmap.models import CONCEPT_HOUR_COLUMNS, Concept, Role, RoleSkill

LEVELS = dict(Level.choices)


class Cell(NamedTuple):
    """A tuple, made a thousand times a page: cheaper to make than a frozen
    dataclass, and as immutable and hashable."""

    rated: int | None = None  # the learner's latest self-rating
    endorsed: int | None = None  # this mentor's latest endorsement
    # The share of the skill done, the learner's own figure (skipped concepts
    # left out, rounded down: `progress.figures.Counts.percent`); none when the
    # skill has no concepts.
    percent: int | None = None
    # How many of the skill's done concepts are fading: their predicted recall
    # is below the learner's target (`progress.reviews.fading`); still done.
    fading: int = 0

    @property
    def rated_label(self) -> str:
        return LEVELS.get(self.rated, "")

    @property
    def endorsed_label(self) -> str:
        return LEVELS.get(self.endorsed, "")


@dataclass
class Matrix:
    skills: list = field(default_factory=list)
    rows: list[tuple[object, list[Cell]]] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)  # the filter's choices
    role: Role | None = None
    sort: str = "name"  # "name" or a skill's slug
    # learner's id -> their review health, when asked for (the hub's column).
    health: dict[int, ReviewHealth] = field(default_factory=dict)


def build(
    mentor,
    mentees,
    role_slug: str = "",
    sort: str = "name",
    followed=None,
    health: bool = False,
) -> Matrix:
    """The matrix for `mentees` (the mentor's active mentees): the roles and
    skills, and the mentor's endorsements, read afresh; each mentee's own
    figures and ratings cached per mentee (`learner_cells`), and with `health`
    their review health, cached per mentee too (`cached_review_health`).
    `followed`: the published roles the mentees follow, when the caller has
    them already (the hub's rows list them), else read here."""
    mentees = list(mentees)
    if not mentees:
        return Matrix()
    if followed is None:
        followed = (
            Role.objects.published().filter(follows__learner__in=mentees).distinct()
        )
    roles = sorted(
        {role.pk: role for role in followed}.values(),
        key=lambda role: (role.position, role.title),
    )
    role = next((r for r in roles if r.slug == role_slug), None)
    chosen = [role] if role else roles
    skills, seen = [], set()
    for role_skill in (
        RoleSkill.objects.filter(role__in=chosen, skill__is_published=True)
        .select_related("skill")
        .order_by("role__position", "position", "skill__name")
    ):
        if role_skill.skill_id not in seen:
            seen.add(role_skill.skill_id)
            skills.append(role_skill.skill)
    cells = learner_cells(mentees, sorted(seen))
    endorsed = _latest(
        Endorsement.objects.filter(mentor=mentor, learner__in=mentees, skill__in=seen)
    )
    skill_ids = [skill.pk for skill in skills]
    rows = []
    for learner in mentees:
        pk, own = learner.pk, cells[learner.pk]
        row = []
        for skill_id in skill_ids:
            rated, percent, fading = own[skill_id]
            row.append(Cell(rated, endorsed.get((pk, skill_id)), percent, fading))
        rows.append((learner, row))
    slugs = [skill.slug for skill in skills]
    if sort in slugs:
        column = slugs.index(sort)
        rows.sort(key=lambda row: (-(row[1][column].percent or 0), row[0].name.lower()))
    else:
        sort = "name"
        rows.sort(key=lambda row: row[0].name.lower())
    reviewing = cached_review_health(mentees) if health else {}
    return Matrix(skills, rows, roles, role, sort, reviewing)


def learner_cells(learners, skill_ids: list[int]) -> dict[int, dict]:
    """Each learner's own part of their cells, {skill: (rated, percent,
    fading)}, from their data and the content alone, so cached per learner
    until either changes (`cached_per_learner`, which dates the entry by the
    learner's day and keeps it ten minutes at most: recall fades with time
    alone), by the set of skills shown; the endorsements are the mentor's,
    read afresh."""
    if not skill_ids:
        return {learner.pk: {} for learner in learners}
    digest = hashlib.sha256(repr(skill_ids).encode()).hexdigest()[:16]
    return cached_per_learner(
        learners,
        f"skills-matrix:{digest}",
        lambda missing: _learner_cells(missing, skill_ids),
    )


def _learner_cells(learners, skill_ids: list[int]) -> dict[int, dict]:
    """`learner_cells`, counted in three queries however many learners, and a
    fourth when any of them has a concept of these skills done (which of them
    fade, `review_health.fading_concepts`)."""
    rows = list(
        Concept.objects.published()
        .filter(skill__in=skill_ids)
        .values_list("pk", "skill_id", *GROUP_COLUMNS, *CONCEPT_HOUR_COLUMNS)
    )
    skill_of = {row[0]: row[1] for row in rows}
    # Choice groups and hours counted as the learner's own skill page counts them.
    groups = concept_groups((row[0], *row[2:4]) for row in rows)
    hours = dict(concept_hours((row[0], *row[4:]) for row in rows))
    statuses: dict[int, dict] = {learner.pk: {} for learner in learners}
    for learner_id, concept_id, status in ItemProgress.objects.filter(
        learner__in=learners, concept__in=list(skill_of)
    ).values_list("learner_id", "concept_id", "status"):
        statuses[learner_id][("concept", concept_id)] = status
    concepts_of: dict[int, list[tuple[int, float]]] = {}
    for concept_id, skill_id in skill_of.items():  # in each skill's order
        concepts_of.setdefault(skill_id, []).append((concept_id, hours[concept_id]))
    rated = _latest(
        SelfAssessment.objects.filter(learner__in=learners, skill__in=skill_ids)
    )
    done = {
        learner_id: {key[1] for key, status in own.items() if status == Status.DONE}
        for learner_id, own in statuses.items()
    }
    fading = fading_concepts(
        {learner_id: ids for learner_id, ids in done.items() if ids}, timezone.now()
    )
    cells = {}
    for learner in learners:
        percent, faded = {}, {}
        fades = fading.get(learner.pk, set())
        for skill_id, concept_ids in concepts_of.items():
            counts = skill_counts(concept_ids, statuses[learner.pk], groups)
            percent[skill_id] = counts.percent if counts.total else None
            faded[skill_id] = sum(1 for pk, _hours in concept_ids if pk in fades)
        cells[learner.pk] = {
            skill_id: (
                rated.get((learner.pk, skill_id)),
                percent.get(skill_id),
                faded.get(skill_id, 0),
            )
            for skill_id in skill_ids
        }
    return cells


def _latest(queryset) -> dict[tuple[int, int], int]:
    """(learner, skill) -> the level of the latest row, in one query."""
    latest: dict[tuple[int, int], int] = {}
    for learner_id, skill_id, level in queryset.order_by(
        "created_at", "id"
    ).values_list("learner_id", "skill_id", "level"):
        latest[(learner_id, skill_id)] = level
    return latest


def as_csv(matrix: Matrix) -> str:
    """The matrix as CSV: a row per mentee, three columns per skill."""
    out = io.StringIO()
    writer = SafeWriter(out)
    header = ["mentee", "username"]
    for skill in matrix.skills:
        header += [
            f"{skill.name}: self-rating",
            f"{skill.name}: your endorsement",
            f"{skill.name}: % done (by hours)",
        ]
    writer.writerow(header)
    for learner, cells in matrix.rows:
        line = [learner.name, learner.username]
        for cell in cells:
            line += [
                cell.rated_label,
                cell.endorsed_label,
                "" if cell.percent is None else cell.percent,
            ]
        writer.writerow(line)
    return out.getvalue()
