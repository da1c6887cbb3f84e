"""Sending a learner's history to their own learning record store, in the worker.

A store has rounds: the task `send_to_store` (queue "default" of `manage.py
db_worker`) sends every status change and review the store does not have yet
(newer than `sent_event_id` / `sent_review_id`), as xAPI statements
(`progress.xapi`) in batches of `WAYMARK_LRS_BATCH`, then books the next round
`WAYMARK_LRS_EVERY_MINUTES` later: new records arrive within minutes, and no
page ever waits for a store. Saving the settings or "Send now" starts a new
round at once (a new `round` number: the old round's task finds itself
superseded and stops, so a store has one round at a time).

A round checks before each batch that it is still the store's round (saving,
"Send now" or "Remove" stop it between two batches), and moves the store's
marks only while it is. Only records older than `SETTLE` are sent, so a
transaction still open when a round runs cannot commit a record behind the
marks.

A temporary failure (the store unreachable, a timeout, 5xx, 429, or anything
unexpected) is tried again with the outbox's backoff (1, 4, 16, 64 minutes) up
to `WAYMARK_LRS_ATTEMPTS` times, then every `RETRY_LATER`; a refusal no retry
changes (401/403: the account; 400: the statements; a redirect; an address not
allowed) is kept as the store's `last_error`, shown on the learner's settings
page, and the rounds stop until they change something or press "Send now". A
chain lost with its worker (a deploy) is started again by the hourly job
`resume_stalled`. Statement ids are derived from the events, so sending one
again (a retry after a lost answer) never records it twice.

**The network.** The store's host is looked up once; every address must be
public (`allowed_address`), and the connection goes to the address checked,
the certificate checked for the host name, so a name that answers differently
the second time cannot lead into Waymark's own network. A request has a whole
`WAYMARK_LRS_TIMEOUT_SECONDS` to finish, however slowly a store answers.
What the learner sees of a failure says what happened, never the network's own
reason (which would map Waymark's network for them).

The secret is never logged: errors name the store's host and the HTTP status.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import http.client
import json
import logging
import socket
import ssl
import threading
from dataclasses import dataclass
from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.tasks import task
from django.utils import timezone

from outbox.sending import backoff, deliver_with_the_change
from progress import xapi
from progress.models import LearningRecordStore, ProgressEvent, ReviewLog
from progress.models.lrs import allowed_address, validate_endpoint

logger = logging.getLogger("waymark.lrs")

# Batches a round sends at most; a longer history goes on in the next round.
MAX_BATCHES_PER_ROUND = 50
ANSWER_LIMIT = 64 * 1024
# Records younger than this wait for the next round (see the module's doc).
SETTLE = datetime.timedelta(minutes=1)
# After the attempts with backoff, a store still down is tried this often.
RETRY_LATER = datetime.timedelta(hours=1)


class TemporaryFailure(Exception):
    """The store may take the statements later: try again with backoff."""


class PermanentFailure(Exception):
    """The store refuses, and will until the learner changes something."""


class Superseded(Exception):
    """The round is no longer the store's: saved, sent again or removed."""


# --- The learner's actions (thin views call these) ------------------------------------


def save_store(
    learner, *, endpoint: str, username: str, secret: str, enabled: bool
) -> LearningRecordStore:
    """Save the learner's store (a blank `secret` keeps the saved one). Another
    address or account is another store: it gets the history from the start.
    On, it starts a round now; off, any round stops."""
    with transaction.atomic():
        store = (
            LearningRecordStore.objects.select_for_update()
            .filter(learner=learner)
            .first()
        ) or LearningRecordStore(learner=learner)
        if store.pk is None or (store.endpoint, store.username) != (
            endpoint,
            username,
        ):
            store.sent_event_id = store.sent_review_id = store.statements_sent = 0
            store.last_sent_at = None
        store.endpoint = endpoint
        store.username = username
        if secret:
            store.secret = secret
        store.enabled = enabled
        store.last_error, store.last_error_at, store.failures = "", None, 0
        store.save()
        _new_round(store)
    return store


