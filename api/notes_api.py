"""The learner's notes, evidence and self-ratings, read through the API
(`/api/v1/me/notes`, `/api/v1/me/ratings`), as their data file keeps them."""

from __future__ import annotations

import datetime

from django.db.models import Prefetch, Q
from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from api import auth
from api.common import TOKEN_PROBLEMS, PageNumber, paginate, private
from api.schemas import Kind, Page, Problem
from progress.models import Evidence, ItemProgress, Level, SelfAssessment
from progress.visibility import Audience

router = Router(tags=["your progress"])


class EvidenceOut(Schema):
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


class Rating(Schema):
    skill: str
    level: str = Field(description="aware, beginner, competent, proficient or expert")
    at: datetime.datetime


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
    items = [
        {
            "kind": row.item_kind,
            "slug": row.item.slug,
            "title": str(row.item),
            "status": row.status,
            "note": row.note,
            "shared": row.note_shared,
            "evidence": [
                {"url": e.url, "title": e.title, "added_at": e.created_at}
                for e in row.evidence.all()
            ],
        }
        for row in rows
    ]
    return {**fields, "items": items}


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
    items = [
        {
            "skill": rating.skill.slug,
            "level": Level(rating.level).label.lower(),
            "at": rating.created_at,
        }
        for rating in ratings
    ]
    return {**fields, "items": items}
