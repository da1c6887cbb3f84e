"""A mentee's review health, as their mentor sees it (read-only): reviews due
today, overdue, fading, and whether they paused their reviews.

Every figure comes from `progress.reviews`, the functions the mentee's own
dashboard and reviews page read, so the two sides agree: "due today" is
`due_reviews(...).total`, overdue and fading are counted from `schedule` and
`fading` (`reviews.review_states` reads the three for many learners at once).
The mentee page (`review_health`) and the hub's skills matrix
(`cached_review_health`, a cell per mentee) count them by one function,
`review_health_many`. `fading_concepts` answers the fading question per
concept for the matrix's skill cells, with the same test of a card
(`reviews.fades`).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.utils import timezone

from config import caching
from progress import figures, reviews
from progress.mentees import cached_per_learner
from progress.models import ReviewCard, ReviewSettings, RoleFollow
from progress.structure import load_structure, role_structure


@dataclass(frozen=True)
class ReviewHealth:
    due_today: int  # today's reviews within the daily limit (the dashboard's badge)
    waiting: int  # due, but past the daily limit
    overdue: int  # up for review since before today (not lapsed)
    fading: int  # done items whose predicted recall is below the target
    paused_until: datetime.date | None  # no reviews before this day
    reviews_on: bool  # a followed role has its reviews on


def review_health(learner, now: datetime.datetime | None = None) -> ReviewHealth:
    """The mentee's review health (the mentee page's panel): `review_health_many`
    of one."""
    return review_health_many([learner], now or timezone.now())[learner.pk]


def review_health_many(learners, now: datetime.datetime) -> dict[int, ReviewHealth]:
    """Each learner's review health, by id, in five queries however many (two
    when none has an item up for review; and the roles' structure, four more
    on the database cache): their follows and pacings, and
    `reviews.review_states` (their schedules, done items and which fade), the
    functions their own dashboard and reviews page read: "due today" is
    `due_reviews(...).total`, the dashboard's badge; overdue, the reviews of
    `schedule` due before today; fading, `len(fading(...))`."""
    learners = list(learners)
    if not learners:
        return {}
    follows = list(RoleFollow.objects.filter(learner__in=learners).shown())
    pacings = {
        pacing.learner_id: pacing
        for pacing in ReviewSettings.objects.filter(learner__in=learners)
    }
    # Read from the database when the cache is the database, as the hub's rows
    # read it (`progress.mentees.mentee_rows`): the cached copy costs more there.
    load = load_structure if caching.is_database() else role_structure
    states = reviews.review_states(learners, follows, now, pacings, load)
    reviewing = {follow.learner_id for follow in follows if follow.reviews}
    health = {}
    for learner in learners:
        state = states[learner.pk]
        today = figures.local_today(learner, now)
        health[learner.pk] = ReviewHealth(
            due_today=state.today.total,
            waiting=state.today.waiting,
            overdue=sum(1 for review in state.upcoming if review.due < today),
            fading=len(state.fading),
            paused_until=state.today.paused_until,
            reviews_on=learner.pk in reviewing,
        )
    return health


def cached_review_health(
    learners, now: datetime.datetime | None = None
) -> dict[int, ReviewHealth]:
    """`review_health_many`, cached per learner as the skills matrix's cells
    are (`cached_per_learner`): until their data or the content changes (a
    rating, a status, a pause, their pacing or follows bump their generation)
    or their day turns. Only "fading" moves with time alone: like the cells'
    fading, it may be up to ten minutes behind the mentee page's."""
    now = now or timezone.now()
    return cached_per_learner(
        learners, "review-health", lambda missing: review_health_many(missing, now), now
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
