"""Comparing two roles for a learner: what they share, how much of the other
role the learner's progress already covers, and what remains of it, in order.

The figures are the progress module's own (`figures.role_progress`,
`figures.remaining_items`): a concept the two roles share counts once, as it
does in each role's percentage, and the remaining items come in the order a
plan takes them. Only published roles are compared (the figures count
published content only). docs/progress.md, "Comparing two roles".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from progress import figures
from progress.plan import PlanItem
from progress.structure import role_structure
from roadmap.models import Role, Skill


@dataclass
class Comparison:
    role: Role
    other: Role
    shared_skills: list[Skill] = field(default_factory=list)
    shared_concepts: int = 0
    shared_done: int = 0  # shared concepts the learner has done
    other_figures: figures.RoleProgress | None = None
    remaining: list[PlanItem] = field(default_factory=list)

    @property
    def remaining_hours(self) -> float:
        return sum(item.hours for item in self.remaining)


def compare(learner, role: Role, other: Role) -> Comparison:
    """`other` seen from `role`, for `learner`: a fixed number of queries."""
    statuses = figures.statuses_for(learner)
    structure = role_structure([role.pk, other.pk])
    concepts_of: dict[int, set[int]] = {role.pk: set(), other.pk: set()}
    for concept_id, role_id, *_info in structure.concepts:
        concepts_of[role_id].add(concept_id)
    # In the other role's order, so a choice group counts as it does there.
    shared = [
        ("concept", concept_id)
        for concept_id, role_id, *_info in structure.concepts
        if role_id == other.pk and concept_id in concepts_of[role.pk]
    ]
    (other_figures,) = figures.role_progress(learner, [other], statuses=statuses)
    return Comparison(
        role=role,
        other=other,
        shared_skills=list(
            Skill.objects.published()
            .filter(role_skills__role=role)
            .filter(role_skills__role=other)
            .order_by("name")
            .distinct()
        ),
        shared_concepts=len(shared),
        # Counted as the figures count: a met group once, however many of
        # its members are done.
        shared_done=figures.count_items(shared, statuses, structure.groups).done,
        other_figures=other_figures,
        remaining=figures.remaining_items(other.pk, structure, statuses),
    )
