"""What a change of the content means for learners: how many each itemised
change touches (`roadmap.revisions.diff`), for the loader's dry run and the
curator's preview; and, for each learner, the items whose meaning changed since
they marked them (`changed_since_marked`), what changed, and their "reviewed".

A learner is touched by a change to an item they have a status on (other than
not started), to a stage or skill holding such an item, or to a role they
follow."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from config import caching
from progress.models import ItemProgress, ProgressEvent, RoleFollow, Status
from roadmap.models import Revision
from roadmap.revisions import field_rows


def learners_touched(changes: list[dict]) -> dict[tuple[str, int], int]:
    """(kind, id) -> how many learners the change touches; four queries."""
    ids: dict[str, set[int]] = defaultdict(set)
    for change in changes:
        ids[change["kind"]].add(change["id"])
    started = ~Q(status=Status.NOT_STARTED)
    counts: dict[tuple[str, int], int] = {}
    by = {
        "steps": ("step_id", ids["steps"]),
        "concepts": ("concept_id", ids["concepts"]),
        "stages": ("step__stage_id", ids["stages"]),
        "skills": ("concept__skill_id", ids["skills"]),
    }
    for kind, (column, wanted) in by.items():
        if not wanted:
            continue
        rows = (
            ItemProgress.objects.filter(started, **{f"{column}__in": wanted})
            .values(column)
            .annotate(learners=Count("learner", distinct=True))
        )
        for row in rows:
            counts[(kind, row[column])] = row["learners"]
    if ids["roles"]:
        for row in (
            RoleFollow.objects.filter(role_id__in=ids["roles"])
            .values("role_id")
            .annotate(learners=Count("learner", distinct=True))
        ):
            counts[("roles", row["role_id"])] = row["learners"]
    return counts


# --- Changed since you marked it ------------------------------------------------


@dataclass(frozen=True)
class Changed:
    """An item whose meaning changed after the learner set its status."""

    kind: str  # "step" | "concept"
    item: object
    status: str
    marked_at: datetime.datetime | None
    changed_at: datetime.datetime


def changed_since_marked(learner, role=None) -> list[Changed]:
    """The learner's items (of `role`, if given) whose meaning changed after
    they set their status (`roadmap.revisions.MEANING`), and that they have not
    marked as reviewed since: one query. A change never touches the status:
    nothing earned is taken away."""
    rows = (
        ItemProgress.objects.filter(learner=learner)
        .exclude(status=Status.NOT_STARTED)
        .filter(
            Q(step__meaning_changed_at__isnull=False)
            | Q(concept__meaning_changed_at__isnull=False)
        )
        .select_related("step__stage__role", "concept__skill")
    )
    if role is not None:
        rows = rows.filter(
            Q(step__stage__role=role) | Q(concept__skill__role_skills__role=role)
        ).distinct()
    found = []
    for row in rows:
        kind = "step" if row.step_id else "concept"
        item = row.step or row.concept
        if not item.is_published or not is_flagged(row, item):
            continue
        found.append(
            Changed(
                kind, item, row.status, row.status_changed_at, item.meaning_changed_at
            )
        )
    found.sort(key=lambda changed: changed.changed_at, reverse=True)
    return found


def is_flagged(row: ItemProgress | None, item) -> bool:
    """The one rule: the learner set a status (not "not started") on the item
    before its meaning last changed, and has not marked the change reviewed
    since."""
    changed = item.meaning_changed_at
    return (
        row is not None
        and changed is not None
        and row.status != Status.NOT_STARTED
        and (row.status_changed_at is None or row.status_changed_at < changed)
        and (row.change_seen_at is None or row.change_seen_at < changed)
    )


def what_changed(kind: str, item, since: datetime.datetime | None) -> list[dict]:
    """The changes to `item` recorded after `since` (its revisions' entries),
    oldest first, each with its revision's date and note."""
    return what_changed_many({(kind, item.pk): since})[(kind, item.pk)]


def what_changed_many(
    wanted: dict[tuple[str, int], datetime.datetime | None],
) -> dict[tuple[str, int], list[dict]]:
    """`what_changed` for many items at once, in one query: (kind, id) -> the
    changes recorded after its `since` (None: all of them)."""
    found: dict[tuple[str, int], list[dict]] = {key: [] for key in wanted}
    if not wanted:
        return found
    plural = {"step": "steps", "concept": "concepts"}
    by_change = {(plural[kind], pk): (kind, pk) for kind, pk in wanted}
    revisions = Revision.objects.order_by("created_at", "id")
    moments = list(wanted.values())
    if None not in moments:
        revisions = revisions.filter(created_at__gt=min(moments))
    for revision in revisions:
        for change in revision.changes:
            key = by_change.get((change["kind"], change["id"]))
            if key is None:
                continue
            since = wanted[key]
            if since is not None and revision.created_at <= since:
                continue
            rows = field_rows(change)
            at, note = revision.created_at, revision.note
            found[key].append({**change, "at": at, "note": note, "rows": rows})
    return found


def mark_reviewed(learner, kind: str, item) -> bool:
    """The learner read what changed in the item: it is no longer flagged until
    it changes again. False when they have no status on it."""
    with transaction.atomic():
        updated = ItemProgress.objects.filter(learner=learner, **{kind: item}).update(
            change_seen_at=timezone.now()
        )
        if updated:
            caching.bump("learner", learner.pk)
    return bool(updated)


def retired_by(kind: str, item) -> dict | None:
    """The change that retired a retired item (its revision's date and note),
    for the learners who keep it in their history; None while it is published
    or when no revision recorded its retirement."""
    if item.is_published:
        return None
    retirements = [
        change
        for change in what_changed(kind, item, None)
        if change["action"] == "retired"
    ]
    return retirements[-1] if retirements else None


# A visit to a role's page is a run of views with no break of an hour: the
# items added since the learner's visit before this one stay named through the
# whole visit, reloads and status changes included. When the learner last
# looked is written at most every ten minutes (a view in between writes
# nothing).
VISIT_BREAK = datetime.timedelta(hours=1)
SEEN_EVERY = datetime.timedelta(minutes=10)


def record_visit(follow: RoleFollow) -> bool:
    """The learner is looking at the page of a role they follow (`follow`, as
    read with their data): note when, and when a break of `VISIT_BREAK` ended
    their last visit, start a new one whose new items are those added since
    it. Whether anything was written (their cached data is then stale)."""
    now = timezone.now()
    seen = follow.seen_at
    if seen is not None and now - seen < SEEN_EVERY:
        return False
    changes = {"seen_at": now}
    if seen is None or now - seen >= VISIT_BREAK:
        changes["new_since"] = seen or follow.started_at
    # Two tabs at once: the first to write wins, the other writes nothing.
    written = RoleFollow.objects.filter(pk=follow.pk, seen_at=seen).update(**changes)
    if written:
        for field, value in changes.items():
            setattr(follow, field, value)
        caching.bump("learner", follow.learner_id)  # the page's data names the new
    return bool(written)


# How many items the role page's panel names in a list of them; it counts the
# rest, which the role's "what changed" page lists (a content import can add
# a hundred at once).
PANEL_NAMES = 5


@dataclass(frozen=True)
class Listing:
    """Items a panel lists: the first `PANEL_NAMES` named, the rest counted."""

    items: list

    def __len__(self) -> int:
        return len(self.items)

    @property
    def shown(self) -> list:
        return self.items[:PANEL_NAMES]

    @property
    def more(self) -> int:
        return max(0, len(self.items) - PANEL_NAMES)


@dataclass(frozen=True)
class Added:
    """Items added to a role since the learner's last visit to its page (or,
    when they do not follow it, since they last changed a status in it): the
    reason its percentage moved without them."""

    since: datetime.datetime
    items: list[dict]  # {"kind", "slug", "title"} of each item added
    visit: bool  # since their last visit (True) or since they last worked on it

    @property
    def listing(self) -> Listing:
        return Listing(self.items)


def added_since(learner, role, follow: RoleFollow | None) -> Added | None:
    """The published steps and concepts added to `role` (by its revisions)
    since the learner's last visit to the role they follow (`follow`), or,
    when they do not follow it, since they last changed a status in it. None
    when nothing was, or when they never worked on a role they do not follow.
    One query for a follower, two otherwise."""
    if follow is not None:
        since = follow.new_since or follow.started_at
    else:
        since = (
            ProgressEvent.objects.filter(learner=learner)
            .filter(
                Q(step__stage__role=role) | Q(concept__skill__role_skills__role=role)
            )
            .aggregate(last=Max("created_at"))["last"]
        )
        if since is None:
            return None
    items = [
        {"kind": change["kind"][:-1], "slug": change["slug"], "title": change["title"]}
        for revision in role.revisions.filter(created_at__gt=since).order_by(
            "created_at", "id"
        )
        for change in revision.changes
        if change["action"] in ("added", "restored")
        and change.get("published")
        and change["kind"] in ("steps", "concepts")
        and role.pk in change.get("roles", ())
    ]
    return Added(since, items, visit=follow is not None) if items else None
