"""The Redis the tests share (each test under a key prefix of its own), and the
rule for when it is missing: a skip on a developer's machine, a failure in CI."""

import os

import pytest

REDIS_TEST_URL = "redis://127.0.0.1:6379/11"


def require_redis() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_TEST_URL, socket_timeout=1).ping()
    except redis.RedisError as error:
        message = f"Redis is not reachable at {REDIS_TEST_URL} ({error})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}: this test must run in CI")
        pytest.skip(message)