def send_now(learner) -> LearningRecordStore | None:
    """A round now (the "Send now" button); None when there is no store on."""
    with transaction.atomic():
        store = (
            LearningRecordStore.objects.select_for_update()
            .filter(learner=learner, enabled=True)
            .first()
        )
        if store is None:
            return None
        store.failures = 0
        store.save(update_fields=["failures", "updated_at"])
        _new_round(store)
    return store


def remove_store(learner) -> bool:
    """Forget the store and its account; a round under way stops before its
    next batch."""
    deleted, _ = LearningRecordStore.objects.filter(learner=learner).delete()
    return bool(deleted)


def _new_round(store: LearningRecordStore) -> None:
    """Supersede any round of `store`; when it is on, the new one runs now."""
    store.round += 1
    store.next_round_at = timezone.now() if store.enabled else None
    store.save(update_fields=["round", "next_round_at", "updated_at"])
    if store.enabled:
        deliver_with_the_change(partial(_enqueue, store.pk, store.round, 1, None))


def _enqueue(
    store_id: int,
    round_number: int,
    attempt: int,
    run_after: datetime.datetime | None,
) -> None:
    send_to_store.using(run_after=run_after).enqueue(store_id, round_number, attempt)


# --- A round, in the worker ---------------------------------------------------------


@task(queue_name="default")
def send_to_store(store_id: int, round_number: int, attempt: int = 1) -> str:
    """The worker's task: one round of `run_round`."""
    return run_round(store_id, round_number, attempt)


def run_round(store_id: int, round_number: int, attempt: int = 1) -> str:
    """Send what the store does not have yet, then book what comes next; what
    happened, in a few words."""
    store = (
        LearningRecordStore.objects.select_related("learner")
        .filter(pk=store_id)
        .first()
    )
    if store is None:
        return "gone"
    if store.round != round_number:
        return "superseded"
    if not store.enabled:
        return "turned off"
    try:
        sent = send_new(store, round_number)
    except Superseded:
        return "superseded"
    except PermanentFailure as error:
        _failed(store, round_number, str(error), attempt, when=None)
        return "failed"
    except Exception as error:  # temporary, or unexpected: tried again
        if not isinstance(error, TemporaryFailure):
            logger.exception("store %s (%s): unexpected error", store.pk, _host(store))
            error = TemporaryFailure("Sending failed on Waymark's side.")
        retry = attempt < settings.WAYMARK_LRS_ATTEMPTS
        when = timezone.now() + (backoff(attempt) if retry else RETRY_LATER)
        _failed(store, round_number, str(error), attempt, when=when)
        return "retrying"
    now = timezone.now()
    when = now + datetime.timedelta(minutes=settings.WAYMARK_LRS_EVERY_MINUTES)
    changes = {"last_error": "", "last_error_at": None, "failures": 0}
    if sent:
        changes["last_sent_at"] = now
    _book(store, round_number, 1, when, **changes)
    if sent:
        logger.info("store %s (%s): sent %s statement(s)", store.pk, _host(store), sent)
    return f"sent {sent}"


def _failed(store, round_number: int, error: str, attempt: int, *, when):
    """Keep the error; try again at `when` (None: not until the learner acts)."""
    changes = {
        "last_error": error[:500],
        "last_error_at": timezone.now(),
        "failures": F("failures") + 1,
    }
    _book(store, round_number, attempt + 1, when, **changes)
    logger.warning(
        "store %s (%s): attempt %s failed (%s); %s",
        store.pk,
        _host(store),
        attempt,
        error,
        f"next attempt at {when.isoformat(timespec='seconds')}"
        if when
        else "kept as its error",
    )


def _book(store, round_number: int, attempt: int, when, **changes) -> None:
    """Record the round's outcome and enqueue its next task for `when` (none if
    None), unless a newer round took over meanwhile."""
    with transaction.atomic():
        booked = LearningRecordStore.objects.filter(
            pk=store.pk, round=round_number, enabled=True
        ).update(next_round_at=when, **changes)
        if booked and when is not None:
            deliver_with_the_change(
                partial(_enqueue, store.pk, round_number, attempt, when)
            )


