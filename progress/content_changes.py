"""What a change of the content means for learners: how many each itemised
change touches (`roadmap.revisions.diff`), for the loader's dry run and the
curator's preview. A learner is touched by a change to an item they have a
status on (other than not started), to a stage or skill holding such an item,
or to a role they follow."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Q

from progress.models import ItemProgress, RoleFollow, Status


def learners_touched(changes: list[dict]) -> dict[tuple[str, int], int]:
    """(kind, id) -> how many learners the change touches; four queries."""
    ids: dict[str, set[int]] = defaultdict(set)
    for change in changes:
        ids[change["kind"]].add(change["id"])
    started = ~Q(status=Status.NOT_STARTED)
    counts: dict[tuple[str, int], int] = {}
    by = {
        "steps": ("step_id", ids["steps"]),
        "concepts": ("concept_id", ids["concepts"]),
        "stages": ("step__stage_id", ids["stages"]),
        "skills": ("concept__skill_id", ids["skills"]),
    }
    for kind, (column, wanted) in by.items():
        if not wanted:
            continue
        rows = (
            ItemProgress.objects.filter(started, **{f"{column}__in": wanted})
            .values(column)
            .annotate(learners=Count("learner", distinct=True))
        )
        for row in rows:
            counts[(kind, row[column])] = row["learners"]
    if ids["roles"]:
        for row in (
            RoleFollow.objects.filter(role_id__in=ids["roles"])
            .values("role_id")
            .annotate(learners=Count("learner", distinct=True))
        ):
            counts[("roles", row["role_id"])] = row["learners"]
    return counts
