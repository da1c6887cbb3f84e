"""Exporting a role, and everything it refers to, in the content file format.

Each item is written field by field as `spec` describes it: a field whose value is
its default is left out, unless the spec marks it explicit.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml
from django.db import models

from roadmap.content import fields, spec
from roadmap.content.fields import Field, Kind
from roadmap.models import Role, Source

SCALARS = frozenset(
    {fields.TEXT, fields.URL, fields.CHOICE, fields.INTEGER, fields.DATE}
)


class _Dumper(yaml.SafeDumper):
    """Block style for multi-line text, so exported files read like the originals."""

    def increase_indent(self, flow: bool = False, indentless: bool = False):
        return super().increase_indent(flow, False)


def _represent_text(dumper: yaml.SafeDumper, value: str):
    if "\n" in value:
        style = "|"
    elif len(value) > 72 and value == value.strip() and "  " not in value:
        style = ">"
    else:
        style = None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_text)


def dump(data: dict) -> str:
    return yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=88
    )


def prefetches(kind: Kind) -> list:
    """The lookups that fetch an item's references and nested items up front."""
    lookups: list = []
    for f in kind.fields:
        if f.type in (fields.REFERENCES, fields.MEMBERS):
            lookups.append(f.name)
        elif f.type == fields.MAPPING:
            lookups.extend(prefetches(f.of))
        elif f.type in (fields.ITEMS, fields.GROUPS):
            queryset = f.of.model.objects.prefetch_related(*prefetches(f.of))
            joined = [g.name for g in f.of.fields if g.type == fields.REFERENCE]
            if joined:
                queryset = queryset.select_related(*joined)
            lookups.append(models.Prefetch(f.of.related_name, queryset=queryset))
    return lookups


def documents(data: dict) -> dict[str, str]:
    """The text of each source document an export names, by file name: the files
    to write in the `sources/` folder beside it."""
    slugs = [source["slug"] for source in data.get(spec.SOURCES.name, [])]
    return dict(Source.objects.filter(slug__in=slugs).values_list("file_name", "text"))


def export_role(slug: str) -> dict:
    """A role and everything it refers to, in the content file format."""
    role = (
        Role.objects.prefetch_related(*prefetches(spec.ROLES)).filter(slug=slug).first()
    )
    if role is None:
        raise Role.DoesNotExist(f"no role with slug {slug!r}")
    exporter = _Exporter()
    lists = {spec.ROLES.name: [exporter.item(spec.ROLES, role)]}
    # Each kind refers only to the kinds before it in a file.
    for kind in reversed(spec.FILE_KINDS[:-1]):
        used = list(exporter.used[kind.name])
        objects = kind.model.objects.filter(pk__in=used).prefetch_related(
            *prefetches(kind)
        )
        if kind.listed_by_use:
            objects = sorted(objects, key=lambda obj: used.index(obj.pk))
        lists[kind.name] = [exporter.item(kind, obj) for obj in objects]
    return {
        "format": fields.FORMAT_VERSION,
        **{kind.name: lists[kind.name] for kind in spec.FILE_KINDS},
    }


def describe(kind: Kind, obj: models.Model, *, nested: bool = True) -> dict:
    """The item as a content file writes it; without `nested`, the content items
    nested in it (a role's stages, a stage's steps) are left to their own kind."""
    described = _Exporter().item(kind, obj)
    if not nested:
        for f in kind.fields:
            if f.type in fields.NESTED and f.of is not None and f.of.is_content:
                described.pop(f.key, None)
    return described


class _Exporter:
    def __init__(self) -> None:
        # file kind -> ids of the rows the exported items refer to, in order of use
        self.used: dict[str, dict[int, None]] = {k.name: {} for k in spec.FILE_KINDS}

    def item(self, kind: Kind, obj: models.Model) -> dict:
        data = {}
        for f in kind.fields:
            value = self.value(kind, f, obj)
            if f.required or f.explicit or value != f.default:
                data[f.key] = value
        return data

    def value(self, kind: Kind, f: Field, obj: models.Model) -> Any:
        if f.type == fields.REFERENCES:
            objects = list(getattr(obj, f.name).all())
            self.use(f.to, objects)
            order = spec.BY_NAME[f.to].order
            return [o.slug for o in sorted(objects, key=lambda o: getattr(o, order))]
        if f.type == fields.MEMBERS:
            members = getattr(obj, f.name).all()
            return [o.slug for o in sorted(members, key=lambda o: (o.position, o.pk))]
        if f.type == fields.REFERENCE:
            target = getattr(obj, f.name)
            self.use(f.to, [target])
            return target.slug
        if f.type == fields.MAPPING:
            # Left out when none of its required values is set (a salary is all
            # or nothing).
            required = [g for g in f.of.fields if g.required and g.type in SCALARS]
            if all(getattr(obj, g.name) in (None, "") for g in required):
                return None
            return self.item(f.of, obj)
        if f.type == fields.ITEMS:
            children = getattr(obj, f.of.related_name).all()
            return [self.item(f.of, child) for child in children]
        if f.type == fields.GROUPS:
            groups: dict[str, list[dict]] = {}
            for child in getattr(obj, f.of.related_name).all():
                group = getattr(child, f.of.group)
                groups.setdefault(group, []).append(self.item(f.of, child))
            return {g: groups[g] for g in f.of.group_field.choices if g in groups}
        if f.type == fields.MONTH:
            month = getattr(obj, f.name)
            return f"{month:%Y-%m}" if month else None
        if f.type == fields.QUOTES:
            quotes = getattr(obj, f.name) or {}
            cites = next(g for g in kind.fields if g.key == f.cites)
            cited = sorted(getattr(obj, cites.name).all(), key=lambda s: s.file_name)
            return {s.slug: quotes[s.slug] for s in cited if s.slug in quotes}
        return getattr(obj, f.name)

    def use(self, kind_name: str, objects: Iterable[models.Model]) -> None:
        """Note the rows an export must include: a concept comes with its skill."""
        kind = spec.BY_NAME[kind_name]
        if kind.name in spec.PARENTS and kind.catalogued:
            parent_kind = spec.PARENTS[kind.name][0]
            for obj in objects:
                self.used[parent_kind.name][getattr(obj, kind.parent_attname)] = None
        elif kind_name in self.used:
            for obj in objects:
                self.used[kind_name][obj.pk] = None
