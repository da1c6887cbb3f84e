"""What one HTMX status change costs, in cache writes and queries, with the
database as the cache and with Redis: the learner's generation is written once,
and once more when the change commits (not at all on the database cache, where
the first write commits with the change), and the request runs a fixed number of
queries."""

import uuid
from collections import Counter

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from progress.models import RoleFollow
from roadmap.models import LearningStep, Role
from tests.cache_spy import CacheSpy
from tests.shared_redis import REDIS_TEST_URL, require_redis


@pytest.fixture(params=["database", "redis"])
def backend(request, settings):
    if request.param == "database":
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": "waymark_cache",
            }
        }
        call_command("createcachetable", verbosity=0)  # absent under Redis
        caches["default"].clear()
        yield "database"
        return
    require_redis()
    # A prefix of this run's own: the test starts from an empty cache and
    # removes only its keys, whoever else uses the database.
    prefix = f"status-change-cost-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_TEST_URL,
            "KEY_PREFIX": prefix,
        }
    }
    # As in production: sessions are read from Redis.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    yield "redis"
    caches["default"].delete_pattern("*")  # this prefix's keys only


@pytest.fixture
def learner_on_the_role_page(client, learner, seed_roadmap):
    """A learner following the role, with the page and one status change behind
    them (the skeleton and the roles' structure are cached)."""
    role = Role.objects.get(slug="backend-engineer")
    RoleFollow.objects.create(learner=learner, role=role)
    client.force_login(learner)
    assert client.get(role.get_absolute_url()).status_code == 200
    steps = list(LearningStep.objects.filter(stage__role=role)[:2])
    change_status(client, steps[0], "learning")
    return steps


def change_status(client, step, status) -> None:
    response = client.post(
        reverse("progress_set_status", args=["step", step.slug]),
        {"status": status},
        headers={
            "HX-Request": "true",
            "HX-Current-URL": "http://testserver/roles/backend-engineer/",
        },
    )
    assert response.status_code == 200
    assert "waymark:status-changed" in response.headers["HX-Trigger"]


# Savepoints and the transaction's own statements (which PostgreSQL's driver
# issues without SQL) are left out, so the counts hold on SQLite and PostgreSQL.
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")

# (cache writes, queries). The writes: the learner's generation, at once and when
# the change commits (once in all on the database cache). The queries of a
# change: the session (unless it is read from Redis), the user, the item, the
# locked row and its update, the drop-off tally and the event. Whether the step
# is in a choice group (its control keeps a place for the mark) is read from the
# role's cached structure. Nothing else: the page's figures are fetched by the
# page afterwards (below). A first mark inserts the row instead of updating it,
# and here it is the step's first mark by anyone, so its tally row is created
# too (two more). The database cache adds three for its write (the count for
# culling, the lookup, the update) and one for its read of the content's
# generation (the key of the role's structure).
COST = {
    ("first mark", "database"): (1, 13),
    ("first mark", "redis"): (2, 8),
    ("change", "database"): (1, 11),
    ("change", "redis"): (2, 6),
}
# The budget for a status change, with Redis as in production.
MOST_QUERIES, MOST_CACHE_WRITES = 8, 2


@pytest.mark.parametrize("scenario", ["first mark", "change"])
@pytest.mark.django_db(transaction=True)
def test_one_status_change_writes_the_generation_once_and_on_commit(
    backend, scenario, client, learner_on_the_role_page, learner, monkeypatch
):
    changed, new = learner_on_the_role_page
    step = new if scenario == "first mark" else changed
    spy = CacheSpy(caches["default"], monkeypatch)
    with CaptureQueriesContext(connection) as captured:
        change_status(client, step, "done")
    queries = [
        query["sql"]
        for query in captured.captured_queries
        if not query["sql"].startswith(TRANSACTION_CONTROL)
    ]

    writes, expected_queries = COST[scenario, backend]
    key = f"generation:learner:{learner.pk}"
    assert Counter(spy.writes) == {("set", key): writes}
    assert len(queries) == expected_queries, "\n".join(queries)
    if backend == "redis":
        assert len(queries) <= MOST_QUERIES
        assert len(spy.writes) <= MOST_CACHE_WRITES


# The role page's figures, fetched after the change: the user (and the session,
# unless it is read from Redis); the role; their follow of it (with their last
# visit); the statuses; the pace; the items changed since the learner marked
# them; the role's revisions since their last visit. The structure and the
# map's layout come from the cache (on the database cache, three reads of the
# content's generation).
REFRESH = {"database": 11, "redis": 7}


@pytest.mark.django_db(transaction=True)
def test_the_pages_figures_after_a_change_cost_a_fixed_number_of_queries(
    backend, client, learner_on_the_role_page
):
    changed, _new = learner_on_the_role_page
    change_status(client, changed, "done")
    url = reverse("progress_role_figures", args=["backend-engineer"])
    client.get(url, headers={"HX-Request": "true"})  # the content's entries cached
    change_status(client, changed, "learning")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    queries = [
        query["sql"]
        for query in captured.captured_queries
        if not query["sql"].startswith(TRANSACTION_CONTROL)
    ]
    assert len(queries) == REFRESH[backend], "\n".join(queries)
