"""One rule for what comes up for review: the dashboard, the calendar feed, the
weekly email and the rating form agree on it, first reviews included; the feed
answers HEAD as calendar apps check it; "No more reviews today." once the day's
reviews are rated."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from progress import reminders
from progress.models import ReviewLog, WeeklyEmail
from tests.factories import StageFactory, StepFactory, UserFactory
from tests.queue import delivered

UTC = datetime.UTC
START = datetime.datetime(2026, 12, 2, 10, tzinfo=UTC)  # a Wednesday
DONE_MESSAGE = "No more reviews today."


@pytest.fixture
def signed_in(learner, small_role, clock):
    clock.current = START
    client = Client()
    client.force_login(learner)
    assert client.post(reverse("progress_follow", args=["small"])).status_code == 302
    return client


def one_step_role(slug: str):
    stage = StageFactory(role__slug=slug, role__title=f"Role {slug}", slug=f"{slug}-s")
    StepFactory(stage=stage, slug=f"{slug}-1", title=f"Step of {slug}")
    return stage.role


def mark(client, kind: str, slug: str, status: str = "done", htmx=False):
    """The status control's form (templates/progress/_status_control.html)."""
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(
        reverse("progress_set_status", args=[kind, slug]),
        {"status": status},
        headers=headers,
    )
    assert response.status_code == (200 if htmx else 302)
    return response


def rate(client, kind: str, slug: str, rating: str = "good", htmx=False):
    """The dashboard's review form: one button per rating, named `rating`."""
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        reverse("progress_review", args=[kind, slug]),
        {"rating": rating},
        headers=headers,
    )


def feed_link(client) -> str:
    assert (
        client.post(reverse("calendar_settings"), {"action": "new"}).status_code == 302
    )
    body = client.get(reverse("calendar_settings")).content.decode()
    url = re.search(r'id="feed-url" type="url" value="([^"]+)"', body)[1]
    return url.removeprefix("http://testserver")


def feed_sessions(path: str) -> dict[datetime.date, int]:
    """The feed's review sessions, fetched as a calendar app does (no sign-in)."""
    response = Client().get(path)
    assert response.status_code == 200
    sessions = {}
    for event in Calendar.from_ical(response.content).walk("VEVENT"):
        found = re.fullmatch(r"Review (\d+) items? on Waymark", str(event["SUMMARY"]))
        if found:
            sessions[event.decoded("DTSTART")] = int(found[1])
    return sessions


def reviews_part(html: str) -> str:
    """The dashboard's reviews section, or the reviews page's session."""
    found = re.search(r'id="(dashboard-reviews|review-session)"', html)
    assert found, "no reviews section"
    start = found.start()
    return html[start : html.index("</section>", start)]


def listed(client) -> list[str]:
    """The titles the dashboard lists as due for review."""
    body = client.get(reverse("dashboard")).content.decode()
    return re.findall(r'<li class="review">\s*<a href="[^"]+">([^<]+)</a>', body)


def on_reviews_page(client) -> int:
    """How many reviews the reviews page says are today's (0: none)."""
    body = client.get(reverse("reviews")).content.decode()
    found = re.search(r"Today: (\d+) to review", body)
    return int(found[1]) if found else 0


def badge(client) -> int:
    body = client.get(reverse("dashboard")).content.decode()
    found = re.search(
        r'id="reviews-title">Due for review <span class="badge">(\d+)', body
    )
    return int(found[1]) if found else 0


@pytest.mark.django_db
class TestFirstReviewsInTheFeed:
    @pytest.mark.parametrize("htmx", [False, True])
    def test_items_marked_done_yesterday_are_in_the_feed_as_on_the_dashboard(
        self, signed_in, clock, htmx
    ):
        path = feed_link(signed_in)
        mark(signed_in, "step", "s1", htmx=htmx)
        mark(signed_in, "step", "s2", htmx=htmx)
        mark(signed_in, "concept", "c1", htmx=htmx)
        tomorrow = START.date() + datetime.timedelta(days=1)
        assert feed_sessions(path) == {tomorrow: 3}  # first reviews, never rated
        clock.advance(days=1)
        assert sorted(listed(signed_in)) == ["Concept one", "Step one", "Step two"]
        assert feed_sessions(path) == {tomorrow: 3}
        assert badge(signed_in) == 3

    def test_overdue_reviews_are_todays_session_as_the_dashboard_lists_them(
        self, signed_in, clock
    ):
        path = feed_link(signed_in)
        mark(signed_in, "step", "s1")
        clock.advance(days=4)
        today = clock.current.date()
        assert listed(signed_in) == ["Step one"]
        assert feed_sessions(path) == {today: 1}


@pytest.mark.django_db
def test_the_feed_answers_head_like_get_without_a_body(signed_in):
    path = feed_link(signed_in)
    mark(signed_in, "step", "s1")
    calendar_app = Client()
    got = calendar_app.get(path)
    head = calendar_app.head(path)
    assert head.status_code == 200
    assert head["Content-Type"] == got["Content-Type"] == "text/calendar; charset=utf-8"
    assert head["Content-Disposition"] == got["Content-Disposition"]
    assert head.content == b"" and got.content.startswith(b"BEGIN:VCALENDAR")
    assert Client().head("/calendar/not-a-token.ics").status_code == 404


