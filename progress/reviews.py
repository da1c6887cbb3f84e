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
import functools
import itertools
import statistics
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone
from fsrs import Card, Rating, Scheduler

from config import caching
from progress.models import (
    ItemProgress,
    ReviewCard,
    ReviewLog,
    ReviewSettings,
    RoleFollow,
    Status,
)
from progress.plan import DEFAULT_REVIEW_MINUTES, ReviewLoad, local_today
from progress.structure import role_structure

REVIEWS_SHOWN = 10
FORECAST_DAYS = 30
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
    role_id: int = 0  # the followed role the item is reviewed for


@dataclass(frozen=True)
class Reviews:
    due: list[DueReview]  # the ones shown, oldest first
    total: int  # today's reviews: all that are due (not lapsed), within the limit
    answered_today: bool = False  # a review was rated today, the learner's day
    waiting: int = 0  # due, but past the daily limit: they wait, oldest first
    paused_until: datetime.date | None = None  # no reviews before this day


@functools.lru_cache(maxsize=16)
def scheduler(retention: float) -> Scheduler:
    """FSRS with the learner's target retention (whole days, no fuzz)."""
    if retention == SCHEDULER.desired_retention:
        return SCHEDULER
    return Scheduler(
        desired_retention=retention,
        learning_steps=(),
        relearning_steps=(),
        enable_fuzzing=False,
        maximum_interval=365,
    )


def reviewable(follows) -> dict[tuple[str, int], tuple[str, str, int]]:
    """(kind, id) -> (slug, title, role id) of the items of the followed roles
    whose reviews are on (from the roles' cached structure)."""
    return items_of({follow.role_id for follow in follows if follow.reviews})


def items_of(
    role_ids: set[int], structure=None
) -> dict[tuple[str, int], tuple[str, str, int]]:
    """`reviewable` of the roles `role_ids`, from `structure` if given (it must
    hold them), else the roles' cached structure."""
    if not role_ids:
        return {}
    structure = structure or role_structure(role_ids)
    items = {
        ("step", step.pk): (step.slug, step.title, step.role_id)
        for step in structure.steps
        if step.role_id in role_ids
    }
    for pk, role_id, name, _hours, slug in structure.concepts:
        if role_id in role_ids:
            items[("concept", pk)] = (slug, name, role_id)
    return items


def schedule(
    learner, follows, now: datetime.datetime, pacing: ReviewSettings | None = None
) -> tuple[list[DueReview], int]:
    """Every item up for review, on the day of its next review (lapsed ones left
    out; none before the end of a pause), oldest first; and how many were rated
    today. Two queries (the structure is cached)."""
    return _schedule(learner, reviewable(follows), now, pacing)


def _card_rows(learners):
    """(learner id, step id, concept id, due, last rating) of each schedule."""
    return (
        ReviewCard.objects.filter(learner__in=learners)
        .annotate(last=Max("logs__reviewed_at"))
        .values_list("learner_id", "step_id", "concept_id", "due", "last")
    )


def _done_rows(learners):
    """(learner id, step id, concept id, when marked done) of each done item."""
    return ItemProgress.objects.filter(
        learner__in=learners, status=Status.DONE
    ).values_list("learner_id", "step_id", "concept_id", "status_changed_at")


def _schedule(
    learner, items, now, pacing, cards=None, done=None
) -> tuple[list[DueReview], int]:
    """`schedule` of `items`, from the learner's schedules (`cards`) and done
    items (`done`), read here unless given (`_card_rows`, `_done_rows`)."""
    if not items:
        return [], 0
    today = local_today(now, learner.zone)
    pacing = pacing or ReviewSettings.of(learner)
    resume = pacing.paused_until if pacing.is_paused(today) else None
    scheduled, answered_today = {}, 0
    cards = _card_rows([learner]) if cards is None else cards
    for _learner, step_id, concept_id, due, last in cards:
        key = ("step", step_id) if step_id else ("concept", concept_id)
        scheduled[key] = due
        if key in items and last and last.astimezone(learner.zone).date() == today:
            answered_today += 1
    upcoming: list[DueReview] = []
    done = _done_rows([learner]) if done is None else done
    for _learner, step_id, concept_id, changed in done:
        key = ("step", step_id) if step_id else ("concept", concept_id)
        if key not in items:
            continue
        day = scheduled.get(key)
        if day is None:
            done_on = changed.astimezone(learner.zone).date() if changed else today
            day = done_on + datetime.timedelta(days=1)
        if resume and day < resume:  # marked done during the pause
            day = resume
        if (today - day).days <= LAPSED_DAYS:
            slug, title, role_id = items[key]
            upcoming.append(DueReview(key[0], slug, title, day, role_id))
    upcoming.sort(key=lambda review: (review.due, review.title))
    return upcoming, answered_today


