"""Rendered public pages, kept in the shared cache until the content changes.

Every cached page is keyed by the content version, a value that any change to
roadmap content replaces (model signals, the loader, the admin's bulk actions).
A change therefore shows at once: the next request misses the cache and renders
afresh. The version is replaced again when the change commits, so a page rendered
from the old rows while the change was in flight is never served afterwards.
Keys also name the running release (config/release.py), so a deploy never serves
markup that the templates or code before it rendered.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable

from django.core.cache import cache
from django.db import transaction

from config.release import release

VERSION_KEY = "roadmap:content-version"
PAGE_TIMEOUT = 24 * 60 * 60


def content_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, time.time_ns(), timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def content_changed(**kwargs) -> None:
    """Retire every cached page, now and again when the transaction commits."""
    _new_version()
    transaction.on_commit(_new_version)


def _new_version() -> None:
    cache.set(VERSION_KEY, time.time_ns(), timeout=None)


# The pages this process used last, by key. A key names the content version and
# the release, so an entry is never stale: a change makes a new key. Saves
# fetching and unpickling a few hundred kilobytes from the shared cache on every
# request.
_recent: OrderedDict[str, dict] = OrderedDict()
RECENT_PAGES = 32


def cached_page(name: str, render: Callable[[], dict]) -> dict:
    """The cached parts of a public page, rendered by `render` on a miss. Callers
    must not change what they get: it is shared by the requests that follow."""
    if len(name) > 100:  # a name from the URL: keep keys short and plain
        name = hashlib.sha256(name.encode()).hexdigest()
    key = f"roadmap:page:{name}:{release()}:{content_version()}"
    parts = _recent.get(key)
    if parts is not None:
        _recent.move_to_end(key)
        return parts
    parts = cache.get(key)
    if parts is None:
        parts = render()
        cache.set(key, parts, PAGE_TIMEOUT)
    _recent[key] = parts
    while len(_recent) > RECENT_PAGES:
        _recent.popitem(last=False)
    return parts
