"""The counting rule of docs/progress.md, restated plainly from the content's
models, for tests to check every page's figures against (it shares no code
with progress/figures.py).

A role's items are its published steps and the published concepts of its
skills. Each counts by its hours (what learners took, else the estimate, else
its kind's default); skipped items leave the count. A choice group of `pick`
counts its done members up to `pick`, then, for its places left, the members
the learner is learning, then the others in order; places no member is left
for are skipped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from roadmap.models import ChoiceGroup, Concept, LearningStep


@dataclass
class Expected:
    items: int = 0  # counted items (skipped ones out)
    done: int = 0
    hours: float = 0.0
    hours_done: float = 0.0

    @property
    def percent(self) -> int:
        if self.items == 0:
            return 0
        if self.done == self.items:
            return 100
        return math.floor(100 * self.hours_done / self.hours)

    def add(self, item, status: str) -> None:
        if status == "skipped":
            return
        self.items += 1
        self.hours += item.planned_hours
        if status == "done":
            self.done += 1
            self.hours_done += item.planned_hours


def key(item) -> tuple[str, str]:
    """How tests name an item's status: ("step" | "concept", slug)."""
    return ("step" if isinstance(item, LearningStep) else "concept", item.slug)


def _count(items, groups, statuses: dict) -> Expected:
    """`items` (steps and concepts), `groups` ([(pick, members in order)]) and
    the learner's statuses by `key`."""
    expected = Expected()
    grouped = {key(item) for _pick, members in groups for item in members}
    for item in items:
        if key(item) not in grouped:
            expected.add(item, statuses.get(key(item), "not_started"))
    for pick, members in groups:
        status = {item: statuses.get(key(item), "not_started") for item in members}
        done = [item for item in members if status[item] == "done"]
        learning = [item for item in members if status[item] == "learning"]
        others = [item for item in members if status[item] == "not_started"]
        places = min(pick, len(members))
        for item in done[:places]:
            expected.add(item, "done")
        for item in (learning + others)[: places - len(done[:places])]:
            expected.add(item, status[item])
    return expected


def _groups(queryset) -> list:
    return [
        (
            group.pick,
            [
                *group.concepts.published().order_by("position", "id"),
                *group.steps.published().order_by("position", "id"),
            ],
        )
        for group in queryset
    ]


def role(slug: str, statuses: dict) -> Expected:
    """A role's figures for a learner with `statuses` (`key` -> status)."""
    steps = LearningStep.objects.published().filter(
        stage__role__slug=slug, stage__is_published=True
    )
    concepts = (
        Concept.objects.published()
        .filter(skill__role_skills__role__slug=slug, skill__is_published=True)
        .distinct()
    )
    skill_groups = ChoiceGroup.objects.filter(skill__role_skills__role__slug=slug)
    stage_groups = ChoiceGroup.objects.filter(stage__role__slug=slug)
    groups = _groups(skill_groups.distinct()) + _groups(stage_groups)
    return _count([*steps, *concepts], groups, statuses)


def skill(slug: str, statuses: dict) -> Expected:
    """A skill's figures for a learner with `statuses` (`key` -> status)."""
    concepts = Concept.objects.published().filter(skill__slug=slug)
    groups = _groups(ChoiceGroup.objects.filter(skill__slug=slug))
    return _count(concepts, groups, statuses)
