"""Learners report problems with an item; curators triage them in the admin.

A learner may send `DAILY_LIMIT` reports in 24 hours, counted from their rows
under a lock on their user row, so neither a cache nor two posts at once let
more through. When a curator marks a report fixed (`triage`, from the admin's
change page and its bulk actions alike), the learner is told once by email,
through the outbox: `notified_at` is set with the email, and never unset.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from outbox.sending import Priority, queue_email
from progress.models import ItemReport, item_field
from roadmap.models import Concept, LearningStep

DAILY_LIMIT = 10
WINDOW = datetime.timedelta(hours=24)
KIND = "report fixed"


class OverLimit(Exception):
    """The learner has sent `DAILY_LIMIT` reports in 24 hours; `retry_at` is when
    the next one fits."""

    def __init__(self, retry_at: datetime.datetime) -> None:
        super().__init__(f"over the daily limit of reports until {retry_at}")
        self.retry_at = retry_at


def of_learner(learner, item: LearningStep | Concept) -> list[ItemReport]:
    """The learner's own reports on an item, newest first."""
    return list(
        ItemReport.objects.filter(learner=learner, **{item_field(item): item})
        .select_related("fixed_by")
        .order_by("-created_at", "-id")
    )


def next_report_at(learner) -> datetime.datetime | None:
    """None if the learner may report now, else when they may. Call it inside the
    transaction that creates the report: it locks the learner's user row first,
    so one learner's reports sent at once wait here in turn."""
    no_key = connection.features.has_select_for_no_key_update
    get_user_model().objects.select_for_update(no_key=no_key).only("pk").get(
        pk=learner.pk
    )
    sent = list(
        ItemReport.objects.filter(
            learner=learner, created_at__gt=timezone.now() - WINDOW
        )
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    if len(sent) < DAILY_LIMIT:
        return None
    return sent[len(sent) - DAILY_LIMIT] + WINDOW


def report(learner, item: LearningStep | Concept, kind: str, message: str = ""):
    """Store the learner's report on an item, within their daily limit (else
    OverLimit, and nothing is written)."""
    with transaction.atomic():
        retry_at = next_report_at(learner)
        if retry_at is not None:
            raise OverLimit(retry_at)
        return ItemReport.objects.create(
            learner=learner, kind=kind, message=message, **{item_field(item): item}
        )


# What a curator changes: never `notified_at`, which only `_tell_once` writes
# (a save from a page opened before the email went must not clear it).
TRIAGED = ["state", "reply", "fixed_by", "updated_at"]


def triage(report: ItemReport) -> bool:
    """Save a curator's triage of `report` (its state, reply and fixing
    revision); if it is now fixed and its learner was never told, queue the one
    email that tells them. Whether it did."""
    with transaction.atomic():
        report.save(update_fields=TRIAGED)
        return _tell_once(report)


def set_state(reports, state: str) -> int:
    """A bulk action: each report to `state` (fixed ones tell their learner
    once). How many changed."""
    changed = 0
    for found in reports.select_related("learner", "step", "concept"):
        if found.state != state:
            found.state = state
            triage(found)
            changed += 1
    return changed


def mark_fixed(report: ItemReport, fixed_by=None) -> bool:
    """Mark one report fixed (by a revision, if given) and tell its learner once."""
    report.state = ItemReport.State.FIXED
    if fixed_by is not None:
        report.fixed_by = fixed_by
    return triage(report)


def _tell_once(report: ItemReport) -> bool:
    if report.state != ItemReport.State.FIXED or report.notified_at:
        return False
    now = timezone.now()
    # The conditional update is the claim: of two saves at once, one sends.
    claimed = ItemReport.objects.filter(
        pk=report.pk, state=ItemReport.State.FIXED, notified_at__isnull=True
    ).update(notified_at=now)
    if not claimed:
        return False
    learner = report.learner
    if queue_email(
        compose(report),
        kind=KIND,
        priority=Priority.REMINDER,
        context={"report": report.pk},
        recipient=learner,
    ):
        report.notified_at = now
        return True
    # No verified address: not told, so a later fix may still tell them.
    ItemReport.objects.filter(pk=report.pk).update(notified_at=None)
    return False


def compose(report: ItemReport) -> EmailMessage:
    learner, item = report.learner, report.item
    site = settings.SITE_URL.rstrip("/")
    body = render_to_string(
        "progress/report_fixed_email.txt",
        {
            "learner": learner,
            "report": report,
            "item": item,
            "item_url": site
            + reverse("progress_item", args=[report.item_kind, item.slug]),
        },
    )
    title = " ".join(str(item).split())
    return EmailMessage(
        subject=f"[Waymark] Fixed: your report on “{title}”",
        body=body,
        to=[learner.email],
    )


def still_wanted(context: dict) -> bool:
    """`outbox.sending.register_kind`: the report is still fixed."""
    return ItemReport.objects.filter(
        pk=context.get("report"), state=ItemReport.State.FIXED
    ).exists()
