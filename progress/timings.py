"""How long learners actually take over a step or a concept, measured from their
progress once a day and shown beside the curator's estimate.

Rules (docs/progress.md, "Time learners took"):

- A learner's time on an item runs from the first time they marked it learning
  to the first time after that they marked it done. An item marked done without
  ever being marked learning gives no measurement.
- That time counts as work only up to HOURS_A_DAY for each calendar day (in the
  learner's time zone) the item was open: nobody studies through the night, so
  a step started on Monday and finished on Wednesday counts at most 6 hours.
- Outliers are left out: a time under SHORTEST (a status clicked through, not
  studied), an item open for more than LONGEST_OPEN_DAYS (left and come back
  to), then any time outside Tukey's fences (more than 1.5 times the
  interquartile range beyond the first or third quartile) of the rest.
- The median of what is left is shown, and counted by plans instead of the
  estimate, only when at least MIN_LEARNERS learners remain, so no one
  learner's figure can be read off the page.

It must be hard to steer, since every learner's plan counts it:

- Only qualified learners count: a verified email address, and an account at
  least MIN_ACCOUNT_DAYS old when the item was marked done. Five accounts made
  for the purpose give nothing.
- Times far from the curator's estimate (under a FAR-th of it or over FAR
  times it) are left out before the fences, so a group cannot pull the
  quartiles their way.
- Until TRUSTED_LEARNERS learners remain, the figure stays within half and
  twice the estimate (FLOOR, CEILING).
"""

from __future__ import annotations

import datetime
import statistics
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db import transaction
from django.db.models import Exists, OuterRef

from progress.models import ProgressEvent, Status
from roadmap import page_cache
from roadmap.models import Concept, LearningStep

MIN_LEARNERS = 5
MIN_ACCOUNT_DAYS = 14
FAR = 4
TRUSTED_LEARNERS = 20
FLOOR, CEILING = 0.5, 2.0
HOURS_A_DAY = 2.0
SHORTEST = datetime.timedelta(minutes=5)
LONGEST_OPEN_DAYS = 60
FENCE = 1.5


@dataclass(frozen=True)
class Typical:
    hours: float  # the median, rounded to a quarter of an hour
    learners: int  # how many learners' times it is the median of


def working_hours(
    started: datetime.datetime, done: datetime.datetime, zone: zoneinfo.ZoneInfo
) -> float | None:
    """One learner's time on an item, in hours, or None if it is an outlier of
    the first two kinds."""
    if done - started < SHORTEST:
        return None
    days_open = (done.astimezone(zone).date() - started.astimezone(zone).date()).days
    if days_open + 1 > LONGEST_OPEN_DAYS:
        return None
    elapsed = (done - started).total_seconds() / 3600
    return min(elapsed, HOURS_A_DAY * (days_open + 1))


def typical(times: Iterable[float], estimate: float | None = None) -> Typical | None:
    """The median of the times within Tukey's fences, if enough remain; with
    the curator's `estimate`, the times far from it left out first and, until
    TRUSTED_LEARNERS remain, the figure kept within FLOOR and CEILING of it."""
    times = sorted(times)
    if estimate:
        times = [t for t in times if estimate / FAR <= t <= estimate * FAR]
    if len(times) < MIN_LEARNERS:
        return None
    first, _median, third = statistics.quantiles(times, n=4, method="inclusive")
    spread = third - first
    low, high = first - FENCE * spread, third + FENCE * spread
    kept = [time for time in times if low <= time <= high]
    if len(kept) < MIN_LEARNERS:
        return None
    median = statistics.median(kept)
    if estimate and len(kept) < TRUSTED_LEARNERS:
        median = min(max(median, estimate * FLOOR), estimate * CEILING)
    return Typical(round(median * 4) / 4, len(kept))


def learner_times() -> Iterator[tuple[tuple[str, int], float]]:
    """((kind, id), hours) for every qualified learner's measured time on an
    item: one pass over the learning and done events, in order."""
    verified = EmailAddress.objects.filter(user=OuterRef("learner"), verified=True)
    events = (
        ProgressEvent.objects.filter(to_status__in=[Status.LEARNING, Status.DONE])
        .filter(Exists(verified))
        .order_by("learner_id", "step_id", "concept_id", "created_at", "id")
        .values_list(
            "learner_id",
            "learner__timezone",
            "learner__date_joined",
            "step_id",
            "concept_id",
            "to_status",
            "created_at",
        )
    )
    current, started, measured = None, None, False
    zones: dict[str, zoneinfo.ZoneInfo] = {}
    old_enough = datetime.timedelta(days=MIN_ACCOUNT_DAYS)
    for (
        learner_id,
        zone_name,
        joined,
        step_id,
        concept_id,
        status,
        at,
    ) in events.iterator(chunk_size=5000):
        key = ("step", step_id) if step_id else ("concept", concept_id)
        if (learner_id, key) != current:
            current, started, measured = (learner_id, key), None, False
        if measured:
            continue
        if status == Status.LEARNING:
            started = started or at
        elif started is not None:
            measured = True
            if zone_name not in zones:
                zones[zone_name] = _zone(zone_name)
            hours = working_hours(started, at, zones[zone_name])
            if hours is not None and at - joined >= old_enough:
                yield key, hours


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def measure() -> dict[tuple[str, int], Typical]:
    """Every item's typical time, for the items enough learners finished."""
    times: dict[tuple[str, int], list[float]] = {}
    for key, hours in learner_times():
        times.setdefault(key, []).append(hours)
    estimates = _estimates(times)
    found = {key: typical(values, estimates.get(key)) for key, values in times.items()}
    return {key: value for key, value in found.items() if value is not None}


def _estimates(keys) -> dict[tuple[str, int], float]:
    """The curator's estimate of each item (two queries)."""
    estimates: dict[tuple[str, int], float] = {}
    for kind, model in (("step", LearningStep), ("concept", Concept)):
        ids = [pk for item_kind, pk in keys if item_kind == kind]
        for item in model.objects.filter(pk__in=ids):
            estimates[(kind, item.pk)] = float(item.hours)
    return estimates


def store(found: dict[tuple[str, int], Typical]) -> int:
    """Write the figures on the items (clearing those no longer measured); how
    many items changed. The content's caches are retired when any did, so
    pages and plans show the new figures."""
    changed = 0
    with transaction.atomic():
        for kind, model in (("step", LearningStep), ("concept", Concept)):
            rows = model.objects.filter(learner_count__gt=0) | model.objects.filter(
                pk__in=[pk for item_kind, pk in found if item_kind == kind]
            )
            updates = []
            for row in rows.only("pk", "learner_hours", "learner_count"):
                value = found.get((kind, row.pk))
                hours, count = (value.hours, value.learners) if value else (None, 0)
                if (row.learner_hours, row.learner_count) != (hours, count):
                    row.learner_hours, row.learner_count = hours, count
                    updates.append(row)
            model.objects.bulk_update(
                updates, ["learner_hours", "learner_count"], batch_size=500
            )
            changed += len(updates)
        if changed:
            page_cache.content_changed()
    return changed


def measure_learner_times(now: datetime.datetime) -> str:
    """The schedule's daily job."""
    found = measure()
    changed = store(found)
    return f"{len(found)} item(s) measured, {changed} changed"
