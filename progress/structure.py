"""The content the figures count, read once per content version: each role's
published steps and concepts with their hours, prerequisites and choice groups
(`role_structure`, cached until the content changes; progress/figures.py counts
with it), and the choice-group columns the pages' own queries fetch
(`GROUP_COLUMNS`, `skill_groups_column`), so counting needs no query more."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import CharField, F, OuterRef, StringAgg, Subquery, Value
from django.db.models.functions import Cast, Concat

from config import caching
from roadmap.models import ChoiceGroup, Concept, LearningStep

ItemKey = tuple[str, int]  # ("step", id) or ("concept", id)
# An item's choice group, for the items in one: item -> (group id, pick).
Groups = dict[ItemKey, tuple[int, int]]


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
        lambda: load_structure(role_ids),
        depends_on=[caching.CONTENT],
        timeout=caching.DAY,
        in_process=True,  # read on every status change: unpickled once
    )


def load_structure(role_ids: list[int]) -> RoleStructure:
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
