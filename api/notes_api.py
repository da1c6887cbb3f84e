"""The learner's notes, evidence and self-ratings through the API
(`/api/v1/me/notes`, `/api/v1/me/ratings`): read as their data file keeps
them, written through the item and skill pages' own forms and write functions
(`progress.forms`, `ItemProgress.objects`, `SelfAssessment.objects`), so a
rule (a note's length, an http(s) link, the evidence an item holds, a level)
has one home whichever door a learner uses."""

from __future__ import annotations

import datetime
from typing import Literal

from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest
from ninja import Path, Router, Schema, Status
from pydantic import Field

from api import auth, problems
from api.common import TOKEN_PROBLEMS, PageNumber, paginate, private
from api.schemas import Input, Kind, Page, Problem, Text
from progress.forms import EvidenceForm, NoteForm, SelfAssessmentForm
from progress.models import (
    EVIDENCE_PER_ITEM,
    NOTE_MAX_LENGTH,
    Evidence,
    ItemProgress,
    Level,
    SelfAssessment,
)
from progress.visibility import Audience

router = Router(tags=["your progress"])


# What each write may be refused with, beside a token's refusals.
WRITE_PROBLEMS = {**TOKEN_PROBLEMS, 403: Problem, 404: Problem, 413: Problem}
LevelName = Literal["aware", "beginner", "competent", "proficient", "expert"]


class EvidenceOut(Schema):
    id: int = Field(description="To remove it: DELETE …/evidence/{id}.")
    url: str
    title: str
    added_at: datetime.datetime


class Note(Schema):
    kind: Kind
    slug: str
    title: str
    status: str
    note: str
    shared: bool = Field(description="Shown to your active mentors.")
    evidence: list[EvidenceOut]


class NotePage(Page):
    items: list[Note]


class NoteIn(Input):
    note: Text = Field(
        "",
        description=f"Plain text, up to {NOTE_MAX_LENGTH} characters (after "
        "trimming); empty clears it.",
    )
    shared: bool = Field(False, description="Show it to your active mentors.")


class EvidenceIn(Input):
    url: Text = Field(description="An http or https link to your work.")
    title: Text = Field("", description="What it shows (optional).")


class Rating(Schema):
    skill: str
    level: LevelName
    at: datetime.datetime


class SelfRatingIn(Input):
    skill: Text = Field(description="The skill's slug.")
    level: LevelName


class RatingPage(Page):
    items: list[Rating]


@router.get(
    "/notes",
    response={200: NotePage, **TOKEN_PROBLEMS, 404: Problem},
    auth=auth.READ,
    summary="Your notes and evidence",
)
@private
def my_notes(request: HttpRequest, page: PageNumber = 1):
    """Every item you keep a note or evidence on (that you may still open),
    the most recently changed first, with whether your mentors see the note."""
    learner = request.auth
    rows = (
        ItemProgress.objects.filter(learner=learner)
        .filter(~Q(note="") | Q(evidence__isnull=False))
        .distinct()
        .select_related("step__stage__role", "concept__skill")
        .prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.order_by("created_at"))
        )
        .order_by("-updated_at", "-id")
    )
    visible = Audience.mentee(learner)
    rows = [row for row in rows if visible.can_see(row.item)]
    rows, fields = paginate(request, rows, page)
    return {**fields, "items": [_note(row) for row in rows]}


@router.put(
    "/notes/{kind}/{slug}",
    response={200: Note, **WRITE_PROBLEMS},
    auth=auth.WRITE,
    summary="Write your note on a step or concept",
)
@private
def save_note(request: HttpRequest, kind: Path[Kind], slug: Path[str], body: NoteIn):
    """Set your note on an item and whether your mentors see it, as the item's
    page does: the same request twice leaves the same note."""
    item = Audience(request.auth).item(kind, slug)
    form = NoteForm({"note": body.note, "shared": body.shared})
    if not form.is_valid():
        return problems.form_problem(form, {"note": "body.note"})
    data = form.cleaned_data
    ItemProgress.objects.save_note(request.auth, item, data["note"], data["shared"])
    return _note(_row(request.auth, kind, item))


