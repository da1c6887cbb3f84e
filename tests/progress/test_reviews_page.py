"""The reviews page: a question, its answer on demand, ratings that say when the
item comes back (and keep to it), a daily limit, a target retention, a pause, and
the 30-day forecast; through the page's real forms, with and without htmx."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse

from progress import reviews
from progress.models import ReviewCard, ReviewSettings, RoleFollow
from roadmap.models import Concept
from tests.progress.test_reviewable import (
    badge,
    feed_link,
    feed_sessions,
    listed,
    mark,
    rate,
    signed_in,  # noqa: F401 - a fixture
)

DAY = datetime.timedelta(days=1)


def page(client) -> str:
    response = client.get(reverse("reviews"))
    assert response.status_code == 200
    return response.content.decode()


def session(html: str) -> str:
    start = html.index('id="review-session"')
    return html[start : html.index("</section>", start)]


def buttons(html: str) -> dict[str, datetime.date]:
    """Each rating button's announced day: {rating: day}."""
    found = re.findall(
        r'name="rating" value="(\w+)"[^>]*>\w+ · <time datetime="([\d-]+)">', html
    )
    return {rating: datetime.date.fromisoformat(day) for rating, day in found}


def review_form(html: str) -> tuple[str, dict[str, str]]:
    """The rating form as the page renders it: its address and hidden fields."""
    form = re.search(
        r'<form method="post" action="([^"]+)"[^>]*review-form.*?</form>', html, re.S
    )
    hidden = dict(
        re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form[0])
    )
    hidden.pop("csrfmiddlewaretoken", None)
    return form[1], hidden


def rate_as_rendered(client, html: str, rating: str, htmx=False):
    """Press a rating button of the form in `html`: its hidden fields too."""
    action, hidden = review_form(html)
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(action, {**hidden, "rating": rating}, headers=headers)


def pacing(client, htmx=False, **fields):
    """The "Your pace" form, as the page renders it."""
    data = {"daily_limit": "", "retention": "0.9", **fields}
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(reverse("review_pacing"), data, headers=headers)


def pause(client, until, htmx=False):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        reverse("review_pause"),
        {"until": until.isoformat()},
        headers=headers,
    )


@pytest.fixture
def three_due(signed_in, clock):  # noqa: F811
    for kind, slug in (("step", "s1"), ("step", "s2"), ("concept", "c1")):
        mark(signed_in, kind, slug)
    clock.advance(days=1)
    return signed_in


