"""Consent between a learner and a mentor: the writes, and the rules they keep.

A learner invites a mentor by email or with a one-time link; a mentor asks to
mentor a learner; the other side accepts or declines; either side ends an active
mentorship at any moment. Each of those is one function here, run in one
transaction and written to the audit log; the views in `mentoring/views/consent.py`
read the request, call one of them and say what happened.

Every send counts against the sender's allowance (`next_send_at`), counted from
the rows themselves under a lock on the sender, so no restart, cache timeout or
burst of parallel requests gets past it.
"""

from __future__ import annotations

import datetime
import enum
import logging
import secrets
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from mentoring.emails import queue_invitation
from mentoring.forms import InviteMentorForm, RequestMentoringForm
from mentoring.models import Mentorship, awaiting_answer_q, sent_by_q

audit = logging.getLogger("waymark.audit")

# Invitations, links and requests one person may send in 24 hours: enough for
# anyone looking for a mentor, too few to make Waymark a spam relay.
DAILY_LIMIT = 20
ALLOWANCE_WINDOW = datetime.timedelta(hours=24)
OPEN = [Mentorship.Status.PENDING, Mentorship.Status.ACTIVE]


class OverAllowance(Exception):
    """The sender has used their allowance; `retry_at` is when the next send fits."""

    def __init__(self, retry_at: datetime.datetime) -> None:
        super().__init__(f"over the daily allowance until {retry_at}")
        self.retry_at = retry_at


def mentoring_context(user) -> dict:
    """What the /mentoring/ hub shows about consent, in two queries: the people
    `user` mentors (often fifty, read without their mentor, who is `user`), and
    everything else the page lists (a few rows), split here by what `user` may
    do with each."""
    pending = Q(status=Mentorship.Status.PENDING, expires_at__gt=timezone.now())
    others = (
        Mentorship.objects.filter(
            (pending & (awaiting_answer_q(user) | sent_by_q(user)))
            | Q(status=Mentorship.Status.ACTIVE, learner=user)
        )
        .select_related("learner", "mentor")
        .order_by("responded_at", "id")
    )
    context = {
        "invitations_for_me": [],
        "sent_by_me": [],
        "my_mentors": [],
        "my_mentees": list(
            Mentorship.objects.active()
            .filter(mentor=user)
            .select_related("learner")
            .order_by("responded_at", "id")
        ),
        "invite_form": InviteMentorForm(user=user),
        "request_form": RequestMentoringForm(user=user),
    }
    for mentorship in others:
        for name in _lists_showing(mentorship, user):
            context[name].append(mentorship)
    for name in ("invitations_for_me", "sent_by_me"):  # newest first, as listed
        context[name].sort(key=lambda m: (m.created_at, m.pk), reverse=True)
    return context


def _lists_showing(mentorship: Mentorship, user) -> list[str]:
    """Which of the hub's lists show a row of `mentoring_context`'s query:
    active ones are `user`'s mentors; a pending one `user` sent waits for the
    other side, and any other pending one for `user` (`awaiting_answer_q`;
    a request both from and to `user` is both)."""
    if mentorship.status == Mentorship.Status.ACTIVE:
        return ["my_mentors"]
    from_mentor = mentorship.initiated_by == Mentorship.Initiator.MENTOR
    sender_id = mentorship.mentor_id if from_mentor else mentorship.learner_id
    if sender_id != user.pk:
        return ["invitations_for_me"]
    if from_mentor and mentorship.learner_id == user.pk:
        return ["invitations_for_me", "sent_by_me"]
    return ["sent_by_me"]


def invitation_url(token: str) -> str:
    # From the site's public address (WAYMARK_SITE_URL), as every email link is.
    return settings.SITE_URL.rstrip("/") + reverse("mentoring_invitation", args=[token])


# --- Sending ----------------------------------------------------------------------


