"""The mentor's cached rows are dated by each mentee's own day, as everything
else of theirs is: when a mentee's day turns before UTC's does, the mentor
sees their plan from the new day at once."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from config import caching
from tests.factories import UserFactory
from tests.mentoring.conftest import mentorship

pytestmark = pytest.mark.django_db

# 10:55 UTC on Wednesday 2 December is 23:55 in Auckland (UTC+13).
BEFORE_MIDNIGHT = datetime.datetime(2026, 12, 2, 10, 55, tzinfo=datetime.UTC)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def row_of(html: str, name: str) -> str:
    table = html[html.index('class="mentees"') :]
    return table[table.index(name) :].split("</tr>")[0]


def test_a_mentees_row_follows_their_day_not_utcs(
    mentor, small_role, clock, monkeypatch, empty_cache
):
    # As with Redis in production: the hub and each mentee's row are cached.
    monkeypatch.setattr(caching, "is_database", lambda: False)
    clock.current = BEFORE_MIDNIGHT
    kiri = UserFactory(
        username="kiri", display_name="Kiri", timezone="Pacific/Auckland"
    )
    mentorship(kiri, mentor)
    own = signed_in(kiri)
    own.post(reverse("progress_follow", args=["small"]))
    assert (
        own.post(
            reverse("progress_goal", args=["small"]), {"hours_per_week": "7"}
        ).status_code
        == 302
    )
    hub = signed_in(mentor)
    # 18 h at 1 h a day from Kiri's 2 December: the last on 19 December.
    assert "finish 19 Dec 2026" in row_of(
        hub.get(reverse("mentoring")).content.decode(), "Kiri"
    )

    clock.advance(minutes=6)  # 00:01 on 3 December in Auckland, still 2 December in UTC
    row = row_of(hub.get(reverse("mentoring")).content.decode(), "Kiri")
    assert "finish 20 Dec 2026" in row
    # Kiri's own dashboard says the same.
    assert "20 December 2026" in own.get(reverse("dashboard")).content.decode()
