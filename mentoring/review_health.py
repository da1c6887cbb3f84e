"""A mentee's review health, as their mentor sees it (read-only): reviews due
today, overdue, fading, and whether they paused their reviews.

Every figure comes from `progress.reviews`, the functions the mentee's own
dashboard and reviews page read, so the two sides agree: "due today" is
`due_reviews(...).total`, overdue and fading are counted from `schedule` and
`fading`. `fading_concepts` answers the fading question for many mentees at
once, for the skills matrix, with the same test of a card (`reviews.fades`).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.utils import timezone

from progress import figures, reviews
from progress.models import ReviewCard, ReviewSettings, RoleFollow


@dataclass(frozen=True)
class ReviewHealth:
    due_today: int  # today's reviews within the daily limit (the dashboard's badge)
    waiting: int  # due, but past the daily limit
    overdue: int  # up for review since before today (not lapsed)
    fading: int  # done items whose predicted recall is below the target
    paused_until: datetime.date | None  # no reviews before this day
    reviews_on: bool  # a followed role has its reviews on


def review_health(learner, now: datetime.datetime | None = None) -> ReviewHealth:
    """The mentee's review health in seven queries: their follows and pacing,
    `schedule`'s two, twice (`due_reviews` reads it too: its total is the
    dashboard's own), and `fading`'s one."""
    now = now or timezone.now()
    follows = list(RoleFollow.objects.filter(learner=learner).shown())
    pacing = ReviewSettings.of(learner)
    todays = reviews.due_reviews(learner, follows, now, pacing)
    upcoming, _answered = reviews.schedule(learner, follows, now, pacing)
    today = figures.local_today(learner, now)
    return ReviewHealth(
        due_today=todays.total,
        waiting=todays.waiting,
        overdue=sum(1 for review in upcoming if review.due < today),
        fading=len(reviews.fading(learner, follows, now, pacing)),
        paused_until=todays.paused_until,
        reviews_on=any(follow.reviews for follow in follows),
    )


def fading_concepts(
    done: dict[int, set[int]], now: datetime.datetime
) -> dict[int, set[int]]:
    """learner's id -> the ids of their fading concepts, among `done` (learner's
    id -> the published concepts they marked done, of the skills shown): the
    rule of `reviews.fading` (a reviewed card, its day come and no pause
    holding it, whose predicted recall is below the learner's target, of a
    published role they follow with reviews on: `reviews.fades`), in two
    queries however many learners; none when nothing is done."""
    found: dict[int, set[int]] = defaultdict(set)
    concept_ids = sorted(set().union(*done.values())) if done else []
    if not concept_ids:
        return found
    reviewed_role = RoleFollow.objects.filter(
        learner=OuterRef("learner"),
        reviews=True,
        role__is_published=True,
        role__role_skills__skill=OuterRef("concept__skill"),
    )
    rows = list(
        ReviewCard.objects.filter(learner__in=list(done), concept__in=concept_ids)
        .filter(Exists(reviewed_role))
        .select_related("learner")
        .only("learner__timezone", "concept_id", "card", "due")
    )
    pacings = {
        pacing.learner_id: pacing
        for pacing in ReviewSettings.objects.filter(learner__in=list(done))
    }
    for row in rows:
        learner = row.learner
        if row.concept_id not in done[learner.pk]:
            continue
        pacing = pacings.get(learner.pk) or ReviewSettings(learner=learner)
        today = figures.local_today(learner, now)
        if reviews.fades(row.card, row.due, pacing, now, today):
            found[learner.pk].add(row.concept_id)
    return found