def _host(store: LearningRecordStore) -> str:
    return urlsplit(store.endpoint).hostname or "?"


def resume_stalled(now: datetime.datetime) -> str:
    """The hourly job: a store that is on, whose next round was due more than
    an hour ago and never ran (its worker was stopped), gets a new round."""
    stalled = LearningRecordStore.objects.filter(
        enabled=True, next_round_at__lt=now - datetime.timedelta(hours=1)
    )
    resumed = 0
    for store_id in stalled.values_list("pk", flat=True):
        with transaction.atomic():
            store = (
                LearningRecordStore.objects.select_for_update()
                .filter(pk=store_id, enabled=True)
                .first()
            )
            if store is not None and store.next_round_at < now - datetime.timedelta(
                hours=1
            ):
                _new_round(store)
                resumed += 1
    return f"{resumed} store(s) resumed"


# --- What is new, and sending it ----------------------------------------------------


@dataclass
class Batch:
    statements: list[dict]
    event_id: int  # the newest status change in it (or the one sent before)
    review_id: int


def next_batch(store: LearningRecordStore, size: int) -> Batch:
    """The oldest `size` of the learner's status changes not sent yet, then their
    reviews: each part a run of ids right after the last one sent, so what was
    sent is always "up to an id". Two queries."""
    learner = store.learner
    settled = timezone.now() - SETTLE
    events = list(
        ProgressEvent.objects.filter(
            learner=learner, pk__gt=store.sent_event_id, created_at__lt=settled
        )
        .select_related("step__stage__role", "concept__skill")
        .order_by("pk")[:size]
    )
    reviews = list(
        ReviewLog.objects.filter(
            card__learner=learner,
            pk__gt=store.sent_review_id,
            reviewed_at__lt=settled,
        )
        .select_related("card__step__stage__role", "card__concept__skill")
        .order_by("pk")[: size - len(events)]
        if len(events) < size
        else []
    )
    # `progress.xapi`'s one-statement builders: the very statements of the
    # download, for a part of the history.
    return Batch(
        statements=[xapi.status_statement(learner, event) for event in events]
        + [xapi.review_statement(learner, log) for log in reviews],
        event_id=events[-1].pk if events else store.sent_event_id,
        review_id=reviews[-1].pk if reviews else store.sent_review_id,
    )


def send_new(store: LearningRecordStore, round_number: int) -> int:
    """Post every statement the store does not have yet, batch by batch, moving
    the store's marks after each accepted batch, while `round_number` is the
    store's round (else Superseded); how many were sent."""
    try:
        validate_endpoint(store.endpoint)
    except ValidationError as error:
        raise PermanentFailure(" ".join(error.messages)) from error
    size = max(1, settings.WAYMARK_LRS_BATCH)
    current = LearningRecordStore.objects.filter(
        pk=store.pk, round=round_number, enabled=True
    )
    sent = 0
    for _ in range(MAX_BATCHES_PER_ROUND):
        if not current.exists():
            raise Superseded
        batch = next_batch(store, size)
        if not batch.statements:
            break
        post_batch(store, batch.statements)
        if not _mark_sent(current, store, batch):
            raise Superseded
        sent += len(batch.statements)
        if len(batch.statements) < size:
            break
    return sent


def _mark_sent(current, store: LearningRecordStore, batch: Batch) -> bool:
    """Move the marks on (never back) while the round is the store's
    (`current`): a round that ends after the learner saved another account or
    address leaves the new one's marks alone. False when it no longer is."""
    moved = current.update(
        sent_event_id=Greatest(F("sent_event_id"), batch.event_id),
        sent_review_id=Greatest(F("sent_review_id"), batch.review_id),
        statements_sent=F("statements_sent") + len(batch.statements),
    )
    store.sent_event_id, store.sent_review_id = batch.event_id, batch.review_id
    return bool(moved)


