"""Loading a Catalogue into the database, kind by kind as `spec` describes them.

One transaction; rows are matched by their key (a slug, mostly) and updated in
place. Content that the files no longer mention is retired (unpublished), never
deleted, so no learner's progress is lost; rows that hold no learner data (a role's
facts and skill links) are deleted when they go.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import models, transaction

from roadmap import page_cache, revisions
from roadmap.content import fields, spec
from roadmap.content.fields import Kind
from roadmap.content.reading import Catalogue
from roadmap.models import Revision

KINDS = spec.CONTENT_KINDS


@dataclass
class LoadReport:
    counts: dict[str, Counter] = field(
        default_factory=lambda: {kind: Counter() for kind in KINDS}
    )
    # Each change, itemised (roadmap.revisions.diff), and the revision recorded.
    changes: list[dict] = field(default_factory=list)
    revision: Any = None

    def add(self, kind: str, outcome: str, number: int = 1) -> None:
        self.counts[kind][outcome] += number

    @property
    def changed(self) -> bool:
        return any(
            counter[outcome]
            for counter in self.counts.values()
            for outcome in ("created", "updated", "retired")
        )

    def lines(self) -> list[str]:
        return [
            f"{kind:<10} created {c['created']:>4}  updated {c['updated']:>4}  "
            f"unchanged {c['unchanged']:>4}  retired {c['retired']:>4}"
            for kind, c in self.counts.items()
        ]


class _DryRun(Exception):
    pass


def load(
    catalogue: Catalogue,
    *,
    retire: bool = True,
    dry_run: bool = False,
    files: Iterable[Path] = (),
    curator=None,
    note: str = "",
) -> LoadReport:
    """Upsert the catalogue by slug in one transaction and report what changed,
    item by item; unless `dry_run`, keep a Revision of it (by `curator` when a
    curator uploaded the `files`, else by the loader)."""
    report = LoadReport()
    try:
        with transaction.atomic():
            before = revisions.snapshot()
            _Loader(catalogue, report, retire=retire).run()
            if dry_run:
                report.changes = revisions.diff(before, revisions.snapshot())
                raise _DryRun
            report.revision = revisions.record(
                before,
                origin=Revision.Origin.ADMIN if curator else Revision.Origin.LOADER,
                curator=curator,
                files=files,
                note=note,
            )
            if report.revision is not None:
                report.changes = report.revision.changes
            page_cache.content_changed()
    except _DryRun:
        pass
    return report


type Key = tuple


class _Loader:
    def __init__(self, catalogue: Catalogue, report: LoadReport, *, retire: bool):
        self.catalogue = catalogue
        self.report = report
        self.retire = retire
        # kind -> key -> the item read, and the row it was loaded into.
        self.items: dict[str, dict[Key, dict]] = {}
        self.rows: dict[str, dict[Key, models.Model]] = {}
        self.ids: dict[str, dict[str, int]] = {}  # kind -> slug -> id, for references
        # content kind -> key -> "created" | "updated" | "unchanged"
        self.outcomes: dict[str, dict[Key, str]] = {kind: {} for kind in KINDS}

    def run(self) -> None:
        for kind in spec.LOADED:
            wanted = self.wanted(kind)
            self.items[kind.name] = {key: item for key, (item, _) in wanted.items()}
            rows = self.upsert(kind, {key: v for key, (_, v) in wanted.items()})
            self.rows[kind.name] = rows
            if kind.key == ("slug",):
                self.ids[kind.name] = {key[0]: row.pk for key, row in rows.items()}
            for f, _ in fields.flatten(kind, None):
                if f.type in (fields.REFERENCES, fields.MEMBERS):
                    self.sync_links(kind, f, rows)
        for kind, outcomes in self.outcomes.items():
            self.report.counts[kind].update(outcomes.values())

    def wanted(self, kind: Kind) -> dict[Key, tuple[dict, dict]]:
        """key -> (item, model field values) for every item of the kind."""
        result = {}
        for item, parent in self.items_of(kind):
            values: dict[str, Any] = {}
            for f, value in fields.flatten(kind, item):
                if f.type == fields.REFERENCE:
                    values[f.model_field.attname] = self.ids[f.to][value]
                elif f.type not in (fields.REFERENCES, fields.MEMBERS):
                    values.update(fields.stored(f, value))
            if parent is not None:
                values[kind.parent_attname] = parent.pk
                values["position"] = item["position"]
            if kind.group:
                values[kind.group] = item[kind.group]
            result[tuple(values[name] for name in kind.key)] = (item, values)
        return result

    def items_of(self, kind: Kind):
        """(item, the row it is nested in) for every item of the kind."""
        if kind.name not in spec.PARENTS:
            for item in getattr(self.catalogue, kind.name).values():
                yield item, None
            return
        parent_kind, f = spec.PARENTS[kind.name]
        if kind.catalogued:  # listed by slug in the enclosing item
            parents = self.rows[parent_kind.name]
            for item in getattr(self.catalogue, kind.name).values():
                yield item, parents[(item[kind.parent],)]
            return
        for key, parent_item in self.items[parent_kind.name].items():
            parent = self.rows[parent_kind.name][key]
            for item in parent_item[f.name]:
                yield item, parent

    def upsert(self, kind: Kind, wanted: dict[Key, dict]) -> dict[Key, models.Model]:
        model = kind.model
        if kind.is_content:
            queryset = model.objects.all()
        else:
            parents = self.rows[spec.PARENTS[kind.name][0].name].values()
            queryset = model.objects.filter(
                **{f"{kind.parent_attname}__in": [row.pk for row in parents]}
            )
        existing = {
            tuple(getattr(obj, name) for name in kind.key): obj for obj in queryset
        }
        result = {}
        for key, values in wanted.items():
            obj = existing.get(key)
            if obj is None:
                obj = model.objects.create(**values)
                self.outcome(kind, key, obj, "created")
            else:
                changed = [
                    name
                    for name, value in values.items()
                    if getattr(obj, name) != value
                ]
                if changed:
                    for name in changed:
                        setattr(obj, name, values[name])
                    if kind.is_content:
                        changed.append("updated_at")
                    obj.save(update_fields=changed)
                    self.outcome(kind, key, obj, "updated")
                else:
                    self.outcome(kind, key, obj, "unchanged")
            result[key] = obj
        stale = [obj for key, obj in existing.items() if key not in wanted]
        if not kind.is_content:
            for obj in stale:
                self.outcome(kind, None, obj, "deleted")
            if stale:
                model.objects.filter(pk__in=[obj.pk for obj in stale]).delete()
        elif self.retire:
            missing = [obj.pk for obj in stale if obj.is_published]
            if missing:
                model.objects.filter(pk__in=missing).update(is_published=False)
                self.report.add(kind.name, "retired", len(missing))
        return result

    def outcome(self, kind: Kind, key: Key | None, obj: models.Model, what: str):
        """Record what happened to a row; any change to a row that holds no
        learner data (a role's fact, say) counts as an update of its parent."""
        if kind.is_content:
            outcomes = self.outcomes[kind.name]
            if what != "updated" or outcomes.get(key) in (None, "unchanged"):
                outcomes[key] = what
            return
        if what == "unchanged":
            return
        parent_kind = spec.PARENTS[kind.name][0]
        parent_id = getattr(obj, kind.parent_attname)
        for parent_key, parent in self.rows[parent_kind.name].items():
            if parent.pk == parent_id:
                self.outcome(parent_kind, parent_key, parent, "updated")

    def sync_links(
        self, kind: Kind, f: fields.Field, rows: dict[Key, models.Model]
    ) -> None:
        """Make each row's many-to-many links equal to its item's list, in bulk."""
        descriptor = getattr(kind.model, f.name)
        target_ids = self.ids[f.to]
        through = descriptor.through
        owner_field = descriptor.field.m2m_field_name() + "_id"
        target_field = descriptor.field.m2m_reverse_field_name() + "_id"
        items = self.items[kind.name]
        owners = {obj.pk: key for key, obj in rows.items()}
        current: dict[int, set[int]] = defaultdict(set)
        for owner_id, target_id in through.objects.filter(
            **{f"{owner_field}__in": list(owners)}
        ).values_list(owner_field, target_field):
            current[owner_id].add(target_id)
        to_delete: list[tuple[int, set[int]]] = []
        to_create = []
        for owner_id, key in owners.items():
            links = next(v for g, v in fields.flatten(kind, items[key]) if g is f)
            wanted = {target_ids[slug] for slug in links}
            have = current.get(owner_id, set())
            if wanted == have:
                continue
            if have - wanted:
                to_delete.append((owner_id, have - wanted))
            to_create.extend(
                through(**{owner_field: owner_id, target_field: target_id})
                for target_id in wanted - have
            )
            self.outcome(kind, key, rows[key], "updated")
        for owner_id, targets in to_delete:
            through.objects.filter(
                **{owner_field: owner_id, f"{target_field}__in": targets}
            ).delete()
        through.objects.bulk_create(to_create)
