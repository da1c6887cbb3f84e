"""What mentors say within a mentorship, and the learner's answers: the writes,
and what the learner's own pages show of it.

A mentor comments on a mentee's step, concept or skill (a thread), endorses a
skill at a level (kept apart from the learner's own ratings), or sends a reminder
(at most one a day). The learner replies in a thread and marks it read. Each
write is one function here, written to the audit log; the views call them after
checking who may (`get_visible_learner` for a mentor, `Audience.of` for the
learner). The readers below are shown on the learner's own pages by the
`mentor_feedback` template tags, so progress shows them without importing this app.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from config import caching
from mentoring.emails import queue_nudge
from mentoring.forms import CommentForm
from mentoring.models import Comment, Endorsement, Nudge
from progress import figures

audit = logging.getLogger("waymark.audit")


# --- Mentors ------------------------------------------------------------------------


def comment(mentor, learner, kind: str, item, body: str) -> Comment:
    """A mentor's comment on one of the learner's items or skills (its save()
    retires the learner's cached pages, where it shows)."""
    posted = Comment.objects.create(
        learner=learner, author=mentor, body=body, **{kind: item}
    )
    audit.info(
        "comment mentor=%s learner=%s %s=%s", mentor.pk, learner.pk, kind, item.pk
    )
    return posted


def endorse(mentor, learner, skill, level: int) -> Endorsement:
    """A mentor's rating of the learner's level in `skill`; append-only."""
    endorsement = Endorsement.objects.create(
        learner=learner, mentor=mentor, skill=skill, level=level
    )
    audit.info("endorse mentor=%s learner=%s skill=%s", mentor.pk, learner.pk, skill.pk)
    return endorsement


class NotReachable(Exception):
    """The learner has no verified email address: no reminder can go to them."""


def nudge(mentor, learner) -> Nudge | None:
    """Queue a reminder email to the learner, sent by the worker once this
    commits; None if they got one today (in their time zone), from any mentor.
    Raises NotReachable, recording nothing, when the learner's address is not
    verified (so the day's one reminder is not used up by nothing)."""
    try:
        with transaction.atomic():
            sent = Nudge.objects.create(
                learner=learner, mentor=mentor, day=figures.local_today(learner)
            )
            if not queue_nudge(sent):
                raise NotReachable(learner)
    except IntegrityError:
        return None
    audit.info("nudge mentor=%s learner=%s", mentor.pk, learner.pk)
    return sent


# --- The learner --------------------------------------------------------------------


def thread(learner, kind: str, item):
    """The comments on one of the learner's items or skills."""
    return Comment.objects.filter(learner=learner, **{kind: item})


def reply(learner, kind: str, item, body: str) -> Comment:
    """The learner's answer in the thread on `item`; the thread counts as read."""
    with transaction.atomic():
        thread(learner, kind, item).filter(read_by_learner_at=None).update(
            read_by_learner_at=timezone.now()
        )
        # Its save() retires the learner's cached pages, read marks included.
        return Comment.objects.create(
            learner=learner, author=learner, body=body, **{kind: item}
        )


def mark_read(learner, kind: str, item) -> None:
    thread(learner, kind, item).filter(read_by_learner_at=None).update(
        read_by_learner_at=timezone.now()
    )
    caching.bump("learner", learner.pk)  # the unread count is on their dashboard


# --- What the learner's own pages show ----------------------------------------------


def thread_context(learner, kind: str, item) -> dict:
    """The feedback thread on one of the learner's items or skills."""
    comments = list(
        thread(learner, kind, item)
        .select_related("author")
        .order_by("created_at", "id")
    )
    if not comments:
        return {"comments": []}
    return {
        "comments": comments,
        "comment_form": CommentForm(),
        "comment_url": reverse("feedback_reply", args=[kind, item.slug]),
        "unread_in_thread": any(
            c.read_by_learner_at is None and c.author_id != learner.pk for c in comments
        ),
        "read_url": reverse("feedback_mark_read", args=[kind, item.slug]),
    }


def endorsements(learner, skill) -> list[Endorsement]:
    """Mentors' endorsements of the learner's skill, newest first."""
    return list(
        Endorsement.objects.filter(learner=learner, skill=skill).select_related(
            "mentor"
        )[:20]
    )


def cached_dashboard_feedback(learner) -> dict:
    """`dashboard_feedback`, cached with the learner's other data: a new comment
    or a read mark bumps their generation, so a comment shows at once."""
    return figures.cached_for_learner(
        learner, "feedback", lambda: dashboard_feedback(learner)
    )


def dashboard_feedback(learner) -> dict:
    """Mentors' latest comments and the unread count."""
    latest = list(
        Comment.objects.filter(learner=learner)
        .exclude(author=learner)
        .select_related("author", "step", "concept", "skill")
        .order_by("-created_at", "-id")[:8]
    )
    unread = (
        Comment.objects.filter(learner=learner, read_by_learner_at=None)
        .exclude(author=learner)
        .count()
    )
    return {"feedback": latest, "unread_feedback": unread}
