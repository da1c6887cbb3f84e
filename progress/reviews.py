"""Spaced review: what a learner marked done comes back for review, on days that
FSRS (the `fsrs` package) computes from how well they recalled it.

Rules (docs/progress.md, "Spaced review"):

- An item of a followed role with reviews on, marked done, is first due the day
  after it was marked done (in the learner's time zone). It has no schedule of
  its own until its first review.
- Each review is rated again, hard, good or easy; FSRS gives the next day
  (whole days: no learning steps of minutes, no fuzz, at most a year ahead), and
  the rating is kept in the item's history.
- The dashboard lists the reviews due today or earlier, the oldest first, at most
  REVIEWS_SHOWN of them. A review left unanswered for more than LAPSED_DAYS
  after its day leaves the list instead of piling up: marking the item done
  again, or rating it from its page, brings it back.
- An item that is no longer done is not reviewed; a role's reviews can be turned
  off on its goal page.

One rule says what comes up for review (`schedule`): a done item of a role the
learner follows (`RoleFollow.objects.shown()`) with reviews on, on the day of
its card or, before its first rating, the day after it was marked done. The
dashboard and the weekly email (`due_reviews`), the calendar feed
(`review_days`) and the rating form (`refusal`) all read it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from fsrs import Card, Rating, Scheduler

from config import caching
from progress import figures
from progress.models import ItemProgress, ReviewCard, ReviewLog, RoleFollow, Status
from progress.structure import role_structure

REVIEWS_SHOWN = 10
LAPSED_DAYS = 60
SCHEDULER = Scheduler(
    learning_steps=(),
    relearning_steps=(),
    enable_fuzzing=False,
    maximum_interval=365,
)
RATINGS = {
    "again": ReviewLog.Rating.AGAIN,
    "hard": ReviewLog.Rating.HARD,
    "good": ReviewLog.Rating.GOOD,
    "easy": ReviewLog.Rating.EASY,
}


@dataclass(frozen=True)
class DueReview:
    kind: str
    slug: str
    title: str
    due: datetime.date


@dataclass(frozen=True)
class Reviews:
    due: list[DueReview]  # the ones shown, oldest first
    total: int  # all that are due (and not lapsed)
    answered_today: bool = False  # a review was rated today, the learner's day


def reviewable(follows) -> dict[tuple[str, int], tuple[str, str]]:
    """(kind, id) -> (slug, title) of the items of the followed roles whose
    reviews are on (from the roles' cached structure)."""
    role_ids = {follow.role_id for follow in follows if follow.reviews}
    if not role_ids:
        return {}
    structure = role_structure(role_ids)
    items = {
        ("step", step.pk): (step.slug, step.title)
        for step in structure.steps
        if step.role_id in role_ids
    }
    for pk, role_id, name, _hours, slug in structure.concepts:
        if role_id in role_ids:
            items[("concept", pk)] = (slug, name)
    return items


def schedule(learner, follows, now: datetime.datetime) -> tuple[list[DueReview], bool]:
    """Every item up for review, on the day of its next review (lapsed ones left
    out), oldest first; and whether a review was rated today. Two queries (the
    structure is cached)."""
    items = reviewable(follows)
    if not items:
        return [], False
    today = figures.local_today(learner, now)
    scheduled, answered_today = {}, False
    for step_id, concept_id, due, last in (
        ReviewCard.objects.filter(learner=learner)
        .annotate(last=Max("logs__reviewed_at"))
        .values_list("step_id", "concept_id", "due", "last")
    ):
        key = ("step", step_id) if step_id else ("concept", concept_id)
        scheduled[key] = due
        if key in items and last and last.astimezone(learner.zone).date() == today:
            answered_today = True
    upcoming: list[DueReview] = []
    for step_id, concept_id, changed in ItemProgress.objects.filter(
        learner=learner, status=Status.DONE
    ).values_list("step_id", "concept_id", "status_changed_at"):
        key = ("step", step_id) if step_id else ("concept", concept_id)
        if key not in items:
            continue
        day = scheduled.get(key)
        if day is None:
            done_on = changed.astimezone(learner.zone).date() if changed else today
            day = done_on + datetime.timedelta(days=1)
        if (today - day).days <= LAPSED_DAYS:
            slug, title = items[key]
            upcoming.append(DueReview(key[0], slug, title, day))
    upcoming.sort(key=lambda review: (review.due, review.title))
    return upcoming, answered_today


def due_reviews(learner, follows, now: datetime.datetime) -> Reviews:
    """The learner's reviews due today or earlier: the dashboard's and the
    weekly email's."""
    upcoming, answered_today = schedule(learner, follows, now)
    today = figures.local_today(learner, now)
    due = [review for review in upcoming if review.due <= today]
    return Reviews(due[:REVIEWS_SHOWN], len(due), answered_today)


def review_days(
    learner, follows, now: datetime.datetime, days_ahead: int
) -> dict[datetime.date, int]:
    """How many reviews fall on each day from today to `days_ahead` days on:
    today's are the ones the dashboard lists (overdue ones included)."""
    today = figures.local_today(learner, now)
    last = today + datetime.timedelta(days=days_ahead)
    days: dict[datetime.date, int] = {}
    for review in schedule(learner, follows, now)[0]:
        day = max(review.due, today)
        if day <= last:
            days[day] = days.get(day, 0) + 1
    return days


def refusal(learner, kind: str, item) -> str | None:
    """Why the learner may not rate the item, or None when it is up for review."""
    follows = RoleFollow.objects.filter(learner=learner).shown()
    if (kind, item.pk) not in reviewable(follows):
        return (
            f"{item} is not up for review: only the items of the roles you follow "
            "with reviews on are."
        )
    if not ItemProgress.objects.filter(
        learner=learner, status=Status.DONE, **{kind: item}
    ).exists():
        return "Only a done item is reviewed: mark it done first."
    return None


def rate(learner, item, kind: str, rating: str, now: datetime.datetime) -> ReviewCard:
    """Record a review of a done item and schedule the next one. An item is
    rated once until its next day: a second rating before it (a double click)
    records nothing and returns the schedule the first one gave."""
    with transaction.atomic():
        # Two first ratings at once find no review row to lock: both wait on
        # the learner's status row of the item instead, one after the other.
        list(
            ItemProgress.objects.select_for_update()
            .filter(learner=learner, **{kind: item})
            .values_list("pk", flat=True)
        )
        row = (
            ReviewCard.objects.select_for_update()
            .filter(learner=learner, **{kind: item})
            .first()
        )
        if row is not None and row.due > figures.local_today(learner, now):
            return row
        card = Card.from_dict(row.card) if row else Card()
        card, _log = SCHEDULER.review_card(card, Rating(RATINGS[rating]), now)
        due = card.due.astimezone(learner.zone).date()
        if row is None:
            row = ReviewCard.objects.create(
                learner=learner, card=card.to_dict(), due=due, **{kind: item}
            )
        else:
            row.card, row.due = card.to_dict(), due
            row.save(update_fields=["card", "due"])
        ReviewLog.objects.create(card=row, rating=RATINGS[rating], next_due=due)
        caching.bump("learner", learner.pk)  # the dashboard lists what is due
    return row
