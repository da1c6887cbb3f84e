"""A double click on a rating: two first ratings of one item posted at once give
one review schedule and a consistent history, never a 500 (PostgreSQL)."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from progress.models import ReviewCard, ReviewLog
from tests.concurrency import at_once

pytestmark = pytest.mark.django_db(transaction=True)

ITEMS = [("step", "s1"), ("step", "s2"), ("step", "s3"), ("step", "s4")]
ITEMS += [("concept", "c1"), ("concept", "c2")]


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locking is tested on PostgreSQL (CI runs it there)")


def test_two_first_ratings_at_once_give_one_review_and_no_error(
    postgresql_only, learner, small_role, clock
):
    clock.current = datetime.datetime(2026, 12, 2, 10, tzinfo=datetime.UTC)
    setup = Client()
    setup.force_login(learner)
    assert setup.post(reverse("progress_follow", args=["small"])).status_code == 302
    for kind, slug in ITEMS:
        response = setup.post(
            reverse("progress_set_status", args=[kind, slug]),
            {"status": "done"},
        )
        assert response.status_code == 302
    clock.advance(days=1)
    # Two tabs of one browser: one session, as a double click sends it.
    clients = [Client(), Client()]
    session = setup.cookies[settings.SESSION_COOKIE_NAME].value
    for client in clients:
        client.cookies[settings.SESSION_COOKIE_NAME] = session

    for round_, (kind, slug) in enumerate(ITEMS):
        htmx = round_ % 2 == 1
        url = reverse("progress_review", args=[kind, slug])
        answers, errors = post_at_once(clients, url, {"rating": "good"}, htmx)

        assert errors == [], (kind, slug)
        expected = [200, 200] if htmx else [302, 302]
        assert sorted(answers) == expected, (kind, slug)
        (card,) = ReviewCard.objects.filter(
            learner=learner, **{kind: _item(kind, slug)}
        )
        logs = list(ReviewLog.objects.filter(card=card))
        assert len(logs) == 1, (kind, slug)  # the double click counts once
        assert logs[0].rating == ReviewLog.Rating.GOOD
        assert logs[0].next_due == card.due > clock.current.date()
    assert ReviewCard.objects.filter(learner=learner).count() == len(ITEMS)


@pytest.mark.parametrize("htmx", [False, True])
def test_a_second_rating_before_the_next_day_counts_once(
    learner, small_role, clock, htmx
):
    clock.current = datetime.datetime(2026, 12, 2, 10, tzinfo=datetime.UTC)
    client = Client()
    client.force_login(learner)
    client.post(reverse("progress_follow", args=["small"]))
    client.post(
        reverse("progress_set_status", args=["step", "s1"]),
        {"status": "done"},
    )
    clock.advance(days=1)
    url = reverse("progress_review", args=["step", "s1"])
    headers = {"HX-Request": "true"} if htmx else {}
    first = client.post(url, {"rating": "good"}, headers=headers)
    again = client.post(url, {"rating": "easy"}, headers=headers)
    assert first.status_code == again.status_code == (200 if htmx else 302)
    card = ReviewCard.objects.get(learner=learner)
    assert [log.rating for log in card.logs.all()] == [ReviewLog.Rating.GOOD]
    assert card.logs.get().next_due == card.due
    clock.current = datetime.datetime.combine(card.due, datetime.time(10), datetime.UTC)
    assert client.post(url, {"rating": "easy"}, headers=headers).status_code in (
        200,
        302,
    )
    assert [log.rating for log in card.logs.all()] == [
        ReviewLog.Rating.GOOD,
        ReviewLog.Rating.EASY,
    ]


def post_at_once(clients, url: str, data: dict, htmx: bool):
    """Each client posts the form at the same instant: the answers' status
    codes, and any exception raised."""
    headers = {"HX-Request": "true"} if htmx else {}
    return at_once(
        [
            lambda client=client: client.post(url, data, headers=headers)
            for client in clients
        ]
    )


def _item(kind: str, slug: str):
    from roadmap.models import Concept, LearningStep

    model = LearningStep if kind == "step" else Concept
    return model.objects.get(slug=slug)
