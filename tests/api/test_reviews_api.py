"""Spaced review through the API (/api/v1/me/reviews): the due list is the one
the reviews page and the dashboard show, the forecast is the page's, a rating
keeps to the day the page's button announces and counts once; the daily limit,
the pause, the token's scope and other learners' reviews hold as on the pages.

Items are marked done and reviews paced through the pages' own forms; the clock
moves by the `clock` fixture."""

import datetime
import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from api import tokens
from progress import reviews
from progress.models import ReviewCard, ReviewLog, RoleFollow
from roadmap.models import Concept, LearningStep
from tests.api.helpers import bearer
from tests.factories import StageFactory, StepFactory
from tests.progress.test_reviewable import START, badge, listed, mark, rate
from tests.progress.test_reviews_page import buttons, pacing, page, pause, session

PROBLEM = "application/problem+json"
DAY = datetime.timedelta(days=1)
ALL_ITEMS = [
    ("step", "s1"),
    ("step", "s2"),
    ("step", "s3"),
    ("step", "s4"),
    ("concept", "c1"),
    ("concept", "c2"),
]
THREE = [("step", "s1"), ("step", "s2"), ("concept", "c1")]


def api_reviews(plain: str) -> dict:
    response = Client().get("/api/v1/me/reviews", headers=bearer(plain))
    assert response.status_code == 200, response.content
    return response.json()


def api_forecast(plain: str) -> list[tuple[datetime.date, int]]:
    response = Client().get("/api/v1/me/reviews/forecast", headers=bearer(plain))
    assert response.status_code == 200, response.content
    return [
        (datetime.date.fromisoformat(day["date"]), day["count"])
        for day in response.json()
    ]


def api_rate(plain: str, kind: str, slug: str, rating="good", body=None):
    return Client().post(
        f"/api/v1/me/reviews/{kind}/{slug}",
        json.dumps({"rating": rating}) if body is None else body,
        content_type="application/json",
        headers=bearer(plain),
    )


def page_due(client) -> tuple[int, list[tuple[str, datetime.date]]]:
    """The reviews page's today: its count, and the reviews it lists (the one
    to do now, then the queue), each (title, due)."""
    html = session(page(client))
    found = re.search(r"Today: (\d+) to review", html)
    if not found:
        return 0, []
    current = re.search(
        r'<a href="[^"]+">([^<]+)</a> · due <time datetime="([\d-]+)">', html
    )
    queue = re.findall(
        r'<li>([^<]+) <span class="meta">due <time datetime="([\d-]+)">', html
    )
    entries = [current.groups(), *queue] if current else []
    return int(found[1]), [
        (title, datetime.date.fromisoformat(day)) for title, day in entries
    ]


def page_forecast(client) -> list[tuple[datetime.date, int]]:
    html = page(client)
    table = html[html.index('<table class="forecast">') : html.index("</table>")]
    return [
        (datetime.date.fromisoformat(day), int(count))
        for day, count in re.findall(
            r'<time datetime="([\d-]+)">[^<]*</time></th><td>(\d+)</td>', table
        )
    ]


def card_of(learner, kind: str, slug: str) -> ReviewCard | None:
    return ReviewCard.objects.filter(learner=learner, **{f"{kind}__slug": slug}).first()


@pytest.fixture
def signed_in(learner, small_role, clock):
    """The learner on the site, following the small role (reviews on)."""
    clock.current = START
    client = Client()
    client.force_login(learner)
    assert client.post(reverse("progress_follow", args=["small"])).status_code == 302
    return client


@pytest.fixture
def reader(learner):
    return tokens.create(learner, "my dashboard", "read")[1]


@pytest.fixture
def writer(learner):
    return tokens.create(learner, "my review app", "write")[1]


@pytest.fixture
def three_due(signed_in, clock):
    """Two steps and a concept marked done yesterday: due today."""
    for kind, slug in THREE:
        mark(signed_in, kind, slug)
    clock.advance(days=1)
    return signed_in


