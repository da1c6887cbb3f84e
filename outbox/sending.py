"""Queueing an email and delivering it: the one path every email takes.

`queue_email` records the message in the caller's transaction and enqueues its
delivery on commit, so the HTTP request only writes rows. `deliver` runs in the
worker (the task `deliver_message`, on the `email` queue of
`manage.py db_worker`): it sends once, retries a temporary
failure with backoff up to `WAYMARK_EMAIL_ATTEMPTS` times, and keeps a message
that cannot be sent as failed, with its error, for staff to send again.
"""

from __future__ import annotations

import datetime
import enum
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from outbox.models import Message

logger = logging.getLogger("waymark.email")


@dataclass(frozen=True)
class Kind:
    """What the app that sends messages of one kind says about them, from the
    message's context: whether one is still to be sent (an invitation withdrawn
    before its email went out is not), and what to undo when one is given up on
    (a mentor's reminder that never arrived gives the mentee's day back)."""

    still_wanted: Callable[[dict], bool] | None = None
    given_up: Callable[[Message], None] | None = None


# kind -> what its sender says about it (registered in each app's `ready`).
KINDS: dict[str, Kind] = {}


def register_kind(kind: str, **rules) -> None:
    """Say when messages of `kind` are still wanted and what their failure undoes."""
    KINDS[kind] = Kind(**rules)


class Priority(enum.IntEnum):
    """Which email goes first when the queue is busy."""

    ACCOUNT = 50  # verification, password reset, security notices
    INVITATION = 20  # mentoring invitations and requests
    REMINDER = 0  # a mentor's reminder, review reminders
    DIGEST = -20  # weekly digests


BODY_CLEARED = "[Sent. It held a one-time link or code, which is not kept.]"


def has_verified_address(user) -> bool:
    """Whether `user`'s address is one they have verified.

    The one rule of who gets mail: an email about an account (`recipient`) goes
    only to a verified address of it, except the account emails themselves
    (priority ACCOUNT: the verification, password reset and security notices,
    which must reach an address before it can be verified). `queue_email` does
    not record any other, and `deliver` cancels one whose address is no longer
    verified; senders that pick recipients in bulk (the weekly email) ask this
    first, so nothing is used up."""
    from allauth.account.models import EmailAddress

    return bool(user.email) and (
        EmailAddress.objects.filter(
            user=user, email__iexact=user.email, verified=True
        ).exists()
    )


def may_receive(recipient, priority: int, to: list[str]) -> bool:
    """The rule above, for one message."""
    if recipient is None or priority >= Priority.ACCOUNT:
        return True
    return has_verified_address(recipient) and [a.lower() for a in to] == [
        recipient.email.lower()
    ]


class DeliveryFailed(Exception):
    """A message could not be sent and will not be tried again by itself."""


def queue_email(
    email: EmailMessage,
    *,
    kind: str,
    priority: Priority = Priority.REMINDER,
    context: dict | None = None,
    secret: bool = False,
    recipient=None,
) -> Message | None:
    """Record `email` for delivery; the worker sends it once this commits.
    `secret`: the body holds a one-time link or code, cleared once it is sent;
    `recipient`: the account it is for, whose deletion takes the message away;
    None (nothing recorded) if that account's address is not verified."""
    if email.cc or email.bcc:
        raise ValueError("outbox messages have no cc or bcc recipients")
    recipient = recipient if getattr(recipient, "pk", None) else None
    if not may_receive(recipient, priority, list(email.to)):
        logger.info("%s: not queued, the address is not verified", kind)
        return None
    html = next(
        (
            content
            for content, mimetype in getattr(email, "alternatives", [])
            if mimetype == "text/html"
        ),
        "",
    )
    message = Message.objects.create(
        kind=kind,
        priority=int(priority),
        subject=email.subject,
        from_email=email.from_email or settings.DEFAULT_FROM_EMAIL,
        to=list(email.to),
        body=email.body,
        html=html,
        headers={k: str(v) for k, v in email.extra_headers.items()},
        context=context or {},
        secret=secret,
        recipient=recipient,
    )
    deliver_with_the_change(partial(enqueue_delivery, message.pk, int(priority)))
    return message


