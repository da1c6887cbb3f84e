"""Drop-off counts per learning step, kept in `StepTally` rather than counted live.

Counting statuses over every progress row grows with the number of learners; the
tally changes by one with each status change, so the curators' page stays as fast
with 20 million progress rows as with 200.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, F, Q, Value
from django.db.models.functions import Greatest

from progress.models import ItemProgress, Status, StepTally
from roadmap.models import LearningStep

COUNTED = (Status.LEARNING, Status.DONE, Status.SKIPPED)


def record_change(step_id: int, previous: str, status: str) -> None:
    """Move one learner from `previous` to `status` on a step (in the caller's
    transaction)."""
    record_changes([(step_id, previous, status)])


def record_changes(changes) -> None:
    """Move learners between statuses on steps, `(step_id, previous, status)`
    each, in one update per kind of move (a role's reset is a few updates, not
    one per step)."""
    moves: dict[tuple[str, str], list[int]] = {}
    for step_id, previous, status in changes:
        if previous != status:
            moves.setdefault((previous, status), []).append(step_id)
    for (previous, status), step_ids in moves.items():
        updates = {}
        if previous in COUNTED:
            # Never below zero, even for a row that reached its status some
            # other way (a tally drifts rather than a status change failing;
            # recount_dropoff puts it right).
            updates[previous] = Greatest(F(previous) - 1, Value(0))
        if status in COUNTED:
            updates[status] = F(status) + 1
        if not updates:
            continue
        ids = set(step_ids)
        tallies = StepTally.objects.filter(step_id__in=ids)
        updated = tallies.update(**updates)
        if updated < len(ids):
            # Steps without a tally row yet: create them (racing writers both
            # survive), then count the change on those.
            have = set(tallies.values_list("step_id", flat=True)) if updated else ()
            missing = [pk for pk in ids if pk not in have]
            StepTally.objects.bulk_create(
                [StepTally(step_id=pk) for pk in missing], ignore_conflicts=True
            )
            StepTally.objects.filter(step_id__in=missing).update(**updates)


def forget_learner(learner) -> None:
    """Take a learner's statuses out of the tallies (their rows are being deleted)."""
    rows = (
        ItemProgress.objects.filter(learner=learner, step__isnull=False)
        .filter(status__in=COUNTED)
        .values("step")
        .annotate(**_status_counts())
    )
    for row in rows:
        StepTally.objects.filter(step_id=row["step"]).update(
            **{status: F(status) - row[status] for status in COUNTED}
        )


def recount() -> int:
    """Rebuild every tally from the progress rows; returns the number of steps."""
    counts = {
        row["step"]: row
        for row in ItemProgress.objects.filter(step__isnull=False, status__in=COUNTED)
        .values("step")
        .annotate(**_status_counts())
        .order_by()
    }
    tallies = [
        StepTally(
            step_id=step_id,
            **{status: counts.get(step_id, {}).get(status, 0) for status in COUNTED},
        )
        for step_id in LearningStep.objects.values_list("pk", flat=True)
    ]
    with transaction.atomic():
        StepTally.objects.all().delete()
        StepTally.objects.bulk_create(tallies, batch_size=1000)
    return len(tallies)


def _status_counts() -> dict[str, Count]:
    return {status: Count("pk", filter=Q(status=status)) for status in COUNTED}