@pytest.mark.django_db
class TestTheDueList:
    def test_it_is_what_the_reviews_page_and_the_dashboard_show(
        self, three_due, reader
    ):
        body = api_reviews(reader)
        total, shown = page_due(three_due)
        assert total == 3 and len(shown) == 3
        assert [
            (r["title"], datetime.date.fromisoformat(r["due"])) for r in body["items"]
        ] == shown
        assert body["total"] == total == badge(three_due)
        assert [r["title"] for r in body["items"]] == listed(three_due)
        assert {(r["kind"], r["slug"]) for r in body["items"]} == set(THREE)
        assert body["waiting"] == 0 and body["paused_until"] is None

    def test_an_item_marked_done_today_is_not_due_until_tomorrow(
        self, signed_in, reader, clock
    ):
        mark(signed_in, "step", "s1")
        assert api_reviews(reader)["items"] == [] and page_due(signed_in)[0] == 0
        clock.advance(days=1)
        assert [r["slug"] for r in api_reviews(reader)["items"]] == ["s1"]

    def test_an_items_recall_prompt_comes_with_it_as_the_page_asks_it(
        self, three_due, reader
    ):
        concept = Concept.objects.get(slug="c1")
        source = concept.sources.first()
        concept.quotes = {source.slug: "A passage the concept rests on."}
        concept.recall_prompt = "What does concept one rest on?"
        concept.recall_answer = source.slug
        concept.save()
        prompts = {r["slug"]: r["prompt"] for r in api_reviews(reader)["items"]}
        assert prompts == {
            "c1": "What does concept one rest on?",
            "s1": None,
            "s2": None,
        }
        # The concept is the one to do now on the page: the same question.
        assert "What does concept one rest on?" in session(page(three_due))
        # An answer from a source the learner may not open: no prompt, here
        # as on the page.
        source.is_published = False
        source.save()
        prompts = {r["slug"]: r["prompt"] for r in api_reviews(reader)["items"]}
        assert prompts["c1"] is None
        assert "What do you remember of" in session(page(three_due))

    def test_answers_are_never_cached(self, three_due, reader):
        response = Client().get("/api/v1/me/reviews", headers=bearer(reader))
        assert "no-cache" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]

    def test_another_learners_reviews_never_appear(
        self, three_due, reader, other_learner, clock
    ):
        other = Client()
        other.force_login(other_learner)
        assert other.post(reverse("progress_follow", args=["small"])).status_code == 302
        for kind, slug in ALL_ITEMS:
            mark(other, kind, slug)
        clock.advance(days=1)
        mine = api_reviews(reader)
        assert {(r["kind"], r["slug"]) for r in mine["items"]} == set(THREE)
        assert mine["total"] == 3
        theirs = api_reviews(tokens.create(other_learner, "theirs", "read")[1])
        assert theirs["total"] == len(ALL_ITEMS)
        assert page_forecast(three_due) == api_forecast(reader)


@pytest.mark.django_db
class TestTheForecast:
    def test_it_is_the_reviews_pages_day_by_day(self, three_due, reader, writer, clock):
        api_rate(writer, "step", "s1", "again")
        api_rate(writer, "concept", "c1", "easy")
        mark(three_due, "step", "s3")
        ours = api_forecast(reader)
        assert len(ours) == reviews.FORECAST_DAYS
        assert ours[0][0] == clock.current.date()
        assert ours == page_forecast(three_due)
        assert sum(count for _day, count in ours) >= 3
        clock.advance(days=3)
        assert api_forecast(reader) == page_forecast(three_due)

    def test_it_keeps_to_the_daily_limit_and_the_pause(self, three_due, reader, clock):
        assert pacing(three_due, daily_limit="1").status_code == 302
        assert api_forecast(reader)[0][1] == 1
        assert api_forecast(reader) == page_forecast(three_due)
        assert pause(three_due, clock.current.date() + 5 * DAY).status_code == 302
        ours = api_forecast(reader)
        assert all(count == 0 for _day, count in ours[:5])
        assert ours == page_forecast(three_due)


