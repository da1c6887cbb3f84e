"""Drop-off counts per learning step, kept in `StepTally` rather than counted live.

Counting statuses over every progress row grows with the number of learners; the
tally changes by one with each status change (`StepTally.objects.record_changes`,
called by the writes in progress/models/core.py), so the curators' page stays as fast
with 20 million progress rows as with 200. Here: taking a deleted learner out,
and rebuilding every tally.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, F, Q

from progress.models import COUNTED, ItemProgress, StepTally
from roadmap.models import LearningStep


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
