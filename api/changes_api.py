"""The learner's changed-since flags and their reports, under /api/v1/me/.

- **Changes**: the items whose meaning changed since the learner marked them,
  exactly the dashboard's "Changed since you marked them" list
  (`progress.content_changes.changed_since_marked`), each with what changed as
  its item page shows it; and "mark as reviewed", the item page's button
  (`content_changes.mark_reviewed`).
- **Reports**: the learner's own reports of a problem with an item, and a new
  one filed through the item page's form (`progress.forms.ReportForm`) and
  `progress.reports.report`, so the same durable daily limit holds.
"""

from __future__ import annotations

import datetime
import math
from typing import Literal

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Path, Router, Schema, Status
from pydantic import Field

from api import auth, problems, schemas
from api.common import TOKEN_PROBLEMS, PageNumber, paginate, private
from progress import content_changes, reports
from progress.forms import ReportForm
from progress.models import ItemProgress, ItemReport
from progress.models.reports import REPORT_MESSAGE_MAX_LENGTH
from progress.visibility import Audience

router = Router(tags=["your progress"])

ProblemKind = Literal[tuple(ItemReport.Kind.values)]
ReportState = Literal[tuple(ItemReport.State.values)]


# --- Shapes -------------------------------------------------------------------------


class ContentChange(Schema):
    at: datetime.datetime = Field(description="When the change was recorded.")
    action: str = Field(description='"changed", "moved", "retired"…')
    note: str = Field(description="The curators' note on the change, if any.")
    fields: list[schemas.FieldChange] = Field(
        description="Each field changed, old and new, as the item page shows them "
        '(long values shortened; "" for none).'
    )


class ChangedItem(Schema):
    kind: schemas.Kind
    slug: str
    title: str
    url: str = Field(description="The item's page.")
    status: schemas.StatusValue = Field(description="Yours: a change never sets it.")
    marked_at: datetime.datetime | None = Field(description="When you set your status.")
    changed_at: datetime.datetime = Field(description="When its meaning changed.")
    changes: list[ContentChange] = Field(
        description="What changed since you marked it, oldest first."
    )


class ChangeReview(Schema):
    kind: schemas.Kind
    slug: str
    title: str
    status: schemas.StatusValue
    flagged: bool = Field(
        description="Still changed since you marked it (false once reviewed)."
    )
    changed_at: datetime.datetime | None = Field(
        description="When its meaning last changed, if ever."
    )
    reviewed_at: datetime.datetime | None = Field(
        description="When you last marked a change of it reviewed, if ever."
    )


class ReportFix(Schema):
    revision: int = Field(description="The content change that fixed it.")
    created_at: datetime.datetime


class Report(Schema):
    id: int
    kind: schemas.Kind
    slug: str
    title: str
    problem: ProblemKind
    message: str
    state: ReportState
    reply: str = Field(description="The curators' answer, if any.")
    created_at: datetime.datetime
    fixed_by: ReportFix | None


class ReportPage(schemas.Page):
    items: list[Report]


class ReportIn(schemas.Input):
    kind: schemas.Kind
    slug: schemas.Text
    problem: ProblemKind
    message: schemas.Text | None = Field(
        None,
        description=f"Tell the curators more: plain text, up to "
        f"{REPORT_MESSAGE_MAX_LENGTH} characters (after trimming).",
    )


# --- Changed since you marked it -----------------------------------------------------


@router.get(
    "/changes",
    response={200: list[ChangedItem], **TOKEN_PROBLEMS},
    auth=auth.READ,
    summary="Items changed since you marked them",
)
@private
def my_changes(request: HttpRequest):
    """The dashboard's "Changed since you marked them": your items whose
    meaning changed after you set their status and that you have not marked
    reviewed since, most recently changed first, each with what changed."""
    flagged = content_changes.changed_since_marked(request.auth)
    found = changes_since_marked(flagged)
    return [
        {
            "kind": entry.kind,
            "slug": entry.item.slug,
            "title": str(entry.item),
            "url": request.build_absolute_uri(
                reverse("progress_item", args=[entry.kind, entry.item.slug])
            ),
            "status": entry.status,
            "marked_at": entry.marked_at,
            "changed_at": entry.changed_at,
            "changes": found[(entry.kind, entry.item.pk)],
        }
        for entry in flagged
    ]


