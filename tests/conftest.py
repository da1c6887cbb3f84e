import datetime
import threading
from types import SimpleNamespace

import pytest
from django.core.cache import cache

from tests.factories import (
    ConceptFactory,
    RoleFactory,
    RoleSkillFactory,
    SkillFactory,
    StageFactory,
    StepFactory,
    UserFactory,
    enable_two_factor,
)


@pytest.fixture
def learner(db):
    return UserFactory(username="learner")


@pytest.fixture
def other_learner(db):
    return UserFactory(username="other")


@pytest.fixture
def curator(db):
    """A superuser with two-factor on, as the admin requires of staff.

    Strictly an operator: curators made by `createcurator` are not superusers
    (`group_curator` is one of those).
    """
    user = UserFactory(username="curator", is_staff=True, is_superuser=True)
    user.totp_secret = enable_two_factor(user)
    return user


@pytest.fixture
def operator(db):
    """A superuser with two-factor on: who manages accounts and groups."""
    user = UserFactory(username="operator", is_staff=True, is_superuser=True)
    user.totp_secret = enable_two_factor(user)
    return user


@pytest.fixture
def group_curator(db):
    """A curator as `createcurator` makes one: staff in the Curators group."""
    from django.contrib.auth.models import Group

    user = UserFactory(username="groupcurator", is_staff=True)
    user.groups.add(Group.objects.get(name="Curators"))
    user.totp_secret = enable_two_factor(user)
    return user


@pytest.fixture
def seed_roadmap(db):
    """The real Backend Engineer roadmap, loaded from fixtures/."""
    from django.conf import settings

    from roadmap import content
    from roadmap.content import loading

    loading.load(content.read([settings.ROADMAP_FIXTURES_DIR]))


@pytest.fixture
def small_role(db):
    """A role with 4 steps in 2 stages (step 3 needs step 1 and 2) and 2 concepts."""
    role = RoleFactory(slug="small", title="Small role")
    first_stage = StageFactory(role=role, position=0, slug="basics")
    second_stage = StageFactory(role=role, position=1, slug="more")
    steps = [
        StepFactory(stage=first_stage, position=0, slug="s1", title="Step one"),
        StepFactory(stage=first_stage, position=1, slug="s2", title="Step two"),
        StepFactory(stage=second_stage, position=0, slug="s3", title="Step three"),
        StepFactory(stage=second_stage, position=1, slug="s4", title="Step four"),
    ]
    steps[2].prerequisites.add(steps[0], steps[1])
    skill = SkillFactory(slug="shared-skill", name="Shared skill")
    RoleSkillFactory(role=role, skill=skill)
    ConceptFactory(skill=skill, slug="c1", name="Concept one")
    ConceptFactory(skill=skill, slug="c2", name="Concept two")
    role.test_steps = steps
    return role


@pytest.fixture
def steps(small_role):
    return small_role.test_steps


@pytest.fixture
def django_assert_page_queries():
    """Like django_assert_num_queries, but leaves out the cache's own queries, so
    budgets hold whether the cache is Redis or the database table."""
    from contextlib import contextmanager

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    @contextmanager
    def assert_page_queries(expected: int):
        with CaptureQueriesContext(connection) as captured:
            yield captured
        queries = [
            query["sql"]
            for query in captured.captured_queries
            if "waymark_cache" not in query["sql"] and "SAVEPOINT" not in query["sql"]
        ]
        assert len(queries) == expected, (
            f"expected {expected} queries, ran {len(queries)}:\n" + "\n".join(queries)
        )

    return assert_page_queries


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
    from django.core.cache.backends import base as cache_base
    from django.core.cache.backends import db as database_cache
    from django.utils import timezone

    # Noon UTC today: a test that moves the clock by minutes or hours stays
    # on one day, whenever the suite runs (a run near midnight once crossed it).
    clock = Clock(timezone.now().replace(hour=12, minute=0, second=0, microsecond=0))
    monkeypatch.setattr(timezone, "now", clock.now)
    # The database cache dates an entry's expiry by the wall clock and checks
    # it by `timezone.now`: both read this clock.
    monkeypatch.setattr(database_cache, "tz_now", clock.now)
    monkeypatch.setattr(
        cache_base, "time", SimpleNamespace(time=lambda: clock.now().timestamp())
    )
    return clock


# --- No email inside an HTTP request ------------------------------------------------

_request = threading.local()


def _request_started(**kwargs) -> None:
    _request.active = True


def _request_finished(**kwargs) -> None:
    _request.active = False


@pytest.fixture(autouse=True, scope="session")
def no_email_inside_requests():
    """Every test fails if an email is sent while a request is handled: emails
    are queued (outbox.sending.queue_email) and the worker sends them."""
    from django.core.mail.backends import locmem
    from django.core.signals import request_finished, request_started

    request_started.connect(_request_started, dispatch_uid="tests_request_started")
    request_finished.connect(_request_finished, dispatch_uid="tests_request_done")
    original = locmem.EmailBackend.send_messages

    def send_messages(self, messages):
        if getattr(_request, "active", False):
            raise AssertionError(
                "an email was sent inside an HTTP request; queue it with "
                "outbox.sending.queue_email and let the worker send it"
            )
        return original(self, messages)

    locmem.EmailBackend.send_messages = send_messages
    yield
    locmem.EmailBackend.send_messages = original