def deliver_with_the_change(enqueue: Callable[[], None]) -> None:
    """Enqueue a delivery so that it happens only if the change commits.

    With the database queue, the task row is written in the same transaction as
    the message and the change: it becomes visible to the workers exactly when
    they commit, and a rollback takes all three away, so no crash between a
    commit and an enqueue can lose an email. Any other backend is enqueued on
    commit."""
    from django.tasks import task_backends
    from django_tasks_db import DatabaseBackend

    if isinstance(task_backends["default"], DatabaseBackend):
        enqueue()
    else:
        transaction.on_commit(enqueue)


def enqueue_delivery(
    message_id: int,
    priority: int,
    attempt: int = 1,
    run_after: datetime.datetime | None = None,
) -> None:
    deliver_message.using(priority=priority, run_after=run_after).enqueue(
        message_id, attempt
    )


def backoff(attempt: int) -> datetime.timedelta:
    """How long to wait after failed attempt `attempt`: 1, 4, 16, 64 minutes..."""
    return datetime.timedelta(minutes=min(4 ** (attempt - 1), 240))


def is_permanent(error: Exception) -> bool:
    """A refusal no retry will change: an SMTP 5xx answer, refused recipients."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def deliver(message_id: int, attempt: int = 1) -> str:
    """Send message `message_id` once; what happened, in a few words."""
    give_up = None
    with transaction.atomic():
        # Locked while it is sent: a second task for the same message waits,
        # then finds it sent.
        message = Message.objects.select_for_update().filter(pk=message_id).first()
        if message is None:
            logger.warning(
                "message %s: not found (deleted), nothing to send", message_id
            )
            return "gone"
        if message.status in (Message.Status.SENT, Message.Status.CANCELLED):
            logger.info("message %s: %s, nothing to do", message_id, message.status)
            return f"already {message.status}"
        wanted = KINDS.get(message.kind, Kind()).still_wanted
        if not may_receive(message.recipient, message.priority, message.to) or (
            wanted is not None and not wanted(message.context)
        ):
            message.status = Message.Status.CANCELLED
            message.save(update_fields=["status"])
            logger.info("message %s (%s): no longer wanted", message_id, message.kind)
            return "cancelled"
        message.attempts += 1
        try:
            message.as_email().send()
        except Exception as error:  # every failure is recorded, then retried or kept
            message.last_error = f"{type(error).__name__}: {error}"[:2000]
            if not is_permanent(error) and attempt < settings.WAYMARK_EMAIL_ATTEMPTS:
                when = timezone.now() + backoff(attempt)
                message.status = Message.Status.QUEUED
                message.next_attempt_at = when
                message.save()
                deliver_with_the_change(
                    partial(
                        enqueue_delivery,
                        message.pk,
                        message.priority,
                        attempt + 1,
                        when,
                    )
                )
                logger.warning(
                    "message %s (%s): attempt %s failed (%s); next attempt at %s",
                    message.pk,
                    message.kind,
                    attempt,
                    message.last_error,
                    when.isoformat(timespec="seconds"),
                )
                return f"retrying at {when.isoformat(timespec='seconds')}"
            message.status = Message.Status.FAILED
            message.next_attempt_at = None
            message.save()
            give_up = message
        else:
            message.status = Message.Status.SENT
            if message.secret:
                message.body = message.html = BODY_CLEARED
            message.sent_at = timezone.now()
            message.next_attempt_at = None
            message.last_error = ""
            message.save()
    if give_up is not None:
        logger.error(
            "message %s (%s): not sent after %s attempt(s): %s",
            give_up.pk,
            give_up.kind,
            give_up.attempts,
            give_up.last_error,
        )
        given_up = KINDS.get(give_up.kind, Kind()).given_up
        if given_up is not None:
            given_up(give_up)
        raise DeliveryFailed(give_up.last_error)
    logger.info(
        "message %s (%s): sent to %s", message.pk, message.kind, len(message.to)
    )
    return "sent"


def retry(messages) -> int:
    """Send failed messages again (the admin's action): a new round of attempts."""
    count = 0
    for message in messages.filter(status=Message.Status.FAILED):
        with transaction.atomic():
            Message.objects.filter(pk=message.pk).update(
                status=Message.Status.QUEUED, next_attempt_at=None
            )
            deliver_with_the_change(
                partial(enqueue_delivery, message.pk, message.priority)
            )
        count += 1
    return count


@task(queue_name="email")
def deliver_message(message_id: int, attempt: int = 1) -> str:
    """The worker's task: `deliver`, one attempt."""
    return deliver(message_id, attempt)