@router.post(
    "/notes/{kind}/{slug}/evidence",
    response={201: EvidenceOut, **WRITE_PROBLEMS, 409: Problem},
    auth=auth.WRITE,
    summary="Add a link to your work on a step or concept",
    description="Add evidence of your work on an item, as its page does: an "
    f"http or https link, at most {EVIDENCE_PER_ITEM} on an item (past that, "
    "409 and nothing is added).",
)
@private
def add_evidence(
    request: HttpRequest, kind: Path[Kind], slug: Path[str], body: EvidenceIn
):
    item = Audience(request.auth).item(kind, slug)
    form = EvidenceForm({"url": body.url, "title": body.title})
    if not form.is_valid():
        return problems.form_problem(form, {"url": "body.url", "title": "body.title"})
    evidence = ItemProgress.objects.add_evidence(
        request.auth, item, **form.cleaned_data
    )
    if evidence is None:
        return problems.problem(409, EvidenceForm.FULL)
    return Status(201, _evidence(evidence))


@router.delete(
    "/notes/{kind}/{slug}/evidence/{evidence_id}",
    response={204: None, **TOKEN_PROBLEMS, 403: Problem, 404: Problem},
    auth=auth.WRITE,
    summary="Remove a link to your work",
)
@private
def remove_evidence(
    request: HttpRequest, kind: Path[Kind], slug: Path[str], evidence_id: Path[int]
):
    """Remove one of your evidence links on the item; 404 if it is not yours
    or not on that item."""
    item = Audience(request.auth).item(kind, slug)
    if not ItemProgress.objects.remove_evidence(request.auth, item, evidence_id):
        raise Http404("No such evidence of yours on this item.")
    return Status(204, None)


def _row(learner, kind: str, item) -> ItemProgress:
    return (
        ItemProgress.objects.filter(learner=learner, **{kind: item})
        .prefetch_related("evidence")
        .get()
    )


def _note(row: ItemProgress) -> dict:
    return {
        "kind": row.item_kind,
        "slug": row.item.slug,
        "title": str(row.item),
        "status": row.status,
        "note": row.note,
        "shared": row.note_shared,
        "evidence": [_evidence(e) for e in row.evidence.all()],
    }


def _evidence(evidence: Evidence) -> dict:
    return {
        "id": evidence.pk,
        "url": evidence.url,
        "title": evidence.title,
        "added_at": evidence.created_at,
    }


@router.get(
    "/ratings",
    response={200: RatingPage, **TOKEN_PROBLEMS, 404: Problem},
    auth=auth.READ,
    summary="Your self-ratings of skills",
)
@private
def my_ratings(request: HttpRequest, page: PageNumber = 1):
    """Every rating you gave yourself of a skill, newest first."""
    ratings = (
        SelfAssessment.objects.filter(learner=request.auth, skill__is_published=True)
        .select_related("skill")
        .order_by("-created_at", "-id")
    )
    ratings, fields = paginate(request, ratings, page)
    return {**fields, "items": [_rating(rating) for rating in ratings]}


@router.post(
    "/ratings",
    response={201: Rating, 200: Rating, **WRITE_PROBLEMS},
    auth=auth.WRITE,
    summary="Rate your level in a skill",
)
@private
def rate_skill(request: HttpRequest, body: SelfRatingIn):
    """Rate yourself in a published skill, as its page does: a new rating is
    kept in your history (201); the level you last gave it again adds
    nothing (200)."""
    skill = Audience(request.auth).skill(body.skill)
    form = SelfAssessmentForm({"level": Level[body.level.upper()].value})
    if not form.is_valid():
        return problems.form_problem(form, {"level": "body.level"})
    rating, created = SelfAssessment.objects.rate(
        request.auth, skill, form.cleaned_data["level"]
    )
    return Status(201 if created else 200, _rating(rating))


def _rating(rating: SelfAssessment) -> dict:
    return {
        "skill": rating.skill.slug,
        "level": Level(rating.level).label.lower(),
        "at": rating.created_at,
    }