@pytest.mark.django_db
class TestRating:
    @pytest.mark.parametrize("rating", ["again", "hard", "good", "easy"])
    def test_the_next_day_is_the_one_the_pages_button_announces(
        self, three_due, learner, writer, clock, rating
    ):
        html = page(three_due)
        said = buttons(session(html))[rating]
        action = re.search(
            r'<form method="post" action="([^"]+)"[^>]*review-form', html
        )
        kind, slug = action[1].strip("/").split("/")[1:3]
        response = api_rate(writer, kind, slug, rating)
        assert response.status_code == 200, response.content
        body = response.json()
        assert datetime.date.fromisoformat(body["due"]) == said
        assert body["interval_days"] == (said - clock.current.date()).days
        assert (body["kind"], body["slug"], body["rating"]) == (kind, slug, rating)
        assert card_of(learner, kind, slug).due == said
        assert ReviewLog.objects.filter(card__learner=learner).count() == 1
        # It left today's reviews, here and on the page.
        assert slug not in [r["slug"] for r in api_reviews(writer)["items"]]
        assert page_due(three_due)[0] == 2

    def test_the_schedules_own_computation_gives_the_day(
        self, three_due, learner, writer, clock
    ):
        item = LearningStep.objects.get(slug="s2")
        expected = reviews.intervals(learner, "step", item, clock.current, 0.9)
        body = api_rate(writer, "step", "s2", "hard").json()
        assert datetime.date.fromisoformat(body["due"]) == expected["hard"]

    def test_an_item_is_rated_once_until_its_next_day(
        self, three_due, learner, writer, clock
    ):
        first = api_rate(writer, "step", "s1", "good").json()
        again = api_rate(writer, "step", "s1", "again")
        assert again.status_code == 409
        assert again["Content-Type"] == PROBLEM
        assert f"next review is on {first['due']}" in again.json()["detail"]
        assert ReviewLog.objects.filter(card__learner=learner).count() == 1
        assert card_of(learner, "step", "s1").due.isoformat() == first["due"]
        # On its day it is due again, and rated again.
        clock.current = datetime.datetime.combine(
            datetime.date.fromisoformat(first["due"]),
            datetime.time(10),
            tzinfo=datetime.UTC,
        )
        assert api_rate(writer, "step", "s1", "good").status_code == 200
        assert ReviewLog.objects.filter(card__learner=learner).count() == 2

    def test_an_item_not_due_yet_is_refused(self, signed_in, learner, writer):
        mark(signed_in, "step", "s1")  # first due tomorrow
        response = api_rate(writer, "step", "s1")
        assert response.status_code == 409
        assert "not due" in response.json()["detail"]
        assert not ReviewCard.objects.filter(learner=learner).exists()

    def test_an_item_with_no_review_is_refused(self, three_due, learner, writer):
        # Not done, so not reviewed.
        response = api_rate(writer, "step", "s4")
        assert response.status_code == 409 and response["Content-Type"] == PROBLEM
        assert "mark it done first" in response.json()["detail"]
        # An item of a role the learner does not follow.
        stage = StageFactory(role__slug="elsewhere", slug="elsewhere-s")
        StepFactory(stage=stage, slug="elsewhere-1", title="Elsewhere")
        response = api_rate(writer, "step", "elsewhere-1")
        assert response.status_code == 409
        assert "not up for review" in response.json()["detail"]
        assert not ReviewLog.objects.exists()

    def test_an_item_of_a_role_with_reviews_off_is_refused(
        self, three_due, learner, writer
    ):
        RoleFollow.objects.filter(learner=learner).update(reviews=False)
        assert api_rate(writer, "step", "s1").status_code == 409
        assert api_reviews(writer)["items"] == []
        assert not ReviewLog.objects.exists()

    def test_unknown_and_draft_items_are_404(self, three_due, writer):
        assert api_rate(writer, "step", "no-such-step").status_code == 404
        LearningStep.objects.filter(slug="s1").update(
            is_published=False, first_published_at=None
        )
        response = api_rate(writer, "step", "s1")
        assert response.status_code == 404 and response["Content-Type"] == PROBLEM
        assert not ReviewLog.objects.exists()

    @pytest.mark.parametrize(
        ("path", "body"),
        [
            ("step/s1", json.dumps({"rating": "perfect"})),
            ("step/s1", json.dumps({})),
            ("step/s1", "not json"),
            ("skill/s1", json.dumps({"rating": "good"})),
            ("step/s1%00", json.dumps({"rating": "good"})),
        ],
    )
    def test_bad_input_is_400_and_changes_nothing(self, three_due, writer, path, body):
        response = Client().post(
            f"/api/v1/me/reviews/{path}",
            body,
            content_type="application/json",
            headers=bearer(writer),
        )
        assert response.status_code == 400, response.content
        assert response["Content-Type"] == PROBLEM
        assert not ReviewLog.objects.exists()

    def test_a_body_too_large_is_413(self, three_due, writer):
        body = json.dumps({"rating": "x" * 3_000_000})
        assert api_rate(writer, "step", "s1", body=body).status_code == 413
        assert not ReviewLog.objects.exists()

    def test_another_learners_item_is_not_theirs_to_rate(
        self, three_due, learner, other_learner
    ):
        # The other learner has no review of s1: refused, the learner's untouched.
        other = tokens.create(other_learner, "theirs", "write")[1]
        response = api_rate(other, "step", "s1")
        assert response.status_code == 409
        assert not ReviewLog.objects.exists()
        assert page_due(three_due)[0] == 3


