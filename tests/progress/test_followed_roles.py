"""Which followed roles count, and in which order, has one home
(`RoleFollow.objects.shown()`): the dashboard, the public profile, the weekly
email, the calendar feed and the mentor's rows all show the published roles a
learner follows, oldest first, and never a draft one."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from progress import calendar, mentees, reminders
from progress.models import RoleFollow
from tests.factories import RoleFactory, StageFactory, StepFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def follows():
    learner = UserFactory(public_profile=True)
    now = timezone.now()
    roles = {}
    for title, published, days_ago in [
        ("Later role", True, 1),
        ("Draft role", False, 5),
        ("First role", True, 9),
    ]:
        role = RoleFactory(title=title, is_published=published)
        StepFactory(stage=StageFactory(role=role), title=f"Step of {title}")
        follow = RoleFollow.objects.create(learner=learner, role=role)
        RoleFollow.objects.filter(pk=follow.pk).update(
            started_at=now - datetime.timedelta(days=days_ago)
        )
        follow.refresh_from_db()
        RoleFollow.objects.set_goal(follow, now.date() + datetime.timedelta(days=30), 5)
        roles[title] = role
    return learner, roles


SHOWN = ["First role", "Later role"]


def in_order(text: str, titles: list[str]) -> bool:
    places = [text.index(title) for title in titles]
    return places == sorted(places)


def test_the_rule_itself(follows):
    learner, _roles = follows
    shown = RoleFollow.objects.filter(learner=learner).shown()
    assert [follow.role.title for follow in shown] == SHOWN


def test_the_dashboard_and_the_public_profile(client, follows):
    learner, _roles = follows
    profile = client.get(reverse("public_profile", args=[learner.username]))
    client.force_login(learner)
    dashboard = client.get(reverse("dashboard"))
    for response in (dashboard, profile):
        body = response.content.decode()
        assert "Draft role" not in body
        assert in_order(body, SHOWN)


def test_the_weekly_email_the_calendar_and_the_mentor_rows(follows):
    learner, _roles = follows
    now = timezone.now()
    context = reminders.email_context(learner, now)
    assert [progress.role.title for progress in context["roles"]] == SHOWN

    feed = Calendar.from_ical(calendar.feed(learner, now))
    descriptions = {str(event.get("description")) for event in feed.walk("VEVENT")}
    assert any("First role" in text for text in descriptions)
    assert not any("Draft role" in text for text in descriptions)

    (row,) = mentees.mentee_rows([learner], stalled_days=14, now=now)
    assert [mentee_role.role.title for mentee_role in row.roles] == SHOWN
