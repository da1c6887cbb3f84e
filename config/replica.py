"""Where a request reads: the replica, unless it must not.

With `DATABASE_REPLICA_URL` set, the settings install `ReplicaMiddleware` and the
router of config/db_router.py. The middleware decides, once per request, whether
its reads may go to the replica; the router follows that decision query by query.

A request reads from the primary when:

- it is not a GET or HEAD: a form's view reads what it is about to change;
- its browser wrote a few seconds ago (`WAYMARK_REPLICA_STICKY_SECONDS`): the
  replica may not have the change yet, and a learner must see their own change
  at once. The pin is a signed cookie, so it needs no database and holds for
  visitors who are not signed in too;
- it has written already (the router sees every write), or it is inside a
  transaction;
- this process found the replica failing less than `WAYMARK_REPLICA_RETRY_SECONDS`
  ago.

A failing replica. The router only names a database; the error comes later, from
a query, anywhere in the view or the middleware after this one, and Django turns
it into an error page (config/errors.py). So the middleware notes any database
error a request did not catch (Django's `got_request_exception` signal; psycopg's
OperationalError and InterfaceError reach it as Django's, subclasses of
DatabaseError), and a GET that read from the replica and failed so is answered
again, once, from the primary. The replica is then asked `SELECT 1` on a new
connection: if it does not answer (its connect_timeout is short), this process
reads from the primary alone until the retry time, when one request asks it again
before reading from it. No query is spent while it is healthy.
"""

from __future__ import annotations

import logging
import sys
import time
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
READ_ONLY_METHODS = frozenset({"GET", "HEAD"})
PIN_SALT = "waymark.replica.pin"

logger = logging.getLogger("waymark.replica")


@dataclass
class Reads:
    """Where one request's reads go; the router reads it and marks it."""

    replica: bool
    used_replica: bool = False
    wrote: bool = False
    database_error: bool = False


# The request being answered by this thread; None outside a request (commands,
# the task worker, the shell): those read from the primary.
current: ContextVar[Reads | None] = ContextVar("waymark_reads", default=None)


@contextmanager
def primary_reads():
    """Reads inside go to the primary. What is computed for the shared cache
    is read here (`caching.cached`): it is stored under the newest generations,
    which a lagging replica may not have caught up with, and would then be
    served stale to everyone until it expired."""
    reads = current.get()
    if reads is None or not reads.replica:
        yield
        return
    reads.replica = False
    try:
        yield
    finally:
        reads.replica = not reads.wrote  # a write inside keeps the request pinned


class Health:
    """The replica as this process last found it."""

    def __init__(self) -> None:
        self.retry_at = 0.0  # time.monotonic() when to try again; 0 while healthy

    def usable(self) -> bool:
        if not self.retry_at:
            return True
        if time.monotonic() < self.retry_at:
            return False
        if answers():
            logger.warning("The replica answers again: pages read from it.")
            self.retry_at = 0.0
            return True
        self.set_aside()
        return False

    def set_aside(self) -> None:
        seconds = settings.WAYMARK_REPLICA_RETRY_SECONDS
        logger.warning(
            "The replica does not answer: pages read from the primary for %s s.",
            seconds,
        )
        self.retry_at = time.monotonic() + seconds


health = Health()


def answers() -> bool:
    """Whether the replica answers `SELECT 1` on a fresh connection."""
    connection = connections[REPLICA]
    with suppress(DatabaseError):
        connection.close()  # a connection broken by the failure is of no use
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        with suppress(DatabaseError):
            connection.close()
        return False
    return True


def note_database_error(sender, request=None, **kwargs) -> None:
    """`got_request_exception` receiver: sent while the exception is handled."""
    reads = current.get()
    if reads is not None and isinstance(sys.exception(), DatabaseError):
        reads.database_error = True


def pin_cookie_name() -> str:
    # Over HTTPS the __Host- prefix, like the session's and CSRF's cookies.
    return ("__Host-" if settings.SESSION_COOKIE_SECURE else "") + "waymark-primary"


def is_pinned(request: HttpRequest) -> bool:
    """Whether this browser wrote within the sticky seconds: the cookie's
    signature carries its time, so an older pin reads as none."""
    seconds = settings.WAYMARK_REPLICA_STICKY_SECONDS
    if seconds <= 0:
        return False
    pin = request.get_signed_cookie(
        pin_cookie_name(), default=None, salt=PIN_SALT, max_age=seconds
    )
    return pin is not None


def pin(response: HttpResponse) -> None:
    seconds = settings.WAYMARK_REPLICA_STICKY_SECONDS
    if seconds <= 0:
        return
    response.set_signed_cookie(
        pin_cookie_name(),
        "primary",
        salt=PIN_SALT,
        max_age=seconds,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


class ReplicaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        got_request_exception.connect(
            note_database_error, dispatch_uid="waymark.replica"
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reads = Reads(
            replica=request.method in READ_ONLY_METHODS
            and not is_pinned(request)
            and health.usable()
        )
        token = current.set(reads)
        try:
            response = self.get_response(request)
            if reads.used_replica and reads.database_error:
                response = self.again_from_the_primary(request, reads)
        finally:
            current.reset(token)
        if reads.wrote or request.method not in READ_ONLY_METHODS:
            pin(response)
        return response

    def again_from_the_primary(self, request: HttpRequest, reads: Reads):
        """A GET that failed after reading from the replica, answered again
        with every read on the primary (a GET or HEAD is safe to run twice).
        The replica is set aside if it does not answer."""
        if answers():
            logger.warning(
                "%s %s failed reading from the replica: answered from the primary.",
                request.method,
                request.path,
            )
        else:
            health.set_aside()
        reads.replica = False
        reads.used_replica = False
        reads.database_error = False
        return self.get_response(request)
