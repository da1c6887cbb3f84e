"""A learner's history as xAPI statements (the Experience API, 1.0.3): the one
place that says how Waymark's events read as learning records, for the
download on the data page and for a learning record store.

- **Who**: the learner as an account on this site (`SITE_URL` and their
  username), never their email address.
- **Did what**: ADL's verbs. Starting to learn an item is *progressed*, done is
  *completed*, a review is *experienced* (with its rating); a skip, or setting
  an item back to not started, is *progressed* too, its result saying which.
  Every statement's result names the status the item was set to.
- **To what**: the item, as an activity whose id is its page's stable address
  (`/items/step/<slug>/`: slugs do not change), named by its title, in the
  context of its role (a step's) or skill (a concept's).
- **When**: the event's moment, in UTC with its offset.
- **Ids** are derived from the event (UUID 5), so the same event always makes
  the same statement: sending one twice never records it twice.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.urls import reverse

from progress.models import ProgressEvent, ReviewLog, Status

VERSION = "1.0.3"
ADL = "http://adlnet.gov/expapi/verbs/"
VERBS = {
    Status.LEARNING: "progressed",
    Status.DONE: "completed",
    Status.SKIPPED: "progressed",
    Status.NOT_STARTED: "progressed",
}
ACTIVITY_TYPES = {
    "step": "http://adlnet.gov/expapi/activities/lesson",
    "concept": "http://adlnet.gov/expapi/activities/objective",
    "role": "http://adlnet.gov/expapi/activities/course",
    "skill": "http://adlnet.gov/expapi/activities/module",
}
# Waymark's own result extension: the status an item was set to.
STATUS_EXTENSION = "/xapi/extensions/status"
RATING_EXTENSION = "/xapi/extensions/rating"
NAMESPACE = uuid.UUID("8f6c0d2e-3b1a-5e7f-9a4d-2c6b8e1f0a37")


def site() -> str:
    return settings.SITE_URL.rstrip("/")


def statements(learner) -> list[dict]:
    """Every status change and review of the learner, oldest first, as xAPI
    statements. Three queries however long the history."""
    events = (
        ProgressEvent.objects.filter(learner=learner)
        .select_related("step__stage__role", "concept__skill")
        .order_by("created_at", "id")
    )
    reviews = (
        ReviewLog.objects.filter(card__learner=learner)
        .select_related("card__step__stage__role", "card__concept__skill")
        .order_by("reviewed_at", "id")
    )
    found = [status_statement(learner, event) for event in events]
    found += [review_statement(learner, log) for log in reviews]
    return sorted(found, key=lambda statement: statement["timestamp"])


def status_statement(learner, event: ProgressEvent) -> dict:
    status = event.to_status
    result = {"extensions": {site() + STATUS_EXTENSION: status}}
    if status == Status.DONE:
        result["completion"] = True
    return _statement(
        learner,
        key=f"event:{event.pk}",
        verb=VERBS[status],
        item=event.step or event.concept,
        kind="step" if event.step_id else "concept",
        moment=event.created_at,
        result=result,
    )


def review_statement(learner, log: ReviewLog) -> dict:
    card = log.card
    rating = ReviewLog.Rating(log.rating)
    return _statement(
        learner,
        key=f"review:{log.pk}",
        verb="experienced",
        item=card.step or card.concept,
        kind="step" if card.step_id else "concept",
        moment=log.reviewed_at,
        result={
            "success": rating != ReviewLog.Rating.AGAIN,
            "extensions": {site() + RATING_EXTENSION: rating.label.lower()},
        },
    )


def activity_id(kind: str, slug: str) -> str:
    if kind in ("step", "concept"):
        return site() + reverse("progress_item", args=[kind, slug])
    name = "role_detail" if kind == "role" else "skill_detail"
    return site() + reverse(name, args=[slug])


def _activity(kind: str, slug: str, title: str) -> dict:
    return {
        "objectType": "Activity",
        "id": activity_id(kind, slug),
        "definition": {"name": {"en": title}, "type": ACTIVITY_TYPES[kind]},
    }


def _statement(learner, *, key, verb, item, kind, moment, result) -> dict:
    if kind == "step":
        parent = _activity("role", item.stage.role.slug, item.stage.role.title)
    else:
        parent = _activity("skill", item.skill.slug, item.skill.name)
    return {
        "id": str(uuid.uuid5(NAMESPACE, f"{site()}/{learner.pk}/{key}")),
        "version": VERSION,
        "actor": {
            "objectType": "Agent",
            "name": learner.display_name or learner.username,
            "account": {"homePage": site() + "/", "name": learner.username},
        },
        "verb": {"id": ADL + verb, "display": {"en": verb}},
        "object": _activity(kind, item.slug, str(item)),
        "result": result,
        "context": {
            "platform": "Waymark",
            "language": "en",
            "contextActivities": {"parent": [parent]},
        },
        "timestamp": moment.isoformat(),
    }
