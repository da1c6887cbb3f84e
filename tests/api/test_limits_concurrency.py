"""The API's rate limits hold under a burst: thirty requests at once against a
limit of ten let exactly ten through, on the shared cache production uses
(Redis, whose INCR is atomic), in requests through the API and in the counter
itself."""

import threading
import uuid
from types import SimpleNamespace

import pytest
from django.core.cache import caches
from django.db import connections
from django.test import Client

from api import limits
from tests.shared_redis import REDIS_TEST_URL, require_redis


@pytest.fixture
def redis_cache(settings):
    require_redis()
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_TEST_URL,
            "KEY_PREFIX": f"api-limits-{uuid.uuid4().hex}",  # this test's keys only
        }
    }
    yield caches["default"]
    caches["default"].delete_pattern("*")


def at_once(count: int, work) -> list:
    barrier = threading.Barrier(count)
    results: list = []
    errors: list[BaseException] = []

    def go(number: int) -> None:
        try:
            barrier.wait()
            results.append(work(number))
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=go, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


def test_thirty_takes_at_once_allow_exactly_the_limit(redis_cache):
    key = f"burst-{uuid.uuid4().hex}"
    results = at_once(30, lambda _n: limits.take(key, 10, now=1_000_000.0))
    assert results.count(None) == 10
    assert all(wait == 60 - (1_000_000 % 60) for wait in results if wait is not None)


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_requests_from_one_address_gets_429_past_the_limit(
    redis_cache, settings, monkeypatch
):
    settings.WAYMARK_API_PER_ADDRESS = 10
    # One minute for the whole burst, whenever the test runs.
    monkeypatch.setattr(limits, "time", SimpleNamespace(time=lambda: 1_000_000.0))
    statuses = at_once(
        30, lambda _n: Client(REMOTE_ADDR="10.9.8.7").get("/api/v1/roles").status_code
    )
    assert sorted(statuses) == [200] * 10 + [429] * 20
