"""Sending a learner's history to their own learning record store, in the worker.

A store has rounds: the task `send_to_store` (queue "default" of `manage.py
db_worker`) sends every status change and review the store does not have yet
(newer than `sent_event_id` / `sent_review_id`), as xAPI statements
(`progress.xapi`) in batches of `WAYMARK_LRS_BATCH`, then books the next round
`WAYMARK_LRS_EVERY_MINUTES` later: new records arrive within minutes, and no
page ever waits for a store. Saving the settings or "Send now" starts a new
round at once (a new `round` number: the old round's task finds itself
superseded and stops, so a store has one round at a time).

A temporary failure (the store unreachable, a timeout, 5xx, 429) is tried again
with the outbox's backoff (1, 4, 16, 64 minutes) up to `WAYMARK_LRS_ATTEMPTS`
times; a refusal no retry changes (401/403: the account; 400: the statements;
a redirect; an address not allowed) is kept as the store's `last_error`, shown
on the learner's settings page, and the rounds stop until they change something
or press "Send now". Statement ids are derived from the events, so sending one
again (a retry after a lost answer, two rounds at once) never records it twice.

The secret is never logged: errors name the store's host and the HTTP status.
"""

from __future__ import annotations

import base64
import datetime
import http.client
import json
import logging
import socket
import urllib.error
import urllib.request
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


class TemporaryFailure(Exception):
    """The store may take the statements later: try again with backoff."""


class PermanentFailure(Exception):
    """The store refuses, and will until the learner changes something."""


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
    """Forget the store and its account; a round under way finds it gone."""
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
        sent = send_new(store)
    except PermanentFailure as error:
        _failed(store, round_number, str(error), attempt, retry=False)
        return "failed"
    except TemporaryFailure as error:
        retry = attempt < settings.WAYMARK_LRS_ATTEMPTS
        _failed(store, round_number, str(error), attempt, retry=retry)
        return "retrying" if retry else "failed"
    now = timezone.now()
    when = now + datetime.timedelta(minutes=settings.WAYMARK_LRS_EVERY_MINUTES)
    changes = {"last_error": "", "last_error_at": None, "failures": 0}
    if sent:
        changes["last_sent_at"] = now
    _book(store, round_number, 1, when, **changes)
    if sent:
        logger.info("store %s (%s): sent %s statement(s)", store.pk, _host(store), sent)
    return f"sent {sent}"


def _failed(store, round_number: int, error: str, attempt: int, *, retry: bool):
    when = timezone.now() + backoff(attempt) if retry else None
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
    events = list(
        ProgressEvent.objects.filter(learner=learner, pk__gt=store.sent_event_id)
        .select_related("step__stage__role", "concept__skill")
        .order_by("pk")[:size]
    )
    reviews = list(
        ReviewLog.objects.filter(card__learner=learner, pk__gt=store.sent_review_id)
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


def send_new(store: LearningRecordStore) -> int:
    """Post every statement the store does not have yet, batch by batch, moving
    the store's marks after each accepted batch; how many were sent."""
    try:
        validate_endpoint(store.endpoint)
    except ValidationError as error:
        raise PermanentFailure(" ".join(error.messages)) from error
    size = max(1, settings.WAYMARK_LRS_BATCH)
    sent = 0
    for _ in range(MAX_BATCHES_PER_ROUND):
        batch = next_batch(store, size)
        if not batch.statements:
            break
        post_batch(store, batch.statements)
        _mark_sent(store, batch)
        sent += len(batch.statements)
        if len(batch.statements) < size:
            break
    return sent


def _mark_sent(store: LearningRecordStore, batch: Batch) -> None:
    """Move the marks on (never back), for the store at this address only: a
    round that ends after the learner changed stores leaves the new one alone."""
    LearningRecordStore.objects.filter(pk=store.pk, endpoint=store.endpoint).update(
        sent_event_id=Greatest(F("sent_event_id"), batch.event_id),
        sent_review_id=Greatest(F("sent_review_id"), batch.review_id),
        statements_sent=F("statements_sent") + len(batch.statements),
    )
    store.sent_event_id, store.sent_review_id = batch.event_id, batch.review_id


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


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not followed: the account's password must not
    travel to an address the learner did not give."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def post(store: LearningRecordStore, statements: list[dict]) -> None:
    """One POST to `<endpoint>/statements`, as xAPI 1.0.3 asks; raises
    TemporaryFailure, PermanentFailure or Conflict."""
    check_host(store.statements_url)
    token = base64.b64encode(f"{store.username}:{store.secret}".encode()).decode()
    # An https address (or http to this machine), `validate_endpoint`.
    request = urllib.request.Request(  # noqa: S310
        store.statements_url,
        method="POST",
        data=json.dumps(statements).encode(),
        headers={
            "Authorization": f"Basic {token}",
            "X-Experience-API-Version": xapi.VERSION,
            "Content-Type": "application/json",
            "User-Agent": "Waymark",
        },
    )
    timeout = settings.WAYMARK_LRS_TIMEOUT_SECONDS
    try:
        with _opener.open(request, timeout=timeout) as response:
            response.read(ANSWER_LIMIT)
    except urllib.error.HTTPError as error:
        raise refusal(error.code, error.read(ANSWER_LIMIT)) from None
    except (OSError, http.client.HTTPException) as error:
        # URLError, timeouts, refused or reset connections, TLS failures.
        reason = getattr(error, "reason", None) or error
        raise TemporaryFailure(f"Could not reach the store: {reason}.") from None


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


def check_host(url: str) -> None:
    """Refuse a host whose addresses are not all public (a name that leads into
    a private network); loopback only when local http is allowed."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise TemporaryFailure(
            f"Could not find the store's host {parts.hostname}: {error}."
        ) from None
    if not all(allowed_address(info[4][0]) for info in found):
        raise PermanentFailure(
            f"The store's host {parts.hostname} is in a private network: use "
            "its address on the internet."
        )
