"""Spaced review through the API, at /api/v1/me/reviews: what is due today, the
next 30 days' forecast, and a rating.

Every answer comes from the functions the reviews page reads
(`progress.reviews`): the due list is `due_reviews` (the daily limit and the
pause applied), the forecast is `forecast`, a rating goes through `refusal` and
`rate`. So the API and the page cannot disagree on a day or a count.
"""

from __future__ import annotations

import datetime
from typing import Literal

from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils import timezone
from ninja import Path, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from api import auth, schemas
from api.common import TOKEN_PROBLEMS, private
from progress import figures, reviews
from progress.models import RoleFollow
from progress.visibility import ITEM_MODELS, Audience
from roadmap.models import Source

router = Router(tags=["your reviews"])

RatingValue = Literal["again", "hard", "good", "easy"]


# --- Shapes -------------------------------------------------------------------------


class DueReview(Schema):
    kind: schemas.Kind
    slug: str
    title: str
    due: datetime.date = Field(
        description="The day it fell due (yours: your time zone); today or earlier."
    )
    prompt: str | None = Field(
        description="The question to answer from memory, if the item has one; "
        "its answer is a passage of one of the item's sources."
    )


class Reviews(Schema):
    items: list[DueReview] = Field(
        description=f"Today's reviews, the oldest first, at most "
        f"{reviews.REVIEWS_SHOWN}: the reviews page's list."
    )
    total: int = Field(
        description="How many are today's in all, within your daily limit "
        "(the dashboard's count)."
    )
    waiting: int = Field(
        description="How many more are due but wait for a later day: your daily "
        "limit is reached."
    )
    paused_until: datetime.date | None = Field(
        description="While your reviews are paused: the day they start again "
        "(nothing is due before it). Otherwise null."
    )


class ForecastDay(Schema):
    date: datetime.date
    count: int = Field(
        description="How many reviews fall on the day (today's: the due ones, "
        "within your daily limit)."
    )


class RatingIn(schemas.Input):
    rating: RatingValue = Field(description="How well you recalled the item.")


class Rated(Schema):
    kind: schemas.Kind
    slug: str
    title: str
    rating: RatingValue
    due: datetime.date = Field(description="The day it comes back for review.")
    interval_days: int = Field(description="In how many days (from your today).")


# --- Endpoints ----------------------------------------------------------------------


@router.get(
    "/reviews",
    response={200: Reviews, **TOKEN_PROBLEMS},
    auth=auth.READ,
    summary="Your reviews due today",
)
@private
def due_today(request: HttpRequest):
    """What the reviews page shows as today's reviews: those due today or
    earlier, the oldest first, within your daily limit (what you rated today
    counts against it); how many more wait beyond it; and a pause, if any."""
    learner = request.auth
    follows = list(RoleFollow.objects.filter(learner=learner).shown())
    today = reviews.due_reviews(learner, follows, timezone.now())
    prompts = _prompts(learner, today.due)
    return {
        "items": [
            {
                "kind": review.kind,
                "slug": review.slug,
                "title": review.title,
                "due": review.due,
                "prompt": prompts.get((review.kind, review.slug)),
            }
            for review in today.due
        ],
        "total": today.total,
        "waiting": today.waiting,
        "paused_until": today.paused_until,
    }


@router.get(
    "/reviews/forecast",
    response={200: list[ForecastDay], **TOKEN_PROBLEMS},
    auth=auth.READ,
    summary="Your reviews over the next 30 days",
)
@private
def forecast(request: HttpRequest):
    """Each of the next 30 days, today first, with how many reviews fall on it:
    the reviews page's forecast."""
    learner = request.auth
    follows = list(RoleFollow.objects.filter(learner=learner).shown())
    return [
        {"date": day, "count": count}
        for day, count in reviews.forecast(learner, follows, timezone.now())
    ]


@router.post(
    "/reviews/{kind}/{slug}",
    response={
        200: Rated,
        **TOKEN_PROBLEMS,
        403: schemas.Problem,
        404: schemas.Problem,
        409: schemas.Problem,
        413: schemas.Problem,
    },
    auth=auth.WRITE,
    summary="Rate a review",
)
@private
def rate(
    request: HttpRequest,
    kind: Path[schemas.Kind],
    slug: Path[str],
    body: RatingIn,
):
    """Rate how well you recalled an item that is due, as the reviews page's
    buttons do: it comes back on the day the page's button for that rating
    says. An item is rated once until that day. Refused (409) when the item is
    not due yet, you have no review of it (not done, or not of a role you
    follow with reviews on), or your reviews are paused."""
    learner = request.auth
    item = Audience(learner).item(kind, slug)
    refused = reviews.refusal(learner, kind, item)
    if refused:
        raise HttpError(409, refused)
    now = timezone.now()
    today = figures.local_today(learner, now)
    # The one rule of what comes up when (`reviews.schedule`): an item whose
    # day is still ahead is not due. One left unanswered past its days is no
    # longer listed, and is due: rating it brings it back, as on the pages.
    follows = list(RoleFollow.objects.filter(learner=learner).shown())
    upcoming, _answered = reviews.schedule(learner, follows, now)
    day = next(
        (r.due for r in upcoming if r.kind == kind and r.slug == item.slug), None
    )
    if day is not None and day > today:
        raise HttpError(409, f"{item} is not due: its next review is on {day}.")
    card = reviews.rate(learner, item, kind, body.rating, now)
    return {
        "kind": kind,
        "slug": item.slug,
        "title": str(item),
        "rating": body.rating,
        "due": card.due,
        "interval_days": (card.due - today).days,
    }


def _prompts(learner, due) -> dict[tuple[str, str], str]:
    """(kind, slug) -> the recall prompt of each due item that has one the
    learner may answer: as on the reviews page, the answer is a passage of a
    source of the item they may open (published: the API shows no drafts).
    Two queries a kind of item, however many items."""
    prompts = {}
    for kind, model in ITEM_MODELS.items():
        slugs = [review.slug for review in due if review.kind == kind]
        if not slugs:
            continue
        visible = Source.objects.visible(False).only("slug")
        items = model.objects.filter(slug__in=slugs).prefetch_related(
            Prefetch("sources", queryset=visible)
        )
        for item in items:
            open_sources = {source.slug for source in item.sources.all()}
            recall = reviews.recall_shown(item, open_sources)
            if recall:
                prompts[(kind, item.slug)] = recall.prompt
    return prompts
