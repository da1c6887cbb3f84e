"""What a change of the content changed, item by item, and its record.

`snapshot()` describes every content item as the content files would (the
exporter's fields, per `spec`), nested content left to its own kind and the
item's parent named; `diff(before, after)` itemises what differs:

- *added*: an item that did not exist;
- *retired* / *restored*: an item unpublished / published again;
- *moved*: a step to another stage, a concept to another skill, a stage to
  another role;
- *changed*: any other field, with its old and new values (references, group
  membership, quotes and estimates included).

`record(...)` keeps a `Revision` of it with the roles each change touches.
Every content load (`roadmap.content.loading.load`) and every curator's save, delete or
bulk action in the admin (`roadmap.admin.ContentAdmin`) records one.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q

from roadmap.content import exporting, spec
from roadmap.models import (
    Concept,
    LearningStep,
    Revision,
    RoleSkill,
    Stage,
)

type ItemId = tuple[str, int]  # (kind, id)


def snapshot() -> dict[ItemId, dict[str, Any]]:
    """(kind, id) -> the item's fields as a content file writes them, with
    `_slug`, `_title`, `_published` and `_parent` (its enclosing item's title)."""
    result = {}
    for name in spec.CONTENT_KINDS:
        kind = spec.BY_NAME[name]
        objects = kind.model.objects.prefetch_related(*exporting.prefetches(kind))
        parent = spec.PARENTS.get(name)
        if parent:
            objects = objects.select_related(kind.parent_attname.removesuffix("_id"))
        for obj in objects:
            described = exporting.describe(kind, obj, nested=False)
            described["_slug"] = obj.slug
            described["_title"] = str(obj)
            described["_published"] = obj.is_published
            if parent:
                described["_parent"] = str(
                    getattr(obj, kind.parent_attname.removesuffix("_id"))
                )
                described["_parent_id"] = getattr(obj, kind.parent_attname)
            result[(name, obj.pk)] = described
    return result


def diff(before: dict, after: dict) -> list[dict]:
    """The changes from `before` to `after` (two snapshots), in content order."""
    changes = []
    for key, now in after.items():
        kind, pk = key
        was = before.get(key)
        entry = {"kind": kind, "id": pk, "slug": now["_slug"], "title": now["_title"]}
        if was is None:
            changes.append({**entry, "action": "added", "published": now["_published"]})
            continue
        changed = {
            field: [was.get(field), now.get(field)]
            for field in sorted(set(was) | set(now))
            if not field.startswith("_")
            and field != "published"
            and was.get(field) != now.get(field)
        }
        action = None
        if was["_published"] and not now["_published"]:
            action = "retired"
        elif now["_published"] and not was["_published"]:
            action = "restored"
        elif was.get("_parent_id") != now.get("_parent_id"):
            action = "moved"
            entry["parent"] = [was.get("_parent"), now.get("_parent")]
        elif changed:
            action = "changed"
        if action:
            changes.append(
                {
                    **entry,
                    "action": action,
                    "fields": changed,
                    "published": now["_published"],
                }
            )
    for key, was in before.items():
        if key not in after:  # deleted in the admin: kept in the record
            kind, pk = key
            changes.append(
                {
                    "kind": kind,
                    "id": pk,
                    "slug": was["_slug"],
                    "title": was["_title"],
                    "action": "deleted",
                    "published": False,
                }
            )
    return changes


def roles_of(changes: Iterable[dict]) -> dict[ItemId, set[int]]:
    """(kind, id) -> the ids of the roles whose pages show the changed item:
    a role itself, its stages and steps, the skills it needs and their
    concepts, the resources its steps link to. Five queries."""
    ids: dict[str, set[int]] = defaultdict(set)
    for change in changes:
        ids[change["kind"]].add(change["id"])
    found: dict[ItemId, set[int]] = defaultdict(set)
    for pk in ids["roles"]:
        found[("roles", pk)].add(pk)
    for pk, role in Stage.objects.filter(pk__in=ids["stages"]).values_list(
        "pk", "role_id"
    ):
        found[("stages", pk)].add(role)
    for pk, role in LearningStep.objects.filter(pk__in=ids["steps"]).values_list(
        "pk", "stage__role_id"
    ):
        found[("steps", pk)].add(role)
    concept_skill = dict(
        Concept.objects.filter(pk__in=ids["concepts"]).values_list("pk", "skill_id")
    )
    skill_roles: dict[int, set[int]] = defaultdict(set)
    for skill, role in RoleSkill.objects.filter(
        skill_id__in=ids["skills"] | set(concept_skill.values())
    ).values_list("skill_id", "role_id"):
        skill_roles[skill].add(role)
    for pk in ids["skills"]:
        found[("skills", pk)] |= skill_roles[pk]
    for pk, skill in concept_skill.items():
        found[("concepts", pk)] |= skill_roles[skill]
    for pk, role in LearningStep.objects.filter(
        resources__in=ids["resources"]
    ).values_list("resources", "stage__role_id"):
        found[("resources", pk)].add(role)
    return found


def record(
    before: dict,
    *,
    origin: str,
    curator=None,
    files: Iterable[Path] = (),
    note: str = "",
) -> Revision | None:
    """Keep a Revision of what changed since `before` (a snapshot taken before
    the change, in the same transaction); None when nothing did."""
    changes = diff(before, snapshot())
    if not changes:
        return None
    files = list(files)
    roles = roles_of(changes)
    for change in changes:
        change["roles"] = sorted(roles[(change["kind"], change["id"])])
    revision = Revision.objects.create(
        origin=origin,
        curator=curator,
        files=", ".join(path.name for path in files)[:500],
        digest=digest(files) if files else "",
        note=note,
        changes=changes,
    )
    revision.roles.set(set().union(*roles.values()))
    mark_meaning_changed(changes, revision.created_at)
    return revision


# The fields whose change changes what an item asks of a learner: who marked
# it before is told ("changed since you marked it"). An estimate, a note of
# Waymark's or a move to another stage does not.
MEANING = {
    "steps": {"title", "summary", "quotes", "prerequisites", "resources"},
    "concepts": {"name", "summary", "quotes"},
}
# A parent whose choice groups change changes its members' meaning.
GROUPED = {"stages": ("steps", "steps"), "skills": ("concepts", "concepts")}


def meaning_changes(changes: Iterable[dict]) -> dict[str, set]:
    """kind -> the ids (or, for a group's members, the slugs) of the items whose
    meaning `changes` change: a field of MEANING, or their choice group."""
    ids: dict[str, set] = {"steps": set(), "concepts": set(), "slugs": set()}
    for change in changes:
        kind, fields = change["kind"], change.get("fields", {})
        if kind in MEANING and MEANING[kind] & set(fields):
            ids[kind].add(change["id"])
        if kind in GROUPED and "choices" in fields:
            member_kind, key = GROUPED[kind]
            old, new = fields["choices"]
            ids["slugs"] |= {
                (member_kind, slug) for slug in _members(old, key) ^ _members(new, key)
            }
    return ids


def _members(groups, key: str) -> set:
    """(group slug, member slug) pairs of a parent's choice groups."""
    return {
        (group.get("slug"), slug)
        for group in groups or ()
        for slug in group.get(key, ())
    }


def mark_meaning_changed(changes: Iterable[dict], when) -> None:
    """Note on each item whose meaning changed when it did."""
    found = meaning_changes(changes)
    by_slug: dict[str, set[str]] = defaultdict(set)
    for member_kind, (_group, slug) in found["slugs"]:
        by_slug[member_kind].add(slug)
    LearningStep.objects.filter(
        Q(pk__in=found["steps"]) | Q(slug__in=by_slug["steps"])
    ).update(meaning_changed_at=when)
    Concept.objects.filter(
        Q(pk__in=found["concepts"]) | Q(slug__in=by_slug["concepts"])
    ).update(meaning_changed_at=when)


def digest(files: Iterable[Path]) -> str:
    """SHA-256 over the files' names and bytes, in order."""
    hashed = hashlib.sha256()
    for path in files:
        hashed.update(path.name.encode())
        hashed.update(path.read_bytes())
    return hashed.hexdigest()


SINGULAR = {
    "sources": "source",
    "resources": "resource",
    "skills": "skill",
    "concepts": "concept",
    "roles": "role",
    "stages": "stage",
    "steps": "step",
}


def shown(value: Any, limit: int = 60) -> str:
    """A field's value in a line: a list's entries, a mapping's "key: value"
    pairs, cut at `limit` characters."""
    if isinstance(value, dict):
        value = [f"{key}: {shown(entry, limit)}" for key, entry in value.items()]
    if value is None:
        return ""
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def field_rows(change: dict) -> list[tuple[str, str, str]]:
    """(field, old, new) of a change, as pages show them."""
    return [
        (name.replace("_", " "), shown(old, 200), shown(new, 200))
        for name, (old, new) in change.get("fields", {}).items()
    ]


def describe(change: dict) -> str:
    """One line for a change: "step 'git-basics' (Learn Git): changed title:
    'Git' -> 'Learn Git'"."""
    head = f"{SINGULAR.get(change['kind'], change['kind'])} '{change['slug']}'"
    head += f" ({change['title']}): {change['action']}"
    if change["action"] == "moved":
        old, new = change["parent"]
        head += f" from {old} to {new}"
    details = [
        f"{field.replace('_', ' ')}: '{shown(old)}' -> '{shown(new)}'"
        for field, (old, new) in change.get("fields", {}).items()
    ]
    return head + (f"; {'; '.join(details)}" if details else "")


@contextmanager
def recorded(*, origin: str, curator=None, note: str = ""):
    """Run a change of the content in a transaction and keep a Revision of
    what it changed (nothing when it changed nothing)."""
    with transaction.atomic():
        before = snapshot()
        yield
        record(before, origin=origin, curator=curator, note=note)


ACTIONS = {
    "added": "Added",
    "changed": "Changed",
    "moved": "Moved",
    "retired": "Retired",
    "restored": "Restored",
}


def public(revisions: Iterable[Revision], role) -> list[tuple[Revision, list[dict]]]:
    """Each revision with the changes the role's public page shows: of items on
    it, published (a retired one was), deletions left out; revisions with none
    left out. Each change as {singular, action, slug, title, fields: [(name,
    old, new)], parent}."""
    result = []
    for revision in revisions:
        shown_changes = [
            {
                "kind": SINGULAR.get(change["kind"], change["kind"]),
                "action": ACTIONS[change["action"]],
                "slug": change["slug"],
                "title": change["title"],
                "parent": change.get("parent"),
                "fields": field_rows(change),
            }
            for change in revision.changes
            if role.pk in change.get("roles", ())
            and change["action"] in ACTIONS
            and (change.get("published") or change["action"] == "retired")
        ]
        if shown_changes:
            result.append((revision, shown_changes))
    return result
