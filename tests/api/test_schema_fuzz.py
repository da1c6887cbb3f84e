"""Schemathesis against the served schema: for every endpoint, requests that
hypothesis generates from /api/v1/openapi.json, with a valid write token and
with none. No answer may be a server error, and every answer must conform to
the schema (its status code, content type, headers and body)."""

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings

from api import tokens
from tests.factories import UserFactory


@pytest.fixture
def api_schema(db, seed_roadmap, settings):
    # Hypothesis sends hundreds of requests from one address in a minute: the
    # limits are tested on their own (tests/api/test_api.py).
    settings.WAYMARK_API_PER_ADDRESS = settings.WAYMARK_API_PER_TOKEN = 10**6
    cache.clear()
    # The requests run in the test's transaction, as the test client's do: the
    # handler must not close the connection at the end of each.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def write_token(db):
    return tokens.create(UserFactory(), "fuzz", "write")[1]


def fuzz(schema, headers: dict, examples: int) -> list[str]:
    """Run every operation of `schema` on `examples` generated cases; the
    operations run. (Hypothesis drives each operation directly: schemathesis's
    pytest plugin does not yet load under this pytest.)"""
    ran = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            case.call_and_validate(headers=headers)

        run()
        ran.append(operation.label)
    return ran


def documented() -> list[str]:
    """Every operation the schema documents, as "METHOD /path"."""
    from api.v1 import api

    return sorted(
        f"{method.upper()} {path}"
        for path, item in api.get_openapi_schema()["paths"].items()
        for method in item
    )


@pytest.mark.django_db
def test_every_endpoint_with_a_token(api_schema, write_token):
    ran = fuzz(api_schema, {"Authorization": f"Bearer {write_token}"}, 40)
    assert sorted(ran) == documented()


@pytest.mark.django_db
def test_every_endpoint_without_a_token(api_schema):
    assert sorted(fuzz(api_schema, {}, 20)) == documented()
