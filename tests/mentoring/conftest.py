import uuid

import pytest
from django.core.cache import caches

from config import caching
from mentoring.models import Mentorship
from tests.factories import UserFactory
from tests.shared_redis import REDIS_TEST_URL, require_redis


def mentorship(learner, mentor, status=Mentorship.Status.ACTIVE, **extra):
    extra.setdefault("initiated_by", Mentorship.Initiator.LEARNER)
    return Mentorship.objects.create(
        learner=learner, mentor=mentor, status=status, **extra
    )


@pytest.fixture
def mentor(db):
    return UserFactory(username="mentor", display_name="Maya Mentor")


@pytest.fixture
def active(learner, mentor):
    return mentorship(learner, mentor)


@pytest.fixture(params=["database", "redis"])
def shared_cache(request, settings, monkeypatch):
    """The cache the hub's data is kept in: the database table (the tests'
    default) with every entry cached as on Redis, or Redis itself, under a
    prefix of this test's own. The session stays in the database either way,
    so the budgets are the same."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    if request.param == "database":
        monkeypatch.setattr(caching, "is_database", lambda: False)
        yield "database"
        return
    require_redis()
    prefix = f"mentoring-hub-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_TEST_URL,
            "KEY_PREFIX": prefix,
        }
    }
    yield "redis"
    caches["default"].delete_pattern("*")  # this prefix's keys only
