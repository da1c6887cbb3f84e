"""Freshness: a done item whose predicted recall has fallen below the learner's
target retention is fading (`progress.reviews.fading`); done stays done."""

import datetime

import pytest
from django.urls import reverse

from progress import reviews
from progress.models import ItemProgress, ReviewCard, RoleFollow
from tests.progress.test_reviewable import (
    mark,
    rate,
    signed_in,  # noqa: F401 - a fixture
)

# ruff: noqa: F811 - the tests take the `signed_in` fixture imported above


def fading(learner, clock) -> set:
    follows = RoleFollow.objects.filter(learner=learner).shown()
    return reviews.fading(learner, follows, clock.current)


@pytest.mark.django_db
class TestFading:
    def test_an_item_fades_once_past_its_day_and_stays_done(
        self,
        signed_in,
        learner,
        clock,
        steps,
    ):
        mark(signed_in, "step", "s1")
        clock.advance(days=1)
        assert fading(learner, clock) == set()  # never reviewed: no prediction
        rate(signed_in, "step", "s1", "good")
        due = ReviewCard.objects.get(learner=learner).due
        clock.current = clock.current.replace(
            year=due.year, month=due.month, day=due.day
        )
        assert fading(learner, clock) == set()  # recall is at the target on its day
        clock.advance(days=3)
        assert fading(learner, clock) == {("step", steps[0].pk)}
        assert ItemProgress.objects.get(learner=learner, step=steps[0]).status == (
            "done"
        )

    def test_an_item_no_longer_done_or_of_a_role_with_reviews_off_does_not(
        self,
        signed_in,
        learner,
        clock,
        steps,
    ):
        mark(signed_in, "step", "s1")
        mark(signed_in, "concept", "c1")
        clock.advance(days=1)
        rate(signed_in, "step", "s1", "again")
        rate(signed_in, "concept", "c1", "again")
        clock.advance(days=30)
        assert len(fading(learner, clock)) == 2
        signed_in.force_login(learner)  # the session of a month ago has expired
        mark(signed_in, "step", "s1", "learning")
        assert fading(learner, clock) == {
            (
                "concept",
                ReviewCard.objects.get(
                    learner=learner, concept__isnull=False
                ).concept_id,
            )
        }
        RoleFollow.objects.filter(learner=learner).update(reviews=False)
        assert fading(learner, clock) == set()


@pytest.mark.django_db
class TestFadingWaitsForTheItemsDay:
    def test_not_before_its_day_under_a_higher_target_nor_in_a_pause(
        self, signed_in, learner, clock, steps
    ):
        mark(signed_in, "step", "s1")
        clock.advance(days=1)
        rate(signed_in, "step", "s1", "good")
        due = ReviewCard.objects.get(learner=learner).due
        signed_in.post(
            reverse("review_pacing"), {"daily_limit": "", "retention": "0.97"}
        )
        day_before = datetime.datetime.combine(
            due - datetime.timedelta(days=1), datetime.time(12), tzinfo=datetime.UTC
        )
        clock.current = day_before
        assert fading(learner, clock) == set()  # recall is low, its day not come
        clock.current = day_before + datetime.timedelta(days=4)
        assert fading(learner, clock) == {("step", steps[0].pk)}
        signed_in.force_login(learner)
        signed_in.post(
            reverse("review_pause"),
            {"until": (clock.current.date() + datetime.timedelta(days=5)).isoformat()},
        )
        assert fading(learner, clock) == set()
