"""Rate limits: so many requests a minute per token and per address, counted
in the shared cache with an atomic increment (Redis's INCR in production), in
fixed windows of a minute. Past the limit the API answers 429 with
`Retry-After`: the seconds left in the window."""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from accounts.audit import client_address

WINDOW = 60  # seconds

# What the last refusal in this thread said: ninja asks `wait()` right after
# `allow_request()` on the same (shared) throttle object.
_refused = threading.local()


def take(key: str, limit: int, now: float | None = None) -> float | None:
    """Count one request against `key` in this minute: None while within
    `limit`, else the seconds until the next window."""
    now = time.time() if now is None else now
    window = int(now // WINDOW)
    counter = f"api-rate:{key}:{window}"
    cache.add(counter, 0, WINDOW * 2)
    try:
        count = cache.incr(counter)
    except ValueError:  # expired between the two calls: this is its first
        cache.add(counter, 1, WINDOW * 2)
        count = 1
    if count <= limit:
        return None
    return (window + 1) * WINDOW - now


class PerAddress(BaseThrottle):
    """Every request, signed with a token or not, counts against its address."""

    def allow_request(self, request: HttpRequest) -> bool:
        _refused.wait = take(
            f"address:{client_address(request)}", settings.WAYMARK_API_PER_ADDRESS
        )
        return _refused.wait is None

    def wait(self) -> float | None:
        return _refused.wait


class PerToken(BaseThrottle):
    """Requests with a token count against the token too (checked after the
    token is)."""

    def allow_request(self, request: HttpRequest) -> bool:
        token = getattr(request, "token", None)
        _refused.wait = (
            None
            if token is None
            else take(f"token:{token.pk}", settings.WAYMARK_API_PER_TOKEN)
        )
        return _refused.wait is None

    def wait(self) -> float | None:
        return _refused.wait
