"""Rendered public pages, kept in the shared cache until the content changes.

Every page is cached under the content's generation (`config.caching`), which
the functions that change roadmap content bump by calling `content_changed`:
the content loader, and the admin's saves, deletes and bulk actions
(`roadmap.admin.ContentAdmin`). A change therefore shows at once: the next
request misses the cache and renders afresh. A change made another way (the
shell, a script) calls `content_changed()` itself, or shows when the entries
expire, within a day. Each process also keeps the pages it served last.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from config import caching

PAGE_TIMEOUT = caching.DAY


def content_changed() -> None:
    """Retire every cached page, and everything else cached from the content."""
    caching.bump("content")


def cached_page(name: str, render: Callable[[], dict]) -> dict:
    """The cached parts of a public page, rendered by `render` on a miss. Callers
    must not change what they get: it is shared by the requests that follow."""
    if len(name) > 100:  # a name from the URL: keep keys short and plain
        name = hashlib.sha256(name.encode()).hexdigest()
    return caching.cached(
        f"roadmap:page:{name}",
        render,
        depends_on=[caching.CONTENT],
        timeout=PAGE_TIMEOUT,
        in_process=True,
    )