def post_batch(store: LearningRecordStore, statements: list[dict]) -> None:
    """POST statements to the store. A 409 (the store keeps different statements
    under some of these ids: they were sent before, under an older display name)
    is settled statement by statement, each 409 counting as already there."""
    try:
        post(store, statements)
    except Conflict:
        for statement in statements:
            try:
                post(store, [statement])
            except Conflict:
                continue


class Conflict(Exception):
    """409: the store already has a statement with this id."""


class _PinnedHTTP(http.client.HTTPConnection):
    """A connection to the address already checked, not to whatever the host
    name resolves to when connecting (a name may answer differently twice)."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(_PinnedHTTP):
    """The same over TLS, the certificate checked for the host name."""

    default_port = 443

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, address, timeout)
        self.tls = ssl.create_default_context()

    def connect(self) -> None:
        super().connect()
        self.sock = self.tls.wrap_socket(self.sock, server_hostname=self.host)


def post(store: LearningRecordStore, statements: list[dict]) -> None:
    """One POST to `<endpoint>/statements`, as xAPI 1.0.3 asks, to the checked
    address, finished within the timeout; raises TemporaryFailure,
    PermanentFailure or Conflict. A redirect is an answer, never followed: the
    account's password must not travel to an address the learner did not give."""
    parts = urlsplit(store.statements_url)
    address = checked_address(store.statements_url)
    token = base64.b64encode(f"{store.username}:{store.secret}".encode()).decode()
    timeout = settings.WAYMARK_LRS_TIMEOUT_SECONDS
    kind = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
    connection = kind(parts.hostname, parts.port or kind.default_port, address, timeout)
    # The whole request has `timeout`: a store that answers a byte at a time
    # is cut off (a blocked read ends when the socket is shut).
    deadline = threading.Timer(timeout, _cut_off, args=(connection,))
    deadline.start()
    try:
        connection.request(
            "POST",
            parts.path,
            body=json.dumps(statements).encode(),
            headers={
                "Authorization": f"Basic {token}",
                "X-Experience-API-Version": xapi.VERSION,
                "Content-Type": "application/json",
                "User-Agent": "Waymark",
            },
        )
        response = connection.getresponse()
        body = response.read(ANSWER_LIMIT)
        code = response.status
    except (OSError, http.client.HTTPException, ValueError) as error:
        # Refused, reset, timed out, cut off, TLS failures, a malformed answer.
        logger.info("store %s (%s): %r", store.pk, parts.hostname, error)
        raise TemporaryFailure(
            "Could not reach the store, or it did not answer in time."
        ) from None
    finally:
        deadline.cancel()
        connection.close()
    if code >= 300:
        raise refusal(code, body)


def _cut_off(connection: http.client.HTTPConnection) -> None:
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):  # closed meanwhile
            sock.shutdown(socket.SHUT_RDWR)


def refusal(code: int, body: bytes) -> Exception:
    """What an HTTP error answer means for the next attempt."""
    if code == 409:
        return Conflict()
    if code in (408, 429) or code >= 500:
        return TemporaryFailure(f"The store is busy or down (HTTP {code}).")
    if code in (401, 403):
        return PermanentFailure(
            f"The store refused the username or secret (HTTP {code}). Check "
            "them, save, then send again."
        )
    if 300 <= code < 400:
        return PermanentFailure(
            f"The store answered with a redirect (HTTP {code}): enter the "
            "address it redirects to."
        )
    detail = body.decode("utf-8", "replace").strip()[:200]
    return PermanentFailure(
        f"The store refused the statements (HTTP {code})"
        + (f": {detail}" if detail else ".")
    )


def checked_address(url: str) -> str:
    """The address to connect to for `url`'s host: looked up once, and refused
    unless every address it has is public (a name that leads into a private
    network); loopback only when local http is allowed."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise TemporaryFailure(
            f"Could not find the store's host {parts.hostname}."
        ) from None
    addresses = [info[4][0] for info in found]
    if not addresses or not all(allowed_address(a) for a in addresses):
        raise PermanentFailure(
            f"The store's host {parts.hostname} is in a private network: use "
            "its address on the internet."
        )
    return addresses[0]