def due_reviews(
    learner, follows, now: datetime.datetime, pacing: ReviewSettings | None = None
) -> Reviews:
    """The learner's reviews for today: those due today or earlier, oldest
    first, as many as their daily limit leaves (what they rated today counts
    against it). The dashboard's, the reviews page's, the weekly email's and the
    calendar's today."""
    pacing = pacing or ReviewSettings.of(learner)
    return _todays(learner, pacing, schedule(learner, follows, now, pacing), now)


def _todays(learner, pacing, scheduled, now: datetime.datetime) -> Reviews:
    today = local_today(now, learner.zone)
    if pacing.is_paused(today):
        return Reviews([], 0, paused_until=pacing.paused_until)
    upcoming, answered = scheduled
    due = [review for review in upcoming if review.due <= today]
    allowed = len(due)
    if pacing.daily_limit is not None:
        allowed = max(0, min(allowed, pacing.daily_limit - answered))
    return Reviews(
        due[: min(allowed, REVIEWS_SHOWN)],
        allowed,
        answered > 0,
        waiting=len(due) - allowed,
    )


def review_days(
    learner,
    follows,
    now: datetime.datetime,
    days_ahead: int,
    pacing: ReviewSettings | None = None,
) -> dict[datetime.date, int]:
    """How many reviews fall on each day from today to `days_ahead` days on:
    today's are `due_reviews`' (overdue ones included, within the limit); a
    later day's, those that fall due on it."""
    pacing = pacing or ReviewSettings.of(learner)
    today = local_today(now, learner.zone)
    last = today + datetime.timedelta(days=days_ahead)
    scheduled = schedule(learner, follows, now, pacing)
    todays = _todays(learner, pacing, scheduled, now)
    days: dict[datetime.date, int] = {today: todays.total} if todays.total else {}
    for review in scheduled[0]:
        if today < review.due <= last:
            days[review.due] = days.get(review.due, 0) + 1
    return days


def forecast(
    learner, follows, now: datetime.datetime, pacing: ReviewSettings | None = None
) -> list[tuple[datetime.date, int]]:
    """Each of the next FORECAST_DAYS days (today first) with how many reviews
    fall on it: the reviews page's forecast, from `review_days`."""
    today = local_today(now, learner.zone)
    counts = review_days(learner, follows, now, FORECAST_DAYS - 1, pacing)
    return [
        (day, counts.get(day, 0))
        for day in (today + datetime.timedelta(days=n) for n in range(FORECAST_DAYS))
    ]


def intervals(
    learner, kind: str, item, now: datetime.datetime, retention: float
) -> dict[str, datetime.date]:
    """What each rating would do: rating -> the day the item comes back (the
    learner's). The rating buttons say it, and `rate` keeps to it."""
    row = ReviewCard.objects.filter(learner=learner, **{kind: item}).first()
    fsrs = scheduler(retention)
    days = {}
    for name, value in RATINGS.items():
        card = Card.from_dict(row.card) if row else Card()
        card, _log = fsrs.review_card(card, Rating(value), now)
        days[name] = card.due.astimezone(learner.zone).date()
    return days


def recall_shown(item, open_sources: set[str]):
    """The item's recall prompt, when there is one whose answer is a passage of
    a source the viewer may open (`open_sources`: the slugs of the item's
    sources they may see); else None. The reviews page and the API ask this
    one rule."""
    recall = item.recall
    if recall and recall.source_slug in open_sources:
        return recall
    return None


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
    pacing = ReviewSettings.of(learner)
    if pacing.is_paused(local_today(timezone.now(), learner.zone)):
        return (
            f"Your reviews are paused until {pacing.paused_until:%-d %B %Y}: end "
            "the pause on your reviews page to review now."
        )
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
        if row is not None and row.due > local_today(now, learner.zone):
            return row
        card = Card.from_dict(row.card) if row else Card()
        fsrs = scheduler(ReviewSettings.of(learner).retention)
        card, _log = fsrs.review_card(card, Rating(RATINGS[rating]), now)
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