@pytest.mark.django_db
class TestARecallPrompt:
    def test_the_question_then_the_answer_on_demand_then_the_ratings(
        self, three_due, small_role
    ):
        concept = Concept.objects.get(slug="c1")
        source = concept.sources.first()
        concept.quotes = {source.slug: "A passage the concept rests on."}
        concept.recall_prompt = "What does concept one rest on?"
        concept.recall_answer = source.slug
        concept.editorial = "Waymark's own word on it."
        concept.save()
        # Oldest first, then by title: the concept comes first.
        html = session(page(three_due))
        assert "What does concept one rest on?" in html
        answer = html[html.index("<details") : html.index("</details>")]
        assert "<summary>Show the answer</summary>" in answer
        assert "A passage the concept rests on." in answer
        assert "Waymark&#x27;s own word on it." in answer
        assert html.index("</details>") < html.index('name="rating"')
        assert set(buttons(html)) == {"again", "hard", "good", "easy"}

    def test_an_item_without_a_prompt_asks_what_you_remember(self, three_due):
        html = session(page(three_due))
        assert "What do you remember of" in html
        assert "Show the answer" in html

    @pytest.mark.parametrize("htmx", [False, True])
    @pytest.mark.parametrize("rating", ["again", "hard", "good", "easy"])
    def test_the_next_day_is_the_one_the_button_said(
        self, three_due, learner, clock, htmx, rating
    ):
        html = page(three_due)
        said = buttons(session(html))[rating]
        action, _hidden = review_form(html)
        kind, slug = action.strip("/").split("/")[1:3]
        response = rate_as_rendered(three_due, html, rating, htmx=htmx)
        if htmx:
            assert response.status_code == 200
            assert 'id="review-session"' in response.content.decode()
            assert "<html" not in response.content.decode()
        else:
            assert response.status_code == 302
            assert response.url == reverse("reviews")
        card = ReviewCard.objects.get(
            learner=learner,
            **{kind: Concept.objects.get(slug=slug)}
            if kind == "concept"
            else {"step__slug": slug},
        )
        assert card.due == said
        # Good waits longer than hard, which waits at least as long as again.
        days = buttons(session(page(three_due)))  # the next item's buttons
        assert days["again"] <= days["hard"] <= days["good"] <= days["easy"]

    @pytest.mark.parametrize("htmx", [False, True])
    def test_a_rating_sent_after_midnight_keeps_to_the_day_the_page_said(
        self, three_due, learner, clock, htmx
    ):
        local = clock.now().astimezone(learner.zone)
        clock.current = local.replace(hour=23, minute=55).astimezone(datetime.UTC)
        html = page(three_due)
        said = buttons(session(html))
        clock.advance(minutes=10)  # the learner thinks; the day turns
        from_now = {
            name: reviews.intervals(
                learner, "concept", Concept.objects.get(slug="c1"), clock.now(), 0.9
            )[name]
            for name in said
        }
        assert from_now != said  # rated from now, some would come back later
        response = rate_as_rendered(three_due, html, "good", htmx=htmx)
        assert response.status_code == (200 if htmx else 302)
        card = ReviewCard.objects.get(learner=learner, concept__slug="c1")
        assert card.due == said["good"]
        assert card.logs.get().next_due == said["good"]

    @pytest.mark.parametrize(
        "shown_at",
        [
            "",
            "yesterday",
            "2020-01-01T00:00:00+00:00",
            "2999-01-01T00:00:00+00:00",
            "2026-01-01T00:00:00",  # no time zone
        ],
    )
    def test_a_moment_not_from_the_last_hours_is_rated_from_now(
        self, three_due, learner, clock, shown_at
    ):
        html = page(three_due)
        action, hidden = review_form(html)
        response = three_due.post(
            action, {**hidden, "shown_at": shown_at, "rating": "good"}
        )
        assert response.status_code == 302
        card = ReviewCard.objects.get(learner=learner, concept__slug="c1")
        item = Concept.objects.get(slug="c1")
        card.delete()
        assert (
            card.due
            == reviews.intervals(learner, "concept", item, clock.now(), 0.9)["good"]
        )


@pytest.mark.django_db
class TestTheDailyLimit:
    @pytest.mark.parametrize("htmx", [False, True])
    def test_the_rest_wait_oldest_first_and_the_page_says_how_many(
        self, three_due, learner, htmx
    ):
        assert pacing(three_due, htmx, daily_limit="2").status_code == 302
        assert ReviewSettings.objects.get(learner=learner).daily_limit == 2
        html = session(page(three_due))
        assert "Today: 2 to review" in html
        assert "1 more is due and waits for a later day" in html
        assert badge(three_due) == 2 and len(listed(three_due)) == 2
        rate(three_due, "concept", "c1", htmx=htmx)
        rate(three_due, "step", "s1", htmx=htmx)
        html = session(page(three_due))
        assert "You reached your daily limit of 2; 1 more wait" in html
        assert badge(three_due) == 0
        assert rate(three_due, "step", "s2").status_code == 302  # rating is allowed

    @pytest.mark.parametrize("htmx", [False, True])
    @pytest.mark.parametrize(
        ("value", "says"),
        [
            ("0", "greater than or equal to 1"),
            ("501", "less than or equal to 500"),
            ("many", "Enter a whole number"),
        ],
    )
    def test_a_bad_limit_is_refused_and_changes_nothing(
        self, three_due, learner, value, says, htmx
    ):
        response = pacing(three_due, htmx, daily_limit=value)
        assert response.status_code == 400
        assert says in response.content.decode()
        assert not ReviewSettings.objects.filter(learner=learner).exists()


