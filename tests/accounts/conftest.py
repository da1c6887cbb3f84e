import pytest
from django.core.cache import cache


@pytest.fixture
def empty_cache(db):
    """Rate limits live in the cache: start and finish such a test with none."""
    cache.clear()
    yield
    cache.clear()
