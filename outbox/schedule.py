"""Periodic jobs: each runs at most once per period (an hour, a day, an ISO
week), however often, however late and on however many machines the schedule
is triggered.

`manage.py run_schedule` runs every job that is due. Run it from cron or a
systemd timer every few minutes (docs/deployment.md); `make run` runs it in its
loop mode. A job is claimed by inserting its `ScheduledRun` row for the period:
the unique constraint lets exactly one trigger win, the others skip. A job that
fails gives its claim back, so the next trigger tries again.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from outbox.models import Message, ScheduledRun

logger = logging.getLogger("waymark.schedule")

HOUR, DAY, WEEK = "hour", "day", "week"


@dataclass(frozen=True)
class Job:
    name: str
    every: str  # HOUR, DAY or WEEK, in UTC
    run: Callable[[datetime.datetime], str]  # now -> what it did, in a few words
    doc: str = ""


JOBS: dict[str, Job] = {}


def register(job: Job) -> Job:
    """Add a job (apps register theirs in their AppConfig.ready)."""
    JOBS[job.name] = job
    return job


def period_of(job: Job, now: datetime.datetime) -> str:
    moment = now.astimezone(datetime.UTC)
    day = moment.date()
    if job.every == HOUR:
        return f"{day.isoformat()}T{moment.hour:02d}"
    if job.every == WEEK:
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return day.isoformat()


def run_due(now: datetime.datetime | None = None) -> list[tuple[str, str, str]]:
    """Run every job not yet run for its current period: (job, period, outcome)."""
    now = now or timezone.now()
    done = []
    for job in JOBS.values():
        period = period_of(job, now)
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(job=job.name, period=period)
        except IntegrityError:
            continue  # this period's run is done, or running elsewhere
        try:
            outcome = job.run(now)
        except Exception:
            logger.exception(
                "job %s %s failed; it runs again next time", job.name, period
            )
            run.delete()
            done.append((job.name, period, "failed"))
            continue
        run.finished_at = timezone.now()
        run.outcome = outcome
        run.save(update_fields=["finished_at", "outcome"])
        logger.info("job %s %s: %s", job.name, period, outcome)
        done.append((job.name, period, outcome))
    return done


# --- The outbox's own jobs --------------------------------------------------------


def prune_finished_tasks(now: datetime.datetime) -> str:
    from django_tasks_db.models import DBTaskResult

    cutoff = now - datetime.timedelta(days=settings.WAYMARK_KEEP_FINISHED_DAYS)
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    runs, _ = ScheduledRun.objects.filter(finished_at__lt=cutoff).delete()
    return f"deleted {deleted} finished task(s) and {runs} past run(s)"


def prune_sent_messages(now: datetime.datetime) -> str:
    cutoff = now - datetime.timedelta(days=settings.WAYMARK_KEEP_FINISHED_DAYS)
    deleted, _ = Message.objects.filter(
        status=Message.Status.SENT, sent_at__lt=cutoff
    ).delete()
    return f"deleted {deleted} sent email(s)"


register(
    Job(
        "prune-finished-tasks",
        DAY,
        prune_finished_tasks,
        "Delete finished task rows and past schedule runs older than "
        "WAYMARK_KEEP_FINISHED_DAYS.",
    )
)
register(
    Job(
        "prune-sent-emails",
        DAY,
        prune_sent_messages,
        "Delete sent emails older than WAYMARK_KEEP_FINISHED_DAYS; failed ones stay.",
    )
)
