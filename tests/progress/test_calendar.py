"""The private calendar feed: made, shown once, fetched by a calendar app,
revoked; its events have stable UIDs and follow RFC 5545 as the icalendar
library reads it."""

import datetime

import pytest
from django.urls import reverse
from icalendar import Calendar

from progress import timings
from progress.models import CalendarFeed, RoleFollow
from roadmap.models import LearningStep
from tests.factories import UserFactory

SETTINGS = reverse("calendar_settings")


@pytest.fixture
def planned(learner, small_role, clock):
    clock.current = datetime.datetime(2026, 12, 2, 10, tzinfo=datetime.UTC)
    follow = RoleFollow.objects.create(learner=learner, role=small_role)
    RoleFollow.objects.set_goal(follow, datetime.date(2026, 12, 22), 7)
    return follow


def make_link(client) -> str:
    response = client.post(SETTINGS, {"action": "new"})
    assert response.status_code == 302
    body = client.get(SETTINGS).content.decode()
    start = body.index('id="feed-url" type="url" value="') + len(
        'id="feed-url" type="url" value="'
    )
    url = body[start : body.index('"', start)]
    assert url.startswith("http://testserver/calendar/") and url.endswith(".ics")
    return url.removeprefix("http://testserver")


@pytest.mark.django_db
class TestTheFeed:
    @pytest.mark.parametrize("htmx", [False, True])
    def test_a_learner_makes_a_link_and_sees_it_once(
        self, client, learner, planned, htmx
    ):
        client.force_login(learner)
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        assert client.post(SETTINGS, {"action": "new"}, **headers).status_code == 302
        first = client.get(SETTINGS).content.decode()
        assert "Copy it now" in first
        again = client.get(SETTINGS).content.decode()
        assert "Copy it now" not in again and "Your feed is on" in again
        assert CalendarFeed.objects.get(learner=learner).token_hash

    def test_the_feed_parses_and_its_events_keep_their_uids(
        self, client, learner, planned
    ):
        client.force_login(learner)
        path = make_link(client)
        client.logout()  # a calendar app does not sign in
        response = client.get(path)
        assert response.status_code == 200
        assert response["Content-Type"] == "text/calendar; charset=utf-8"
        calendar = Calendar.from_ical(response.content)
        assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
        events = calendar.walk("VEVENT")
        for event in events:  # RFC 5545: UID and DTSTAMP required, DTSTART here
            assert event["UID"] and event["DTSTAMP"] and event["DTSTART"]
            assert event.decoded("DTEND") > event.decoded("DTSTART")
        summaries = {str(e["SUMMARY"]): e for e in events}
        assert "Step one (about 4 h)" in summaries
        assert summaries["Step one (about 4 h)"].decoded("DTSTART") == datetime.date(
            2026, 12, 2
        )
        target = summaries["Target: finish Small role"]
        assert target.decoded("DTSTART") == datetime.date(2026, 12, 22)
        uids = [str(e["UID"]) for e in events]
        assert len(uids) == len(set(uids))
        again = Calendar.from_ical(client.get(path).content)
        assert [str(e["UID"]) for e in again.walk("VEVENT")] == uids
        # Hours as the dashboard's plan writes them: 2.5, not a rounded 2.
        step = LearningStep.objects.get(slug="s2")
        timings.store({("step", step.pk): timings.Typical(hours=2.5, learners=5)})
        again = Calendar.from_ical(client.get(path).content)
        summaries = {str(e["SUMMARY"]) for e in again.walk("VEVENT")}
        assert "Step two (about 2.5 h)" in summaries
        client.force_login(learner)
        assert "about 2.5 h" in client.get(reverse("dashboard")).content.decode()
        client.logout()

    def test_a_new_link_or_turning_it_off_revokes_the_old(
        self, client, learner, planned
    ):
        client.force_login(learner)
        old = make_link(client)
        new = make_link(client)
        assert client.get(old).status_code == 404
        assert client.get(new).status_code == 200
        assert client.post(SETTINGS, {"action": "off"}).status_code == 302
        assert client.get(new).status_code == 404
        assert not CalendarFeed.objects.exists()

    def test_bad_requests_are_refused(self, client, learner, planned):
        assert client.get(SETTINGS).status_code == 302  # sign in first
        client.force_login(learner)
        response = client.post(SETTINGS, {"action": "share"})
        assert response.status_code == 400
        assert not CalendarFeed.objects.exists()
        assert client.get("/calendar/not-a-token.ics").status_code == 404

    def test_an_inactive_learner_has_no_feed(self, client, learner, planned):
        client.force_login(learner)
        path = make_link(client)
        type(learner).objects.filter(pk=learner.pk).update(is_active=False)
        assert client.get(path).status_code == 404

    def test_each_learner_sees_only_their_own(self, client, learner, planned):
        client.force_login(learner)
        path = make_link(client)
        other = UserFactory(username="other")
        client.force_login(other)
        assert "Your feed is off" in client.get(SETTINGS).content.decode()
        feed = Calendar.from_ical(client.get(path).content)  # the link is the key
        assert all(
            f"learner-{learner.pk}@" in str(e["UID"]) for e in feed.walk("VEVENT")
        )


@pytest.mark.django_db
def test_review_sessions_are_in_the_feed(client, learner, planned, steps, clock):
    from progress import reviews
    from progress.models import ItemProgress

    ItemProgress.objects.set_status(learner, steps[0], "done")
    card = reviews.rate(learner, steps[0], "step", "good", clock.current)
    client.force_login(learner)
    path = make_link(client)
    events = Calendar.from_ical(client.get(path).content).walk("VEVENT")
    (session,) = [e for e in events if str(e["SUMMARY"]).startswith("Review ")]
    assert str(session["SUMMARY"]) == "Review 1 item on Waymark"
    assert session.decoded("DTSTART") == card.due
