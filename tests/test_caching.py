"""The shared cache's rules (config/caching.py): generations, bumped at once
and again when the transaction commits; cached entries."""

import uuid

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from config import caching
from tests.cache_spy import CacheSpy


@pytest.fixture
def outside_cache(settings):
    """A cache outside the database, as Redis is: its writes belong to no
    transaction."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"caching-{uuid.uuid4().hex}",
        }
    }


@pytest.fixture
def database_cache(settings, db):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "waymark_cache",
        }
    }
    call_command("createcachetable", verbosity=0)  # absent when Redis is the cache
    caches["default"].clear()


@pytest.fixture
def writes(monkeypatch):
    return CacheSpy(caches["default"], monkeypatch)


@pytest.mark.django_db
class TestGenerations:
    def test_a_generation_is_created_when_first_read_then_kept(self, outside_cache):
        first = caching.generation("content")
        assert caching.generation("content") == first
        assert caching.generation("learner", 1) != first

    def test_a_bump_replaces_one_groups_generation_only(self, outside_cache):
        before = caching.generations("learner", [1, 2])
        content = caching.generation("content")
        caching.bump("learner", 1)
        after = caching.generations("learner", [1, 2])
        assert after[1] != before[1]
        assert after[2] == before[2]
        assert caching.generation("content") == content

    def test_many_generations_are_read_in_one_round_trip(
        self, outside_cache, monkeypatch
    ):
        caching.generations("learner", [1, 2, 3])
        calls = []
        cache = caches["default"]
        get_many = cache.get_many
        monkeypatch.setattr(
            cache, "get_many", lambda keys: calls.append(keys) or get_many(keys)
        )
        assert list(caching.generations("learner", [3, 1, 2])) == [3, 1, 2]
        assert len(calls) == 1

    @pytest.mark.parametrize(
        ("group", "id"), [("contents", None), ("content", 1), ("learner", None)]
    )
    def test_a_group_is_named_as_it_is_kept(self, outside_cache, group, id):
        with pytest.raises(ValueError):
            caching.bump(group, id)

    @pytest.mark.django_db(transaction=True)
    def test_outside_a_transaction_a_bump_is_one_write(self, outside_cache, writes):
        caching.bump("learner", 7)
        assert writes.written_keys() == ["generation:learner:7"]


@pytest.mark.django_db
class TestBumpsInATransaction:
    """Tests run inside a transaction: the callbacks run when asked to."""

    def test_written_at_once_and_again_when_it_commits(
        self, outside_cache, writes, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            caching.bump("learner", 7)
            at_once = caching.generation("learner", 7)
            assert writes.written_keys() == ["generation:learner:7"]
        assert writes.written_keys() == ["generation:learner:7"] * 2
        assert caching.generation("learner", 7) != at_once

    def test_each_bump_writes_at_once_and_again_on_commit(
        self, outside_cache, writes, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                caching.bump("learner", 7)
                caching.bump("content")
            assert sorted(writes.written_keys()) == sorted(
                ["generation:learner:7", "generation:content"]
            )
        assert sorted(writes.written_keys()) == sorted(
            ["generation:learner:7", "generation:content"] * 2
        )

    def test_a_bump_after_a_read_retires_what_was_cached_in_between(
        self, outside_cache, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            caching.bump("learner", 7)
            entry = caching.cached(
                "entry", lambda: "before", depends_on=[("learner", 7)], timeout=60
            )
            caching.bump("learner", 7)
            assert entry == "before"
            assert (
                caching.cached(
                    "entry", lambda: "after", depends_on=[("learner", 7)], timeout=60
                )
                == "after"
            )

    def test_what_another_process_cached_meanwhile_is_retired_on_commit(
        self, outside_cache, django_capture_on_commit_callbacks
    ):
        """Another process may read the new number before the change commits and
        cache a page from the old rows: the rewrite on commit retires it."""

        def page(text):
            return caching.cached(
                "page", lambda: text, depends_on=[("learner", 7)], timeout=60
            )

        with django_capture_on_commit_callbacks(execute=True):
            caching.bump("learner", 7)
            assert page("from the old rows") == "from the old rows"
        assert page("from the new rows") == "from the new rows"

    def test_on_the_database_cache_a_rolled_back_bump_goes_with_its_change(
        self, database_cache, writes, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            before = caching.generation("learner", 7)
            with pytest.raises(RuntimeError), transaction.atomic():
                caching.bump("learner", 7)
                raise RuntimeError
            assert caching.generation("learner", 7) == before
            caching.bump("learner", 7)
            assert caching.generation("learner", 7) != before

    def test_on_the_database_cache_the_number_is_written_once(
        self, database_cache, writes, django_capture_on_commit_callbacks
    ):
        """The row commits with the change: no second write is needed."""
        with django_capture_on_commit_callbacks(execute=True):
            caching.bump("learner", 7)
        assert writes.written_keys() == ["generation:learner:7"]


@pytest.mark.django_db
class TestCachedEntries:
    def test_an_entry_is_kept_until_a_group_it_depends_on_is_bumped(
        self, outside_cache
    ):
        calls = []

        def entry():
            return caching.cached(
                "entry",
                lambda: calls.append(1) or len(calls),
                depends_on=[("learner", 1), caching.CONTENT],
                timeout=60,
            )

        assert entry() == 1
        assert entry() == 1
        caching.bump("learner", 2)
        assert entry() == 1
        caching.bump("learner", 1)
        assert entry() == 2
        caching.bump("content")
        assert entry() == 3
        with override_settings(RELEASE="next"):
            assert entry() == 4
        assert entry() == 3

    def test_an_entry_kept_in_process_is_not_fetched_again(
        self, outside_cache, monkeypatch
    ):
        def page():
            return caching.cached(
                "page",
                lambda: {"html": "<p>"},
                depends_on=[caching.CONTENT],
                timeout=60,
                in_process=True,
            )

        first = page()
        cache = caches["default"]
        get = cache.get

        def get_no_page(key, *args, **kwargs):
            assert not key.startswith("page"), "fetched from the shared cache"
            return get(key, *args, **kwargs)

        monkeypatch.setattr(cache, "get", get_no_page)
        assert page() is first
        monkeypatch.undo()
        caching.bump("content")
        assert page() is not first


@pytest.mark.django_db
class TestCachedMany:
    def entries(self, ids):
        return {pk: (f"row:{pk}", [("learner", pk)]) for pk in ids}

    def test_only_the_missing_entries_are_computed_in_one_call(self, outside_cache):
        calls = []

        def compute(refs):
            calls.append(sorted(refs))
            return {ref: f"row {ref}" for ref in refs}

        first = caching.cached_many(self.entries([1, 2]), compute, timeout=60)
        assert first == {1: "row 1", 2: "row 2"}
        again = caching.cached_many(self.entries([1, 2, 3]), compute, timeout=60)
        assert again == {1: "row 1", 2: "row 2", 3: "row 3"}
        caching.bump("learner", 2)
        caching.cached_many(self.entries([1, 2, 3]), compute, timeout=60)
        assert calls == [[1, 2], [3], [2]]

    def test_on_the_database_cache_everything_is_computed(self, database_cache):
        calls = []

        def compute(refs):
            calls.append(sorted(refs))
            return {ref: ref for ref in refs}

        caching.cached_many(self.entries([1, 2]), compute, timeout=60)
        caching.cached_many(self.entries([1, 2]), compute, timeout=60)
        assert calls == [[1, 2], [1, 2]]