def next_send_at(user) -> datetime.datetime | None:
    """None if `user` may send an invitation or request now, else when they may.

    Counted from the rows they created in the last 24 hours, not in the cache, so
    no cache timeout or restart resets it. Call it inside the transaction that
    creates the row: it first locks the sender's user row, so that one person's
    sends at the same moment wait here in turn and each counts those before it.
    """
    no_key = connection.features.has_select_for_no_key_update
    User.objects.select_for_update(no_key=no_key).only("pk").get(pk=user.pk)
    sent = list(
        Mentorship.objects.sent_by(user)
        .filter(created_at__gt=timezone.now() - ALLOWANCE_WINDOW)
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    if len(sent) < DAILY_LIMIT:
        return None
    # The count drops below the limit when this one leaves the window.
    return sent[len(sent) - DAILY_LIMIT] + ALLOWANCE_WINDOW


def send(sender, form=None, **fields) -> Mentorship | None:
    """Store one invitation or request from `sender`, within their allowance.

    `form` (if any) is validated under the sender's lock, so neither the
    allowance nor a rule such as one invitation per address races; its
    `mentorship_fields()` join `fields`. None if the form is invalid (its errors
    say why); OverAllowance if the sender has used their allowance. Nothing is
    written in either case.
    """
    with transaction.atomic():
        retry_at = next_send_at(sender)
        if form is not None and not form.is_valid():
            return None
        if retry_at is not None:
            raise OverAllowance(retry_at)
        if form is not None:
            fields.update(form.mentorship_fields())
        return Mentorship.objects.create(**fields)


def invite_by_link(learner) -> tuple[Mentorship, str]:
    """A one-time invite link: the new invitation and the token its link carries
    (only the token's hash is stored)."""
    token = secrets.token_urlsafe(32)
    mentorship = send(
        learner,
        learner=learner,
        initiated_by=Mentorship.Initiator.LEARNER,
        token_hash=Mentorship.hash_token(token),
    )
    audit.info("mentorship=%s invite-link learner=%s", mentorship.pk, learner.pk)
    return mentorship, token


def invite_by_email(learner, form: InviteMentorForm) -> Mentorship | None:
    """Invite the address in `form`; the email is queued with the row and sent
    by the worker once it is committed."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        mentorship = send(
            learner,
            form,
            learner=learner,
            initiated_by=Mentorship.Initiator.LEARNER,
            token_hash=Mentorship.hash_token(token),
        )
        if mentorship is None:
            return None
        queue_invitation(mentorship, invitation_url(token))
    audit.info("mentorship=%s invite-email learner=%s", mentorship.pk, learner.pk)
    return mentorship


def ask_to_mentor(mentor, form: RequestMentoringForm) -> Mentorship | None:
    """A mentor's request, stored as sent whether or not an account holds the
    address or name typed: the sender's pages and allowance are the same either
    way, so nobody learns who has an account."""
    initiated_by = Mentorship.Initiator.MENTOR
    mentorship = send(mentor, form, mentor=mentor, initiated_by=initiated_by)
    if mentorship is not None:
        audit.info("mentorship=%s request mentor=%s", mentorship.pk, mentor.pk)
    return mentorship


# --- Opening an invitation link -----------------------------------------------------


def find_invitation(token_hash: str) -> Mentorship | None:
    if not token_hash:
        return None
    return (
        Mentorship.objects.filter(
            token_hash=token_hash,
            initiated_by=Mentorship.Initiator.LEARNER,
        )
        .select_related("learner")
        .first()
    )


def usable(mentorship: Mentorship | None) -> bool:
    return (
        mentorship is not None
        and mentorship.status == Mentorship.Status.PENDING
        and not mentorship.is_expired
    )


def unavailable_reason(mentorship: Mentorship | None) -> str:
    """Why an invitation link cannot be answered: unknown, used or expired."""
    if mentorship is None:
        return "unknown"
    if mentorship.is_expired:
        return "expired"
    return "used"


def invitation_context(mentorship: Mentorship, user) -> dict:
    """What the page of an opened invitation tells `user` before they answer."""
    own = mentorship.learner_id == user.pk
    already = (
        not own
        and Mentorship.objects.active()
        .filter(learner=mentorship.learner, mentor=user)
        .exists()
    )
    # An emailed link opened from another account: say which account accepts.
    other_address = bool(
        not own
        and mentorship.invited_email
        and not EmailAddress.objects.filter(
            user=user, email__iexact=mentorship.invited_email, verified=True
        ).exists()
    )
    return {
        "mentorship": mentorship,
        "own": own,
        "already": already,
        "other_address": other_address,
    }


# --- Answering --------------------------------------------------------------------


class Answer(enum.Enum):
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ALREADY_ANSWERED = "already answered"
    EXPIRED = "expired"
    ALREADY_MENTORING = "already mentoring"


@dataclass(frozen=True)
class Answered:
    """What came of an answer, and between whom."""

    outcome: Answer
    mentorship: Mentorship
    learner: User | None = None
    mentor: User | None = None


def answer(user, mentorship: Mentorship, *, accept: bool) -> Answered:
    """Accept or decline a pending invitation or request that `user` may answer.

    Read again under a lock, so two tabs cannot both use one invitation. Accepting
    also ends a pending request the other way round between the same two people.
    """
    try:
        with transaction.atomic():
            mentorship = (
                Mentorship.objects.select_for_update(of=("self",))
                .select_related("learner", "mentor")
                .get(pk=mentorship.pk)
            )
            if mentorship.is_expired:
                return Answered(Answer.EXPIRED, mentorship)
            if mentorship.status != Mentorship.Status.PENDING:
                return Answered(Answer.ALREADY_ANSWERED, mentorship)
            if mentorship.initiated_by == Mentorship.Initiator.LEARNER:
                learner, mentor = mentorship.learner, user
            else:  # a request: sent to an address or username the user holds
                learner, mentor = mentorship.learner or user, mentorship.mentor
            if not accept:
                mentorship.decline()
                audit.info("mentorship=%s declined by=%s", mentorship.pk, user.pk)
                return Answered(Answer.DECLINED, mentorship, learner, mentor)
            others = Mentorship.objects.filter(
                learner=learner, mentor=mentor, status__in=OPEN
            ).exclude(pk=mentorship.pk)
            if others.filter(status=Mentorship.Status.ACTIVE).exists():
                return Answered(Answer.ALREADY_MENTORING, mentorship, learner, mentor)
            for other in others.select_for_update():
                other.end(by=user)
                audit.info(
                    "mentorship=%s superseded-by=%s by=%s",
                    other.pk,
                    mentorship.pk,
                    user.pk,
                )
            mentorship.accept(mentor, learner)
    except IntegrityError:  # an acceptance in another request got there first
        return Answered(Answer.ALREADY_MENTORING, mentorship, learner, mentor)
    audit.info(
        "mentorship=%s accepted by=%s mentor=%s learner=%s",
        mentorship.pk,
        user.pk,
        mentor.pk,
        mentorship.learner_id,
    )
    return Answered(Answer.ACCEPTED, mentorship, learner, mentor)


# --- Ending -----------------------------------------------------------------------


def endable_by(user) -> Q:
    """What `user` may end: an active mentorship on either side, or a pending
    invitation or request they sent (withdrawing it)."""
    mine = Q(status=Mentorship.Status.ACTIVE) & (Q(learner=user) | Q(mentor=user))
    sent = Q(status=Mentorship.Status.PENDING) & (
        Q(initiated_by=Mentorship.Initiator.LEARNER, learner=user)
        | Q(initiated_by=Mentorship.Initiator.MENTOR, mentor=user)
    )
    return mine | sent


def end(user, pk: int) -> tuple[Mentorship, bool]:
    """End or withdraw mentorship `pk`: the mentorship, and whether it had been
    active. Mentorship.DoesNotExist unless `user` may end it."""
    with transaction.atomic():
        mentorship = (
            Mentorship.objects.select_for_update(of=("self",))
            .filter(endable_by(user))
            .select_related("learner", "mentor")
            .get(pk=pk)
        )
        was_active = mentorship.status == Mentorship.Status.ACTIVE
        mentorship.end(by=user)
    audit.info(
        "mentorship=%s %s by=%s",
        mentorship.pk,
        "ended" if was_active else "withdrawn",
        user.pk,
    )
    return mentorship, was_active


# --- Expiring (a daily job) ----------------------------------------------------------


def expire_invitations(now) -> str:
    """Pending invitations and requests whose time ran out become expired: they
    leave everyone's lists and their links say so. Idempotent."""
    due = Mentorship.objects.filter(
        status=Mentorship.Status.PENDING, expires_at__lte=now
    )
    count = 0
    for mentorship in due:
        with transaction.atomic():
            mentorship.expire()  # its save() retires the pages that list it
        count += 1
    return f"expired {count} invitation(s) and request(s)"