@pytest.mark.django_db
class TestTargetRetention:
    @pytest.mark.parametrize("htmx", [False, True])
    def test_a_higher_target_brings_items_back_sooner(self, three_due, learner, htmx):
        usual = buttons(session(page(three_due)))
        assert pacing(three_due, htmx, retention="0.97").status_code == 302
        assert ReviewSettings.of(learner).retention == 0.97
        html = page(three_due)
        eager = buttons(session(html))
        assert eager["good"] < usual["good"]
        assert eager["easy"] < usual["easy"]
        # A rating under the new target keeps to the day its button said.
        action, _hidden = review_form(html)
        kind, slug = action.strip("/").split("/")[1:3]
        assert rate_as_rendered(three_due, html, "good", htmx).status_code in (200, 302)
        card = ReviewCard.objects.get(learner=learner, **{f"{kind}__slug": slug})
        assert card.due == eager["good"]

    @pytest.mark.parametrize("htmx", [False, True])
    @pytest.mark.parametrize("value", ["0.5", "0.99", "high"])
    def test_a_target_out_of_bounds_is_refused(self, three_due, learner, value, htmx):
        response = pacing(three_due, htmx, retention=value)
        assert response.status_code == 400
        assert 'id="id_retention_error"' in response.content.decode()
        assert ReviewSettings.of(learner).retention == 0.9


@pytest.mark.django_db
class TestAPause:
    @pytest.mark.parametrize("htmx", [False, True])
    def test_nothing_is_due_and_nothing_piles_up(self, three_due, learner, clock, htmx):
        path = feed_link(three_due)
        before = reviews.forecast(learner, RoleFollow.objects.all(), clock.current)
        today = clock.current.date()
        until = today + 7 * DAY
        assert pause(three_due, until, htmx).status_code == 302
        assert badge(three_due) == 0
        assert "Reviews are paused" in session(page(three_due))
        assert "paused until" in three_due.get(reverse("dashboard")).content.decode()
        assert all(day >= until for day in feed_sessions(path))
        # Every review moved on by the pause's length: the same load, later.
        after = reviews.review_days(
            learner, RoleFollow.objects.all(), clock.current, 60
        )
        moved = {day - 7 * DAY: count for day, count in after.items()}
        assert moved == {day: count for day, count in before if count}
        clock.current += 7 * DAY
        assert badge(three_due) == 3

    def test_ending_it_early_moves_them_back(self, three_due, learner, clock):
        today = clock.current.date()
        pause(three_due, today + 10 * DAY)
        clock.current += 3 * DAY
        response = three_due.post(reverse("review_resume"))
        assert response.status_code == 302
        assert not ReviewSettings.of(learner).is_paused(clock.current.date())
        assert badge(three_due) == 3  # due again today, none lost

    @pytest.mark.parametrize("days", [0, -1, 181])
    def test_a_bad_day_is_refused(self, three_due, learner, clock, days):
        response = pause(three_due, clock.current.date() + days * DAY)
        assert response.status_code == 400
        assert "errorlist" in response.content.decode()
        assert not ReviewSettings.objects.filter(learner=learner).exists()
        assert (
            three_due.post(reverse("review_pause"), {"until": "not a day"}).status_code
            == 400
        )


@pytest.mark.django_db
class TestTheForecast:
    def test_thirty_days_today_first_as_the_calendar_counts_them(
        self, three_due, learner, clock
    ):
        path = feed_link(three_due)
        rate(three_due, "concept", "c1", "good")
        html = page(three_due)
        rows = re.findall(
            r'<th scope="row"><time datetime="([\d-]+)">[^<]+</time></th>'
            r"<td>(\d+)</td>",
            html,
        )
        assert len(rows) == 30
        shown = {
            datetime.date.fromisoformat(day): int(n) for day, n in rows if n != "0"
        }
        today = clock.current.date()
        assert shown[today] == badge(three_due) == 2
        feed = feed_sessions(path)
        assert {day: n for day, n in shown.items() if day <= today + 13 * DAY} == feed


@pytest.mark.django_db
class TestAccess:
    def test_each_person_sees_only_their_own(self, three_due, other_learner):
        other = Client()
        other.force_login(other_learner)
        html = page(other)
        assert "Step one" not in html and "Nothing to review now" in html

    def test_anonymous_is_sent_to_sign_in(self, db):
        response = Client().get(reverse("reviews"))
        assert response.status_code == 302
        assert reverse("account_login") in response.url