@pytest.mark.django_db
class TestOneRuleForWhatIsReviewed:
    def test_every_surface_counts_only_the_reviewable_cards(
        self, signed_in, learner, clock
    ):
        client = signed_in
        quiet, gone, _never = (one_step_role(s) for s in ("quiet", "gone", "never"))
        for role in (quiet, gone):
            client.post(reverse("progress_follow", args=[role.slug]))
        path = feed_link(client)
        # Reviewable: two first reviews, and one rated today.
        for kind, slug in (("step", "s1"), ("concept", "c1"), ("step", "s3")):
            mark(client, kind, slug)
        assert rate(client, "step", "s3").status_code == 302
        # Rated, then no longer done; rated, then the role's reviews turned
        # off; rated, then the role left.
        for slug in ("s2", "quiet-1", "gone-1"):
            mark(client, "step", slug)
            assert rate(client, "step", slug).status_code == 302
        mark(client, "step", "s2", "learning")
        response = client.post(
            reverse("progress_goal", args=["quiet"]),
            {"target_date": "", "hours_per_week": ""},  # `reviews` unticked
        )
        assert response.status_code == 302
        assert client.post(reverse("progress_leave", args=["gone"])).status_code == 302
        # A role never followed: its done item is not rated.
        mark(client, "step", "never-1")
        logs = ReviewLog.objects.count()
        for slug in ("s2", "quiet-1", "gone-1", "never-1"):
            for htmx in (False, True):
                refused = rate(client, "step", slug, htmx=htmx)
                assert refused.status_code in (400, 404), slug
                assert refused.content and b"<html" not in refused.content
        assert ReviewLog.objects.count() == logs

        tomorrow = START.date() + datetime.timedelta(days=1)
        sessions = feed_sessions(path)
        assert sessions[tomorrow] == 2 and sum(sessions.values()) == 3
        clock.advance(days=1)
        assert sorted(listed(client)) == ["Concept one", "Step one"]
        assert feed_sessions(path)[tomorrow] == badge(client) == 2

        # On Monday the weekly email lists what the dashboard does.
        settings_form = {
            "display_name": learner.display_name,
            "timezone": learner.timezone,
            "weekly_email": "on",
        }
        assert (
            client.post(reverse("account_settings"), settings_form).status_code == 302
        )
        clock.current = datetime.datetime(2026, 12, 7, 9, tzinfo=UTC)
        reminders.send_weekly_emails(clock.current)
        (email,) = [m for m in delivered() if m.to == [learner.email]]
        reviews_due = email.body.split("== Reviews due ==", 1)[1]
        in_email = re.findall(r"^- ([^:\n]+): \S+/items/\S+/$", reviews_due, re.M)
        on_dashboard = listed(client)
        assert sorted(in_email) == sorted(on_dashboard)
        assert f"{len(on_dashboard)} item" in email.body
        today = clock.current.date()
        assert feed_sessions(path).get(today, 0) == badge(client) == len(on_dashboard)
        assert on_reviews_page(client) == len(on_dashboard)

        # With a daily limit, the four still agree: the rest wait.
        client.force_login(learner)
        assert (
            client.post(
                reverse("review_pacing"), {"daily_limit": "1", "retention": "0.9"}
            ).status_code
            == 302
        )
        WeeklyEmail.objects.all().delete()
        clock.current += datetime.timedelta(days=7)
        reminders.send_weekly_emails(clock.current)
        email = [m for m in delivered() if m.to == [learner.email]][-1]
        client.force_login(learner)  # a week on: a new session
        assert "1 item to review" in email.body
        today = clock.current.date()
        assert feed_sessions(path).get(today, 0) == badge(client) == 1
        assert on_reviews_page(client) == len(listed(client)) == 1
        assert "for a later day: your daily limit is 1" in (
            client.get(reverse("reviews")).content.decode()
        )


@pytest.mark.django_db
class TestNoMoreReviewsToday:
    @pytest.mark.parametrize("htmx", [False, True])
    def test_it_shows_once_every_due_review_is_rated(self, signed_in, clock, htmx):
        client = signed_in
        mark(client, "step", "s1")
        mark(client, "step", "s2")
        dashboard = client.get(reverse("dashboard")).content.decode()
        assert DONE_MESSAGE not in dashboard  # nothing rated, nothing due
        clock.advance(days=1)
        assert DONE_MESSAGE not in client.get(reverse("dashboard")).content.decode()
        first = rate(client, "step", "s1", htmx=htmx)
        if htmx:
            assert first.status_code == 200
            assert DONE_MESSAGE not in first.content.decode()  # one still due
        assert DONE_MESSAGE not in client.get(reverse("dashboard")).content.decode()
        last = rate(client, "step", "s2", htmx=htmx)
        if htmx:
            assert last.status_code == 200
            fragment = last.content.decode()
            assert "<html" not in fragment
            assert DONE_MESSAGE in reviews_part(fragment)
        else:
            assert last.status_code == 302
            assert DONE_MESSAGE in reviews_part(client.get(last.url).content.decode())
        assert DONE_MESSAGE in reviews_part(
            client.get(reverse("dashboard")).content.decode()
        )

    def test_it_is_not_shown_the_next_day_nor_to_someone_who_rated_nothing(
        self, signed_in, clock
    ):
        client = signed_in
        mark(client, "step", "s1")
        clock.advance(days=1)
        assert rate(client, "step", "s1").status_code == 302
        assert DONE_MESSAGE in client.get(reverse("dashboard")).content.decode()
        clock.advance(days=1)
        assert DONE_MESSAGE not in client.get(reverse("dashboard")).content.decode()
        other = Client()
        other.force_login(UserFactory(username="fresh"))
        assert DONE_MESSAGE not in other.get(reverse("dashboard")).content.decode()