@pytest.mark.django_db
class TestTheDailyLimit:
    def test_the_rest_wait_as_on_the_page(self, three_due, reader, writer):
        assert pacing(three_due, daily_limit="2").status_code == 302
        body = api_reviews(reader)
        total, shown = page_due(three_due)
        assert body["total"] == total == 2 and body["waiting"] == 1
        assert [r["title"] for r in body["items"]] == [t for t, _d in shown]
        for review in body["items"]:
            assert api_rate(writer, review["kind"], review["slug"]).status_code == 200
        body = api_reviews(reader)
        assert body["items"] == [] and body["total"] == 0 and body["waiting"] == 1
        assert "You reached your daily limit of 2; 1 more wait" in session(
            page(three_due)
        )
        assert badge(three_due) == 0


@pytest.mark.django_db
class TestAPause:
    def test_nothing_is_due_and_a_rating_is_refused(
        self, three_due, learner, reader, writer, clock
    ):
        until = clock.current.date() + 7 * DAY
        assert pause(three_due, until).status_code == 302
        body = api_reviews(reader)
        assert body == {
            "items": [],
            "total": 0,
            "waiting": 0,
            "paused_until": until.isoformat(),
        }
        assert badge(three_due) == 0
        response = api_rate(writer, "step", "s1")
        assert response.status_code == 409 and response["Content-Type"] == PROBLEM
        assert "paused until" in response.json()["detail"]
        assert not ReviewLog.objects.exists()
        # The page's form is refused as well: the one rule.
        assert rate(three_due, "step", "s1").status_code == 400
        # The pause over, the reviews are back: the page's and the API's alike.
        clock.current = datetime.datetime.combine(
            until, datetime.time(10), tzinfo=datetime.UTC
        )
        body = api_reviews(reader)
        assert body["paused_until"] is None and body["total"] == 3
        assert [(r["title"], r["due"]) for r in body["items"]] == [
            (title, day.isoformat()) for title, day in page_due(three_due)[1]
        ]
        assert api_rate(writer, "step", "s1").status_code == 200


@pytest.mark.django_db
class TestTokens:
    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("get", "/api/v1/me/reviews"),
            ("get", "/api/v1/me/reviews/forecast"),
            ("post", "/api/v1/me/reviews/step/s1"),
        ],
    )
    def test_no_token_or_a_bad_one_is_401(self, three_due, method, path):
        for headers in ({}, bearer("wm_00000000_nope")):
            if method == "get":
                response = Client().get(path, headers=headers)
            else:
                response = Client().post(
                    path,
                    json.dumps({"rating": "good"}),
                    content_type="application/json",
                    headers=headers,
                )
            assert response.status_code == 401
            assert response["Content-Type"] == PROBLEM
            assert response["WWW-Authenticate"] == 'Bearer realm="waymark"'
        assert not ReviewLog.objects.exists()

    def test_a_session_opens_nothing(self, three_due):
        # The signed-in browser's cookies are no token.
        assert three_due.get("/api/v1/me/reviews").status_code == 401
        response = three_due.post(
            "/api/v1/me/reviews/step/s1",
            json.dumps({"rating": "good"}),
            content_type="application/json",
        )
        assert response.status_code == 401
        assert not ReviewLog.objects.exists()

    def test_a_read_token_reads_but_cannot_rate(self, three_due, reader):
        assert api_reviews(reader)["total"] == 3
        response = api_rate(reader, "step", "s1")
        assert response.status_code == 403
        assert response["Content-Type"] == PROBLEM
        assert not ReviewLog.objects.exists()
        assert api_reviews(reader)["total"] == 3


@pytest.mark.django_db
class TestQueries:
    def measure(self, plain, path, django_assert_page_queries, expected):
        Client().get(path, headers=bearer(plain))  # the role's structure cached
        with django_assert_page_queries(expected):
            response = Client().get(path, headers=bearer(plain))
        assert response.status_code == 200

    @pytest.mark.parametrize(
        "path", ["/api/v1/me/reviews", "/api/v1/me/reviews/forecast"]
    )
    def test_the_same_queries_for_two_items_and_six(
        self, signed_in, reader, clock, django_assert_page_queries, path
    ):
        # The token, the follows, the pacing, the schedules and the done items;
        # for the due list, each kind's items with their sources.
        expected = {"/api/v1/me/reviews": 9, "/api/v1/me/reviews/forecast": 5}[path]
        for kind, slug in (("step", "s1"), ("concept", "c1")):
            mark(signed_in, kind, slug)
        clock.advance(days=1)
        self.measure(reader, path, django_assert_page_queries, expected)
        for kind, slug in ALL_ITEMS:
            mark(signed_in, kind, slug)
        clock.advance(days=1)
        assert len(api_reviews(reader)["items"]) == len(ALL_ITEMS)
        self.measure(reader, path, django_assert_page_queries, expected)