@pytest.mark.django_db
@pytest.mark.parametrize("extra", [0, 40])
def test_the_page_runs_the_same_queries_however_many_are_due(
    signed_in,  # noqa: F811
    small_role,
    clock,
    extra,
    django_assert_page_queries,
):
    from tests.factories import StepFactory

    stage = small_role.stages.first()
    for n in range(extra):
        StepFactory(stage=stage, slug=f"x{n}", position=10 + n)
    for step in stage.steps.all():
        mark(signed_in, "step", step.slug)
    clock.advance(days=1)
    signed_in.get(reverse("reviews"))  # warm the roles' structure
    with django_assert_page_queries(REVIEWS_PAGE_QUERIES):
        signed_in.get(reverse("reviews"))


# Session, user, follows, the learner's pacing; today's reviews (schedules, done
# items); the current item and its schedule; the forecast (schedules, done
# items). The roles' structure is cached.
REVIEWS_PAGE_QUERIES = 10


@pytest.mark.django_db
class TestWhatTheReviewSaid:
    """Findings of a review of the reviews page, each through its real door."""

    def test_a_shorter_pause_while_paused_is_refused_with_a_reason(
        self, three_due, learner, clock
    ):
        today = clock.current.date()
        assert pause(three_due, today + 20 * DAY).status_code == 302
        response = pause(three_due, today + 5 * DAY)
        assert response.status_code == 400
        assert "already paused until" in response.content.decode()
        assert ReviewSettings.of(learner).paused_until == today + 20 * DAY

    def test_reviews_already_due_wait_for_the_pause_to_end_and_lapsed_stay_lapsed(
        self, three_due, learner, clock
    ):
        rate(three_due, "concept", "c1", "good")
        card = ReviewCard.objects.get(learner=learner, concept__slug="c1")
        ReviewCard.objects.filter(pk=card.pk).update(
            due=clock.current.date() - (reviews.LAPSED_DAYS + 5) * DAY
        )
        lapsed = ReviewCard.objects.get(pk=card.pk).due
        today = clock.current.date()
        pause(three_due, today + 10 * DAY)
        dues = dict(
            ReviewCard.objects.filter(learner=learner).values_list("step__slug", "due")
        )
        assert dues["s1"] == dues["s2"] == today + 10 * DAY  # due: wait for its end
        assert ReviewCard.objects.get(pk=card.pk).due == lapsed
        three_due.post(reverse("review_resume"))
        assert badge(three_due) == 2  # the lapsed one does not come back

    def test_saving_the_pace_keeps_a_pause(self, three_due, learner, clock):
        until = clock.current.date() + 9 * DAY
        pause(three_due, until)
        assert pacing(three_due, daily_limit="4").status_code == 302
        saved = ReviewSettings.of(learner)
        assert (saved.daily_limit, saved.paused_until) == (4, until)

    def test_twice_saving_the_pace_at_first_keeps_one_row(self, three_due, learner):
        assert pacing(three_due, daily_limit="4").status_code == 302
        assert pacing(three_due, daily_limit="5").status_code == 302
        assert ReviewSettings.objects.filter(learner=learner).count() == 1

    @pytest.mark.parametrize("htmx", [False, True])
    def test_no_rating_while_paused(self, three_due, learner, clock, htmx):
        pause(three_due, clock.current.date() + 3 * DAY)
        response = rate(three_due, "step", "s1", htmx=htmx)
        assert response.status_code == 400
        assert "paused until" in response.content.decode()
        assert not ReviewCard.objects.filter(learner=learner, logs__isnull=False)

    def test_an_answer_from_a_source_not_shown_falls_back_to_the_item(
        self, three_due, small_role
    ):
        concept = Concept.objects.get(slug="c1")
        source = concept.sources.first()
        concept.quotes = {source.slug: "A passage."}
        concept.recall_prompt, concept.recall_answer = "Why?", source.slug
        concept.save()
        source.is_published = False  # retired
        source.save()
        html = session(page(three_due))
        assert "Why?" not in html and "A passage." not in html
        assert "What do you remember of" in html
