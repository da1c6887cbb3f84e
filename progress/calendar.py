"""A learner's private calendar feed (iCalendar, RFC 5545): this week's planned
items on the days the plan gives them, and each goal's target date.

Every event has a UID made from what it is about (the item, the role, the
learner), so a calendar app that fetches the feed again updates its events
rather than adding copies. All events are whole days, in the learner's own
calendar's time zone."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from progress import figures, reviews
from progress.models import RoleFollow
from progress.plan import format_hours, goals_of

PRODID = "-//Waymark//Plans and reviews//EN"


def uid(what: str, learner) -> str:
    host = settings.SITE_URL.split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return f"{what}.learner-{learner.pk}@{host or 'waymark'}"


def feed(learner, now: datetime.datetime | None = None) -> bytes:
    now = now or timezone.now()
    site = settings.SITE_URL.rstrip("/")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Waymark: your plan")
    follows = list(RoleFollow.objects.filter(learner=learner).shown())
    goals = goals_of(follows)
    roles = [follow.role for follow in follows if follow.role_id in goals]
    for progress in figures.role_progress(learner, roles, goals=goals, now=now):
        plan, role = progress.plan, progress.role
        for item, day in zip(plan.this_week, plan.days, strict=True):
            kind, pk = item.key
            event = _day(
                uid(f"{kind}-{pk}", learner),
                day,
                f"{item.title} (about {format_hours(item.hours)} h)",
                now,
            )
            event.add("description", f"{role.title}: planned this week.")
            event.add("url", site + reverse("progress_item", args=[kind, item.slug]))
            calendar.add_component(event)
        if progress.goal.target:
            event = _day(
                uid(f"target-role-{role.pk}", learner),
                progress.goal.target,
                f"Target: finish {role.title}",
                now,
            )
            event.add("url", site + reverse("dashboard"))
            calendar.add_component(event)
    _review_days(calendar, learner, follows, now)
    return calendar.to_ical()


REVIEW_DAYS_AHEAD = 14


def _review_days(calendar: Calendar, learner, follows, now) -> None:
    """A review session on each of the next two weeks' days with reviews due:
    today's counts what the dashboard lists (progress/reviews.py)."""
    days = reviews.review_days(learner, follows, now, REVIEW_DAYS_AHEAD)
    site = settings.SITE_URL.rstrip("/")
    for day, count in sorted(days.items()):
        event = _day(
            uid(f"reviews-{day.isoformat()}", learner),
            day,
            f"Review {count} item{'s' if count != 1 else ''} on Waymark",
            now,
        )
        event.add("url", site + reverse("dashboard"))
        calendar.add_component(event)


def _day(event_uid: str, day: datetime.date, summary: str, now) -> Event:
    event = Event()
    event.add("uid", event_uid)
    event.add("dtstamp", now)
    event.add("dtstart", day)
    event.add("dtend", day + datetime.timedelta(days=1))
    event.add("summary", summary)
    event.add("transp", "TRANSPARENT")  # a plan, not a meeting: not busy
    return event