def pause(learner, until: datetime.date, now: datetime.datetime) -> int:
    """No reviews before `until`: every review of the learner (first reviews
    included) moves on by the pause's length, so the days after it carry the
    load they had, not a pile; those already due wait for its end (lapsed ones
    stay lapsed). Pausing again while paused lengthens the pause (a shorter one
    changes nothing: end it instead). Returns how many reviews moved."""
    today = local_today(now, learner.zone)
    with transaction.atomic():
        pacing, _ = ReviewSettings.objects.select_for_update().get_or_create(
            learner=learner
        )
        start = pacing.paused_until if pacing.is_paused(today) else today
        days = (until - start).days
        if days <= 0:
            return 0
        _first_reviews_as_cards(learner, now)
        lapsed = today - datetime.timedelta(days=LAPSED_DAYS)
        cards = list(
            ReviewCard.objects.filter(learner=learner, due__gte=lapsed).only(
                "pk", "due"
            )
        )
        for card in cards:
            # What was due by the pause's start waits for its end; the rest
            # moves on by its length, keeping the days between them.
            card.due = max(card.due + datetime.timedelta(days=days), until)
        ReviewCard.objects.bulk_update(cards, ["due"], batch_size=500)
        if not pacing.is_paused(today):
            pacing.paused_from = today
        pacing.paused_until = until
        pacing.save()
        caching.bump("learner", learner.pk)
    return len(cards)


def resume(learner, now: datetime.datetime) -> int:
    """End a pause today: the reviews move back by the days it had left (none
    to before today). Returns how many moved."""
    today = local_today(now, learner.zone)
    with transaction.atomic():
        pacing = (
            ReviewSettings.objects.select_for_update().filter(learner=learner).first()
        )
        if pacing is None or not pacing.is_paused(today):
            return 0
        back = datetime.timedelta(days=(pacing.paused_until - today).days)
        cards = list(
            ReviewCard.objects.filter(learner=learner, due__gte=today).only("pk", "due")
        )
        for card in cards:
            card.due = max(today, card.due - back)
        ReviewCard.objects.bulk_update(cards, ["due"], batch_size=500)
        pacing.paused_from = pacing.paused_until = None
        pacing.save()
        caching.bump("learner", learner.pk)
    return len(cards)


def _first_reviews_as_cards(learner, now: datetime.datetime) -> None:
    """Give each done item still waiting for its first review a schedule of its
    own (a new FSRS card due the day after it was marked done), so a pause can
    move it like the others."""
    follows = RoleFollow.objects.filter(learner=learner).shown()
    upcoming, _answered = schedule(learner, follows, now)
    have = {
        ("step", step) if step else ("concept", concept)
        for step, concept in ReviewCard.objects.filter(learner=learner).values_list(
            "step_id", "concept_id"
        )
    }
    items = reviewable(follows)
    by_slug = {(kind, items[(kind, pk)][0]): pk for kind, pk in items}
    # A first rating of one of them at the same moment makes its card first.
    ReviewCard.objects.bulk_create(
        (
            ReviewCard(
                learner=learner,
                card=Card().to_dict(),
                due=review.due,
                **{f"{review.kind}_id": by_slug[(review.kind, review.slug)]},
            )
            for review in upcoming
            if (review.kind, by_slug[(review.kind, review.slug)]) not in have
        ),
        ignore_conflicts=True,
    )


def save_pacing(learner, daily_limit: int | None, retention: float) -> None:
    """Save the learner's daily limit and retention (their pause stays as it
    is): today's reviews change."""
    with transaction.atomic():
        ReviewSettings.objects.update_or_create(
            learner=learner,
            defaults={"daily_limit": daily_limit, "retention": retention},
        )
        caching.bump("learner", learner.pk)


def fading(
    learner,
    follows,
    now: datetime.datetime,
    pacing: ReviewSettings | None = None,
) -> set[tuple[str, int]]:
    """The done items up for review (their day has come) whose predicted recall
    (FSRS retrievability) has fallen below the learner's target retention:
    (kind, id). Only reviewed items have a prediction; an item stays done while
    it fades. One query (and the learner's pacing, unless given)."""
    items = reviewable(follows)
    if not items:
        return set()
    pacing = pacing or ReviewSettings.of(learner)
    return fading_many([learner], {learner.pk: items}, {learner.pk: pacing}, now)[
        learner.pk
    ]