def changes_since_marked(flagged) -> dict[tuple[str, int], list[dict]]:
    """(kind, id) -> what changed in each flagged item since it was marked, as
    its item page lists it (`content_changes.what_changed_many`: one query)."""
    found = content_changes.what_changed_many(
        {(entry.kind, entry.item.pk): entry.marked_at for entry in flagged}
    )
    return {
        key: [
            {
                "at": change["at"],
                "action": change["action"],
                "note": change["note"],
                "fields": [
                    {"field": name, "old": old, "new": new}
                    for name, old, new in change["rows"]
                ],
            }
            for change in changes
        ]
        for key, changes in found.items()
    }


@router.post(
    "/changes/{kind}/{slug}/reviewed",
    response={
        200: ChangeReview,
        **TOKEN_PROBLEMS,
        403: schemas.Problem,
        404: schemas.Problem,
    },
    auth=auth.WRITE,
    summary="Mark a change reviewed",
)
@private
def mark_reviewed(request: HttpRequest, kind: Path[schemas.Kind], slug: Path[str]):
    """What the item page's "Mark as reviewed" does: the item is no longer
    flagged until its meaning changes again; your status stays. Idempotent:
    an item not flagged (already reviewed, never changed, or no status of
    yours) answers 200 with `flagged: false` and nothing is written."""
    learner = request.auth
    item = Audience(learner).item(kind, slug)
    row = ItemProgress.objects.filter(learner=learner, **{kind: item}).first()
    if content_changes.is_flagged(row, item):
        content_changes.mark_reviewed(learner, kind, item)
        row.refresh_from_db(fields=["change_seen_at"])
    return {
        "kind": kind,
        "slug": item.slug,
        "title": str(item),
        "status": row.status if row else "not_started",
        "flagged": content_changes.is_flagged(row, item),
        "changed_at": item.meaning_changed_at,
        "reviewed_at": row.change_seen_at if row else None,
    }


# --- Reports -------------------------------------------------------------------------


@router.get(
    "/reports",
    response={200: ReportPage, **TOKEN_PROBLEMS, 404: schemas.Problem},
    auth=auth.READ,
    summary="Your reports",
)
@private
def my_reports(request: HttpRequest, page: PageNumber = 1):
    """The problems you reported, newest first, 20 a page, each with the
    curators' state and reply, on the items you may still open (as their
    pages show them to you)."""
    learner = request.auth
    rows = (
        ItemReport.objects.filter(learner=learner)
        .select_related("step__stage__role", "concept__skill", "fixed_by")
        .order_by("-created_at", "-id")
    )
    visible = Audience(learner)
    rows = [row for row in rows if visible.can_see(row.item)]
    rows, fields = paginate(request, rows, page)
    return {**fields, "items": [_report(row) for row in rows]}


@router.post(
    "/reports",
    response={
        201: Report,
        **TOKEN_PROBLEMS,
        403: schemas.Problem,
        404: schemas.Problem,
        413: schemas.Problem,
    },
    auth=auth.WRITE,
    summary="Report a problem with a step or concept",
)
@private
def file_report(request: HttpRequest, body: ReportIn):
    """Report a problem to the curators, as the item's page does: only you
    and they see it. At most `progress.reports.DAILY_LIMIT` reports in 24
    hours: past it, 429 with `Retry-After` (when the next one fits) and
    nothing is stored."""
    learner = request.auth
    item = Audience(learner).item(body.kind, body.slug)
    form = ReportForm({"kind": body.problem, "message": body.message or ""})
    if not form.is_valid():
        fields = {"kind": "body.problem", "message": "body.message"}
        return problems.form_problem(form, fields)
    try:
        row = reports.report(learner, item, **form.cleaned_data)
    except reports.OverLimit as over:
        wait = max(1, math.ceil((over.retry_at - timezone.now()).total_seconds()))
        return problems.problem(
            429,
            f"You have sent {reports.DAILY_LIMIT} reports in the last 24 hours, the "
            f"most Waymark takes. Nothing was stored. You can send another from "
            f"{over.retry_at.isoformat(timespec='seconds')}.",
            headers={"Retry-After": str(wait)},
        )
    return Status(201, _report(row))


def _report(row: ItemReport) -> dict:
    item = row.item
    fixed = row.fixed_by
    return {
        "id": row.pk,
        "kind": row.item_kind,
        "slug": item.slug,
        "title": str(item),
        "problem": row.kind,
        "message": row.message,
        "state": row.state,
        "reply": row.reply,
        "created_at": row.created_at,
        "fixed_by": {"revision": fixed.pk, "created_at": fixed.created_at}
        if fixed
        else None,
    }
