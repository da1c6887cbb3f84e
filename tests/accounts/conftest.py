import datetime

import pytest
from django.core.cache import cache


@pytest.fixture
def empty_cache(db):
    """Rate limits live in the cache: start and finish such a test with none."""
    cache.clear()
    yield
    cache.clear()


class Clock:
    """`django.utils.timezone.now`, stopped at one instant and moved by hand."""

    def __init__(self, start):
        self.current = start

    def now(self):
        return self.current

    def advance(self, **delta) -> None:
        self.current += datetime.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    """Time travel without sleeping: `timezone.now()` (model defaults,
    `auto_now_add`, the views) and the database cache's expiry check read this
    clock, so cached entries expire as the clock moves on."""
    from django.core.cache.backends import db as database_cache
    from django.utils import timezone

    clock = Clock(timezone.now())
    monkeypatch.setattr(timezone, "now", clock.now)
    monkeypatch.setattr(database_cache, "tz_now", clock.now)
    return clock