def fading_many(
    learners, items: dict, pacings: dict, now: datetime.datetime
) -> dict[int, set[tuple[str, int]]]:
    """`fading` of many learners, learner id -> (kind, id), in one query however
    many (none when none has an item up for review): `items`, learner id ->
    their `reviewable` items; `pacings`, learner id -> their settings."""
    found: dict[int, set[tuple[str, int]]] = {learner.pk: set() for learner in learners}
    reading = [learner for learner in learners if items.get(learner.pk)]
    if not reading:
        return found
    done = ItemProgress.objects.filter(
        learner=OuterRef("learner_id"), status=Status.DONE
    ).filter(Q(step_id=OuterRef("step_id")) | Q(concept_id=OuterRef("concept_id")))
    todays = {learner.pk: local_today(now, learner.zone) for learner in reading}
    for learner_id, step_id, concept_id, state, due in (
        ReviewCard.objects.filter(learner__in=reading)
        .filter(Exists(done))
        .values_list("learner_id", "step_id", "concept_id", "card", "due")
    ):
        key = ("step", step_id) if step_id else ("concept", concept_id)
        pacing, today = pacings[learner_id], todays[learner_id]
        if key in items[learner_id] and fades(state, due, pacing, now, today):
            found[learner_id].add(key)
    return found


@dataclass(frozen=True)
class ReviewState:
    """A learner's reviews at a moment, as their own pages read them."""

    today: Reviews  # `due_reviews`
    upcoming: list[DueReview]  # `schedule`'s reviews
    fading: set[tuple[str, int]]  # `fading`


def review_states(
    learners, follows, now: datetime.datetime, pacings: dict, load=role_structure
) -> dict[int, ReviewState]:
    """`due_reviews`, `schedule` and `fading` of many learners, by id, in three
    queries however many (their schedules, their done items, and which of
    them fade; none when no one has an item up for review): the mentor's hub
    reads its mentees' reviews as their own pages do. `follows`: the learners'
    followed roles (`RoleFollow.objects.shown()`); `pacings`: learner id ->
    their settings (the defaults when missing); `load`: how the roles'
    structure is read (`structure.role_structure`, from its cache, unless
    given)."""
    reviewing = defaultdict(set)
    for follow in follows:
        if follow.reviews:
            reviewing[follow.learner_id].add(follow.role_id)
    role_ids = set().union(*reviewing.values())
    structure = load(sorted(role_ids)) if role_ids else None
    items = {
        learner.pk: items_of(reviewing[learner.pk], structure) for learner in learners
    }
    pacings = {
        learner.pk: pacings.get(learner.pk) or ReviewSettings(learner=learner)
        for learner in learners
    }
    reading = [learner for learner in learners if items[learner.pk]]
    cards, done = defaultdict(list), defaultdict(list)
    if reading:
        for row in _card_rows(reading):
            cards[row[0]].append(row)
        for row in _done_rows(reading):
            done[row[0]].append(row)
    fading_of = fading_many(reading, items, pacings, now)
    states = {}
    for learner in learners:
        pk, pacing = learner.pk, pacings[learner.pk]
        scheduled = _schedule(learner, items[pk], now, pacing, cards[pk], done[pk])
        states[pk] = ReviewState(
            _todays(learner, pacing, scheduled, now),
            scheduled[0],
            fading_of.get(pk, set()),
        )
    return states


def fades(
    state: dict,
    due: datetime.date,
    pacing: ReviewSettings,
    now: datetime.datetime,
    today: datetime.date,
) -> bool:
    """Whether a reviewed item fades: its day has come (not while a pause holds
    it, nor before a day set under another target) and its predicted recall
    (its FSRS card's retrievability) is below the learner's target retention
    at `now`. An item never rated has no prediction and does not fade."""
    if due > today or pacing.is_paused(today):
        return False
    retention = pacing.retention
    card = Card.from_dict(state)
    if card.last_review is None:
        return False
    return scheduler(retention).get_card_retrievability(card, now) < retention


# A gap longer than this between two ratings is a new sitting, not one review.
SITTING_GAP = datetime.timedelta(minutes=10)
# How many of the learner's timed reviews make their own measure, and how far
# back their ratings are read.
MIN_TIMED_REVIEWS = 5
TIMING_DAYS = 30


