""" "I already know this": a learner marks a whole stage (its published steps) or
a whole skill of a role (its published concepts) done at once, after a page
that lists what changes, and may undo it as one change.

Only items not started or being learnt become done: a done item stays as it
is, and so does a skipped one (a mark never lowers a status, nor overrules a
choice to skip). The change is kept as one `BulkChange` with each item's
earlier status and when it was set, so its undo puts back exactly what was
there, except on items changed again since, which it leaves alone.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, models, transaction
from django.db.models import Case, F, Value, When
from django.http import Http404
from django.utils import timezone

from config import caching
from progress.models import BulkChange, ItemProgress, ProgressEvent, Status, StepTally
from progress.visibility import Audience
from roadmap.models import Concept, LearningStep, Role

NOT_STARTED = Status.NOT_STARTED
RAISED = (Status.NOT_STARTED, Status.LEARNING)  # what a mark sets to done
# The session's note of the change just made: the role page offers its undo.
OFFER = "known_change"


@dataclass
class Known:
    """A stage or skill of a role, and its published items in order."""

    role: Role
    part: str  # BulkChange.Part
    slug: str
    title: str
    items: list


def find(learner, role_slug: str, part: str, slug: str) -> Known:
    """The published stage or skill of a published role, as the learner may
    see it (the figures' rule: published content only); else 404."""
    audience = Audience(learner)  # drafts and retired content: 404, staff too
    role = audience.role(role_slug)
    if part == BulkChange.Part.STAGE:
        stage = audience.stage(role, slug)
        items = LearningStep.objects.published().filter(stage=stage)
        return Known(role, part, slug, stage.title, list(items))
    if part != BulkChange.Part.SKILL:
        raise Http404("No such part of a role.")
    skill = audience.skill(slug)
    if not role.role_skills.filter(skill=skill).exists():
        raise Http404("The role does not list this skill.")
    items = Concept.objects.published().filter(skill=skill)
    return Known(role, part, slug, skill.name, list(items))


def confirmation(learner, known: Known) -> dict:
    """What marking it known changes: each item with its status now, and
    whether it becomes done."""
    kind = "step" if known.part == BulkChange.Part.STAGE else "concept"
    statuses = dict(
        ItemProgress.objects.filter(
            learner=learner, **{f"{kind}__in": known.items}
        ).values_list(f"{kind}_id", "status")
    )
    rows = []
    for item in known.items:
        status = statuses.get(item.pk, NOT_STARTED)
        rows.append((item, Status(status).label, status in RAISED))
    return {
        "known": known,
        "kind": kind,
        "rows": rows,
        "changing": sum(changes for _, _, changes in rows),
        "skipped": sum(statuses.get(i.pk) == Status.SKIPPED for i in known.items),
    }


# --- The writes ---------------------------------------------------------------------


def mark_known(learner, known: Known) -> BulkChange | None:
    """The items not started or being learnt become done, in one transaction:
    the rows (in bulk), one event each, the steps' tallies, one `BulkChange`
    with each item's earlier status and time, and one new generation of the
    learner's figures. None when nothing changes.

    A first status set on one of the items at the same moment makes its row
    first: the mark then starts again, and finds and locks that row."""
    try:
        return _mark_known(learner, known)
    except IntegrityError:
        return _mark_known(learner, known)


def _mark_known(learner, known: Known) -> BulkChange | None:
    part = known.part
    kind = "step" if part == BulkChange.Part.STAGE else "concept"
    ids = [item.pk for item in known.items]
    rows_of = ItemProgress.objects.filter(learner=learner, **{f"{kind}_id__in": ids})
    with transaction.atomic():
        rows = {
            row[f"{kind}_id"]: row
            for row in rows_of.select_for_update(of=("self",)).values(
                "pk", f"{kind}_id", "status", "status_changed_at"
            )
        }
        was = {pk: rows[pk]["status"] if pk in rows else NOT_STARTED for pk in ids}
        changed = [pk for pk in ids if was[pk] in RAISED]
        if not changed:
            return None
        now = timezone.now()
        done = {"status": Status.DONE, "status_changed_at": now}
        ItemProgress.objects.bulk_create(
            ItemProgress(learner=learner, **{f"{kind}_id": pk}, **done)
            for pk in changed
            if pk not in rows
        )
        ItemProgress.objects.filter(
            pk__in=[rows[pk]["pk"] for pk in changed if pk in rows]
        ).update(**done, updated_at=now)
        change = BulkChange.objects.create(
            learner=learner,
            role=known.role,
            part=part,
            title=known.title,
            count=len(changed),
            items=[_earlier(pk, was[pk], rows.get(pk)) for pk in changed],
            created_at=now,
        )
        ProgressEvent.objects.bulk_create(
            ProgressEvent(
                learner=learner,
                bulk_change=change,
                from_status=was[pk],
                to_status=Status.DONE,
                **{f"{kind}_id": pk},
            )
            for pk in changed
        )
        if kind == "step":
            StepTally.objects.record_changes(
                (pk, was[pk], Status.DONE) for pk in changed
            )
        caching.bump("learner", learner.pk)
    return change


def undo(change: BulkChange) -> tuple[list[int], list[int]] | None:
    """Put back what `mark_known` changed, exactly: each item's status and when
    it was set (a row the change made is removed again, unless it holds a note
    or evidence since), its event removed, its tally moved back; the change
    marked undone. An item changed again since is left as it is. Returns the
    ids of the items put back and of those left; None if undone before."""
    kind = change.kind
    with transaction.atomic():
        change = BulkChange.objects.select_for_update().get(pk=change.pk)
        if change.undone_at is not None:
            return None
        earlier = {entry["id"]: entry for entry in change.items}
        mine = ItemProgress.objects.filter(learner_id=change.learner_id)
        rows = mine.filter(**{f"{kind}_id__in": list(earlier)}).select_for_update(
            of=("self",)
        )
        back, left = [], []
        for row in rows.values(f"{kind}_id", "status", "status_changed_at"):
            untouched = row["status"] == Status.DONE and (
                row["status_changed_at"] == change.created_at
            )
            (back if untouched else left).append(row[f"{kind}_id"])
        if back:
            _put_back(mine.filter(**{f"{kind}_id__in": back}), kind, earlier)
            made = [pk for pk in back if earlier[pk]["created"]]
            mine.filter(**{f"{kind}_id__in": made}, note="").exclude(
                evidence__isnull=False
            ).delete()
            change.events.filter(**{f"{kind}_id__in": back}).delete()
            if kind == "step":
                StepTally.objects.record_changes(
                    (pk, Status.DONE, earlier[pk]["status"]) for pk in back
                )
        change.undone_at = timezone.now()
        change.save(update_fields=["undone_at"])
        caching.bump("learner", change.learner_id)
    return back, left


def _earlier(item_id: int, status: str, row: dict | None) -> dict:
    """What a bulk change keeps of an item: its status and when it was set,
    and whether the change made its row."""
    changed_at = row["status_changed_at"] if row else None
    return {
        "id": item_id,
        "status": status,
        "changed_at": changed_at.isoformat() if changed_at else None,
        "created": row is None,
    }


def _put_back(rows: models.QuerySet, kind: str, earlier: dict) -> None:
    """Each row's earlier status and time, in one update."""
    field = f"{kind}_id"
    rows.update(
        status=Case(
            *(When(**{field: i}, then=Value(e["status"])) for i, e in earlier.items()),
            default=F("status"),
        ),
        status_changed_at=Case(
            *(
                When(**{field: pk}, then=Value(_moment(e["changed_at"])))
                for pk, e in earlier.items()
            ),
            default=F("status_changed_at"),
            output_field=models.DateTimeField(),
        ),
        updated_at=timezone.now(),
    )


def _moment(value: str | None) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(value) if value else None


# --- What the pages say ---------------------------------------------------------------


def undo_message(change: BulkChange, result) -> tuple[bool, str]:
    """(whether anything changed, the message) after an undo."""
    if result is None:
        return False, f"Already undone: “{change.summary}” changed nothing this time."
    back, left = result
    model = LearningStep if change.kind == "step" else Concept
    items = "1 item is" if len(back) == 1 else f"{len(back)} items are"
    text = f"Undone: {items} as before marking {change.part} “{change.title}” known."
    if left:
        names = ", ".join(str(i) for i in model.objects.filter(pk__in=left))
        text += f" Left as they are, changed since: {names}."
    return True, text


def offer(request) -> BulkChange | None:
    """The change the learner just made, once, for the role page to offer its
    undo (no query unless one was just made)."""
    pk = request.session.pop(OFFER, None)
    if pk is None:
        return None
    changes = BulkChange.objects.filter(learner=request.user, undone_at__isnull=True)
    return changes.filter(pk=pk).first()