def week_load(learner, goals: dict, now: datetime.datetime) -> dict[int, ReviewLoad]:
    """role id -> the reviews of its items in the next 7 days (today's within
    the daily limit, none during a pause) and the minutes one takes, for the
    roles in `goals` (role id -> `plan.Goal`) whose reviews are on: the time
    each role's plan holds for them. Five queries."""
    return week_loads([learner], {learner.pk: goals}, now).get(learner.pk, {})


def week_loads(
    learners,
    goals: dict[int, dict],
    now: datetime.datetime,
    structure=None,
    follows=None,
) -> dict[int, dict[int, ReviewLoad]]:
    """`week_load` of many learners (learner id -> role id -> load; `goals`:
    learner id -> their goals), in five queries however many (four with
    `follows`, the learners' followed roles, given): the mentor's rows plan as
    the learners' own pages do. Today's reviews are counted as the reviews
    page counts them, over every followed role with reviews on, and each goal's
    role gets its own. `structure`: the roles' structure the caller holds, if
    it holds every role followed (else it is read from its cache)."""
    planned = {
        learner.pk: {
            role_id
            for role_id, goal in goals.get(learner.pk, {}).items()
            if goal.reviews
        }
        for learner in learners
    }
    learners = [learner for learner in learners if planned[learner.pk]]
    if not learners:
        return {}
    if follows is None:
        follows = RoleFollow.objects.filter(learner__in=learners).shown()
    reviewing = defaultdict(set)
    for follow in follows:
        if follow.reviews:
            reviewing[follow.learner_id].add(follow.role_id)
    structure = structure or role_structure(set().union(*reviewing.values()))
    pacings = {
        row.learner_id: row
        for row in ReviewSettings.objects.filter(learner__in=learners)
    }
    cards, done = defaultdict(list), defaultdict(list)
    for row in _card_rows(learners):
        cards[row[0]].append(row)
    for row in _done_rows(learners):
        done[row[0]].append(row)
    minutes = minutes_per_review(learners, now)
    loads = {}
    for learner in learners:
        items = items_of(reviewing[learner.pk], structure)
        pacing = pacings.get(learner.pk) or ReviewSettings(learner=learner)
        scheduled = _schedule(
            learner, items, now, pacing, cards[learner.pk], done[learner.pk]
        )
        today = local_today(now, learner.zone)
        todays = _todays(learner, pacing, scheduled, now)
        due_today = [review for review in scheduled[0] if review.due <= today]
        later = today + datetime.timedelta(days=6)
        counts: dict[int, int] = defaultdict(int)
        for review in [
            *due_today[: todays.total],
            *(r for r in scheduled[0] if today < r.due <= later),
        ]:
            if review.role_id in planned[learner.pk]:
                counts[review.role_id] += 1
        each, measured = minutes[learner.pk]
        loads[learner.pk] = {
            role_id: ReviewLoad(count, each, measured)
            for role_id, count in counts.items()
        }
    return loads


def minutes_per_review(learners, now: datetime.datetime) -> dict:
    """learner id -> (how long one of their reviews takes, measured): the
    median gap between two ratings of one sitting (at most SITTING_GAP apart)
    over their ratings of the last TIMING_DAYS days, once there are
    MIN_TIMED_REVIEWS such gaps; else (DEFAULT_REVIEW_MINUTES, False). One query."""
    moments = defaultdict(list)
    for learner_id, at in (
        ReviewLog.objects.filter(
            card__learner__in=learners,
            reviewed_at__gte=now - datetime.timedelta(days=TIMING_DAYS),
        )
        .order_by("card__learner_id", "reviewed_at")
        .values_list("card__learner_id", "reviewed_at")
    ):
        moments[learner_id].append(at)
    result = {}
    for learner in learners:
        gaps = [
            (later - earlier).total_seconds() / 60
            for earlier, later in itertools.pairwise(moments[learner.pk])
            if later - earlier <= SITTING_GAP
        ]
        if len(gaps) < MIN_TIMED_REVIEWS:
            result[learner.pk] = (DEFAULT_REVIEW_MINUTES, False)
        else:
            result[learner.pk] = (max(round(statistics.median(gaps), 1), 0.1), True)
    return result
