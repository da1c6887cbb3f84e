"""Reading and validating content files, field by field as `spec` describes them.

Reading returns plain data (a Catalogue) or raises a ContentError listing every
problem, each naming the file, the item and the field.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from roadmap import citations
from roadmap.content import fields, spec
from roadmap.content.fields import Field, Kind
from roadmap.content.safe_yaml import (
    AliasRefused,
    TooDeep,
    YamlLoader,
    shown,
    type_name,
    url_phrase,
)
from roadmap.graph import find_cycle


class ContentError(Exception):
    """One or more problems in content files; nothing has been written."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


EXPECTED_PASSAGE = "expected the quoted passage, as text"


class _Reader:
    """Walks a parsed file, checking types and collecting problems with locations."""

    def __init__(self, file: str, problems: list[str]):
        self.file = file
        self.problems = problems

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{self.file}: {where}: {message}")

    def mapping(self, value: Any, where: str, allowed: Iterable[str]) -> dict | None:
        if not isinstance(value, dict):
            self.problem(where, f"expected a mapping, got {type_name(value)}")
            return None
        allowed = set(allowed)
        for key in value:
            if key not in allowed:
                names = ", ".join(sorted(allowed))
                self.problem(where, f"unknown key {shown(key)} (allowed: {names})")
        return value

    def items(self, value: Any, where: str) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(where, f"expected a list, got {type_name(value)}")
            return []
        return value

    # One method per field type, each given the item's mapping and the field.

    def text(self, data: dict, f: Field, where: str) -> str:
        value = data.get(f.key)
        where = f"{where}.{f.key}"
        if value is None:
            if f.required:
                self.problem(where, "is required")
            return ""
        if not isinstance(value, str):
            self.problem(where, f"expected text, got {type_name(value)}")
            return ""
        value = value.strip()
        if f.required and not value:
            self.problem(where, "must not be empty")
        if f.max_length is not None and len(value) > f.max_length:
            self.problem(where, f"is {len(value)} characters long (max {f.max_length})")
        if "\x00" in value:
            self.problem(where, "contains a null character")
        if f.pattern and value and not re.fullmatch(f.pattern, value):
            self.problem(where, f"{shown(value)} is not {f.pattern_doc}")
        return value

    def url(self, data: dict, f: Field, where: str) -> str:
        value = self.text(data, f, where)
        if value:
            try:
                URLValidator(schemes=f.schemes)(value)
            except ValidationError:
                self.problem(
                    f"{where}.{f.key}",
                    f"{shown(value)} is not an {url_phrase(f.schemes)} URL",
                )
        return value

    def slug(self, data: dict, f: Field, where: str) -> str | None:
        value = data.get(f.key)
        where = f"{where}.{f.key}"
        if value is None:
            self.problem(where, "is required")
            return None
        if not isinstance(value, str) or not fields.SLUG_RE.match(value):
            self.problem(
                where,
                f"{shown(value)} is not a slug (lowercase letters, digits and hyphens)",
            )
            return None
        if len(value) > f.max_length:
            self.problem(where, f"is longer than {f.max_length} characters")
            return None
        return value

    reference = slug

    def references(self, data: dict, f: Field, where: str) -> list[str]:
        values = data.get(f.key)
        where = f"{where}.{f.key}"
        if values is None or values == []:
            if f.required:
                self.problem(where, "needs at least one entry")
            return []
        if not isinstance(values, list):
            self.problem(where, f"expected a list of slugs, got {type_name(values)}")
            return []
        result = []
        for value in values:
            if not isinstance(value, str) or not fields.SLUG_RE.match(value):
                self.problem(where, f"{shown(value)} is not a slug")
            elif value in result:
                self.problem(where, f"{shown(value)} is listed twice")
            else:
                result.append(value)
        return result

    def members(self, data: dict, f: Field, where: str) -> list[str]:
        """Slugs among the enclosing item's candidates, checked by _check_choices
        once the enclosing item is read."""
        return self.references(data, f, where)

    def quoted(self, data: dict, f: Field, where: str) -> str:
        """A source slug among the item's quotes (checked with the quotes, once
        every file is read); empty when not given."""
        if data.get(f.key) is None:
            return ""
        return self.slug(data, f, where) or ""

    def choice(self, data: dict, f: Field, where: str) -> str:
        value = data.get(f.key, f.default)
        where = f"{where}.{f.key}"
        if value is None:
            self.problem(where, "is required")
            return ""
        if value not in f.choices:
            self.problem(where, f"{shown(value)} is not one of: {', '.join(f.choices)}")
            return ""
        return value

    def boolean(self, data: dict, f: Field, where: str) -> bool:
        value = data.get(f.key, f.default)
        if not isinstance(value, bool):
            self.problem(
                f"{where}.{f.key}", f"expected true or false, got {shown(value)}"
            )
            return f.default
        return value

    def integer(self, data: dict, f: Field, where: str) -> int | None:
        value = data.get(f.key)
        where = f"{where}.{f.key}"
        if value is None:
            if f.required:
                self.problem(where, "is required")
            return f.default
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(where, f"expected a whole number: {shown(value)}")
            return f.default
        if value < f.minimum:
            self.problem(where, f"{value} is less than {f.minimum}")
            return f.default
        if value > f.maximum:
            self.problem(where, f"{value} is too large (max {f.maximum:,})")
            return f.default
        return value

    def month(self, data: dict, f: Field, where: str) -> datetime.date | None:
        value = data.get(f.key)
        if value is None:
            return None
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}", value):
            try:
                return datetime.date.fromisoformat(f"{value}-01")
            except ValueError:
                pass
        self.problem(f"{where}.{f.key}", f"{shown(value)} is not a month (YYYY-MM)")
        return None

    def document(self, data: dict, f: Field, where: str) -> fields.Document | None:
        """The named file in the `sources/` folder beside the content file."""
        value = data.get(f.key)
        where = f"{where}.{f.key}"
        if value is None:
            self.problem(where, "is required")
            return None
        if not isinstance(value, str) or not fields.DOCUMENT_NAME_RE.match(value):
            self.problem(
                where,
                f"{shown(value)} is not the name of a file in the "
                f"{fields.DOCUMENT_FOLDER}/ folder (letters, digits, '.', '_' and '-', "
                "ending .txt or .md)",
            )
            return None
        folder = Path(self.file).parent / fields.DOCUMENT_FOLDER
        path = folder / value
        named = f"{fields.DOCUMENT_FOLDER}/{value}"
        try:
            if path.resolve().parent != folder.resolve() or not path.is_file():
                self.problem(where, f"{named} is not a file beside the content file")
                return None
            size = path.stat().st_size
            if size > fields.DOCUMENT_MAX_BYTES:
                self.problem(
                    where,
                    f"{named} is {size:,} bytes (max {fields.DOCUMENT_MAX_BYTES:,})",
                )
                return None
            raw = path.read_bytes().decode("utf-8")
        except FileNotFoundError:
            self.problem(where, f"{named} does not exist")
            return None
        except UnicodeDecodeError:
            self.problem(where, f"{named} is not UTF-8 text")
            return None
        except OSError as error:
            self.problem(where, f"{named} cannot be read: {error.strerror}")
            return None
        if "\x00" in raw:
            self.problem(where, f"{named} contains a null character")
            return None
        return fields.Document(value, citations.document_text(raw))

    def quotes(self, data: dict, f: Field, where: str) -> dict[str, str | list[str]]:
        """Source slug -> passage, or a list of passages; which sources, and
        whether each passage is in its source's text, is checked once every file
        is read."""
        value = data.get(f.key)
        where = f"{where}.{f.key}"
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(
                where,
                f"expected a mapping of source slugs to quotes, got {type_name(value)}",
            )
            return {}
        result = {}
        for slug, quote in value.items():
            if not isinstance(slug, str) or not fields.SLUG_RE.match(slug):
                self.problem(where, f"{shown(slug)} is not a source slug")
                continue
            place = f"{where}.{slug}"
            if isinstance(quote, list) and quote:
                passages = [
                    self.passage(passage, f"{place}[{index}]")
                    for index, passage in enumerate(quote)
                ]
                if None not in passages:
                    result[slug] = passages if len(passages) > 1 else passages[0]
            elif isinstance(quote, list):
                self.problem(place, f"{EXPECTED_PASSAGE} or a list of passages")
            else:
                passage = self.passage(quote, place)
                if passage is not None:
                    result[slug] = passage
        return result

    def passage(self, quote: Any, place: str) -> str | None:
        """One quoted passage, whitespace folded; None (and a problem) if unfit."""
        if not isinstance(quote, str) or not quote.strip():
            self.problem(place, f"{EXPECTED_PASSAGE} or a list of passages")
            return None
        quote = " ".join(quote.split())
        if len(quote) > fields.QUOTE_MAX_LENGTH:
            self.problem(
                place,
                f"is {len(quote)} characters long (max {fields.QUOTE_MAX_LENGTH}: "
                "quote a sentence or a list line)",
            )
            return None
        if "\x00" in quote:
            self.problem(place, "contains a null character")
            return None
        return quote

    def date(self, data: dict, f: Field, where: str) -> datetime.date | None:
        value = data.get(f.key)
        if value is None:
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        if isinstance(value, str):
            try:
                return datetime.date.fromisoformat(value)
            except ValueError:
                pass
        self.problem(f"{where}.{f.key}", f"{shown(value)} is not a date (YYYY-MM-DD)")
        return None


@dataclass
class Catalogue:
    """Validated content, keyed by slug, in file order."""

    sources: dict[str, dict] = field(default_factory=dict)
    resources: dict[str, dict] = field(default_factory=dict)
    skills: dict[str, dict] = field(default_factory=dict)
    concepts: dict[str, dict] = field(default_factory=dict)
    roles: dict[str, dict] = field(default_factory=dict)
    # Where each item was first defined, for error messages: (kind, slug) -> place.
    places: dict[tuple[str, str], str] = field(default_factory=dict)


def content_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders into the YAML files inside them, sorted for stable loads."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted([*path.rglob("*.yaml"), *path.rglob("*.yml")]))
        else:
            files.append(path)
    return files


def read(paths: Iterable[Path]) -> Catalogue:
    """Read and validate content files; raise ContentError listing every problem."""
    problems: list[str] = []
    catalogue = Catalogue()
    files = content_files(paths)
    if not files:
        raise ContentError(["no content files found (expected *.yaml files)"])
    for path in files:
        _read_file(path, catalogue, problems)
    if not problems:
        _check_references(catalogue, problems)
    if problems:
        raise ContentError(problems)
    return catalogue


def _read_file(path: Path, catalogue: Catalogue, problems: list[str]) -> None:
    name = str(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(f"{name}: file not found")
        return
    except (OSError, UnicodeDecodeError) as error:
        problems.append(f"{name}: cannot be read: {error}")
        return
    try:
        data = yaml.load(raw, Loader=YamlLoader)  # noqa: S506 (a SafeLoader subclass)
    except (AliasRefused, TooDeep) as error:
        problems.append(f"{name}: {error}")
        return
    except yaml.YAMLError as error:
        message = " ".join(str(error).split())
        if len(message) > 300:  # PyYAML quotes a snippet of the line
            message = message[:297] + "..."
        problems.append(f"{name}: is not valid YAML: {message}")
        return
    reader = _Reader(name, problems)
    data = reader.mapping(data, "(file)", spec.FILE_KEYS)
    if data is None:
        return
    if data.get("format") != fields.FORMAT_VERSION:
        reader.problem(
            "format",
            f"must be {fields.FORMAT_VERSION}, got {shown(data.get('format'))}",
        )
        return
    for kind in spec.FILE_KINDS:
        for index, raw_item in enumerate(reader.items(data.get(kind.name), kind.name)):
            item = _read_item(
                reader, catalogue, kind, raw_item, f"{kind.name}[{index}]"
            )
            if item is not None and item["slug"]:
                _register(reader, catalogue, kind, item)


def _label(where: str, slug: str | None) -> str:
    """`skills[3]` becomes `skills[databases-and-sql]` once the slug is known."""
    return re.sub(r"\[\d+\]$", f"[{slug}]", where) if slug else where


def _read_item(
    reader: _Reader, catalogue: Catalogue, kind: Kind, raw: Any, where: str
) -> dict | None:
    """An item's fields in file order, nested items included; None if no mapping."""
    data = reader.mapping(raw, where, kind.keys)
    if data is None:
        return None
    item: dict[str, Any] = {}
    for f in kind.fields:
        if f.type == fields.SLUG:
            item[f.name] = reader.slug(data, f, where)
            where = _label(where, item[f.name])
        elif f.type in fields.NESTED:
            item[f.name] = _read_nested(reader, catalogue, f, data, where, item)
        else:
            item[f.name] = getattr(reader, f.type)(data, f, where)
    item["where"] = where
    for f in kind.fields:
        needed = next((g for g in kind.fields if g.key == f.requires), None)
        if needed and item[f.name] and item[needed.name] is None:
            reader.problem(f"{where}.{f.key}", f"is given without `{needed.key}`")
    _check_choices(reader, kind, item)
    return item


def _check_choices(reader: _Reader, kind: Kind, item: dict) -> None:
    """Each group of the item names its own items, none in two groups, picks no
    more than it lists, and says why."""
    for f in kind.fields:
        if f.type != fields.ITEMS:
            continue
        members = next((g for g in f.of.fields if g.type == fields.MEMBERS), None)
        if members is None:
            continue
        listed = item.get(members.within) or []
        candidates = {c if isinstance(c, str) else c["slug"] for c in listed}
        noun = spec.BY_NAME[members.to].noun
        taken: dict[str, str] = {}
        for group in item[f.name]:
            where = f"{group['where']}.{members.key}"
            for slug in group[members.name]:
                if slug not in candidates:
                    reader.problem(
                        where,
                        f"unknown {noun} {shown(slug)}: not one of the "
                        f"{kind.noun}'s `{members.within}`",
                    )
                elif slug in taken:
                    reader.problem(
                        where,
                        f"{noun} {shown(slug)} is already in group "
                        f"{shown(taken[slug])}; an item is in at most one group",
                    )
                else:
                    taken[slug] = group["slug"]
            _check_group(reader, f.of, group)


def _check_group(reader: _Reader, kind: Kind, item: dict) -> None:
    """A group picks no more than it lists and says why."""
    for f in kind.fields:
        if not f.at_most or item[f.name] is None:
            continue
        limit = next(g for g in kind.fields if g.key == f.at_most)
        count = len(item[limit.name])
        if item[f.name] > count:
            reader.problem(
                f"{item['where']}.{f.key}",
                f"{item[f.name]} is more than the {count} `{f.at_most}` listed",
            )
    if not (item["quotes"] or item["editorial"]):
        reader.problem(
            item["where"],
            "say why the learner may choose: give `quotes` from the sources that "
            "offer the choice, or Waymark's note in `editorial`",
        )


def _read_nested(
    reader: _Reader,
    catalogue: Catalogue,
    f: Field,
    data: dict,
    where: str,
    parent: dict,
) -> Any:
    raw = data.get(f.key)
    where = f"{where}.{f.key}"
    if f.type == fields.MAPPING:
        return None if raw is None else _read_item(reader, catalogue, f.of, raw, where)
    if f.type == fields.ITEMS:
        return _read_list(reader, catalogue, f.of, raw, where, parent)
    # GROUPS: a mapping from each choice to a list.
    if raw is None:
        return []
    group = f.of.group_field
    groups = reader.mapping(raw, where, group.choices)
    if groups is None:
        return []
    items = []
    for value in group.choices:
        for item in _read_list(
            reader, catalogue, f.of, groups.get(value), f"{where}.{value}", parent
        ):
            items.append(item | {f.of.group: value})
    return items


def _read_list(
    reader: _Reader,
    catalogue: Catalogue,
    kind: Kind,
    raw: Any,
    where: str,
    parent: dict,
) -> list:
    """Nested items in order; catalogued ones are registered and listed by slug."""
    items = []
    seen = set()
    unique = kind.unique_in_list
    for index, raw_item in enumerate(reader.items(raw, where)):
        item = _read_item(reader, catalogue, kind, raw_item, f"{where}[{index}]")
        if item is None:
            continue
        item["position"] = index
        if kind.catalogued:
            item[kind.parent] = parent["slug"]
            if item["slug"]:
                items.append(item["slug"])
                _register(reader, catalogue, kind, item)
            continue
        if unique:
            value = item[unique.name]
            if value is None:
                continue
            if value in seen:
                if unique.type == fields.SLUG:
                    message = f"{kind.noun} {shown(value)} appears twice"
                else:
                    message = f"{shown(value)} is listed twice"
                reader.problem(f"{item['where']}.{unique.key}", message)
                continue
            seen.add(value)
        elif kind.slug_field and item["slug"] is None:
            continue
        items.append(item)
    return items


def _register(reader: _Reader, catalogue: Catalogue, kind: Kind, item: dict) -> None:
    """Add an item; a repeated slug is allowed only for an identical definition."""
    store: dict[str, dict] = getattr(catalogue, kind.name)
    slug, where = item["slug"], item["where"]
    if slug in store:
        if store[slug] != item:
            reader.problem(
                where,
                f"{kind.noun} {shown(slug)} is already defined differently at "
                f"{catalogue.places[(kind.name, slug)]}",
            )
        return
    store[slug] = item
    catalogue.places[(kind.name, slug)] = f"{reader.file}: {where}"


def _check_references(catalogue: Catalogue, problems: list[str]) -> None:
    """Every slug a file names must exist; step slugs are unique; no cycles."""
    pools: dict[str, dict[str, dict]] = {
        kind.name: getattr(catalogue, kind.name) for kind in spec.CATALOGUED
    }
    files: dict[str, dict[str, str]] = {}  # kind -> slug -> the file it is in
    entries: list[tuple[Kind, dict, str]] = []

    def walk(kind: Kind, item: dict, file: str) -> None:
        entries.append((kind, item, file))
        if kind.slug_field:
            files.setdefault(kind.name, {}).setdefault(item["slug"], file)
        for f in kind.fields:
            if f.type == fields.MAPPING and item[f.name]:
                walk(f.of, item[f.name], file)
            elif f.type in (fields.ITEMS, fields.GROUPS) and not f.of.catalogued:
                for child in item[f.name]:
                    if f.of.unique_everywhere and not claim(f.of, child, file):
                        continue
                    walk(f.of, child, file)

    def claim(kind: Kind, item: dict, file: str) -> bool:
        pool = pools.setdefault(kind.name, {})
        slug = item["slug"]
        if slug in pool:
            problems.append(
                f"{file}: {item['where']}.slug: {kind.noun} {shown(slug)} is "
                f"already used at {files[kind.name][slug]}: {pool[slug]['where']}"
            )
            return False
        pool[slug] = item
        return True

    for kind in spec.CATALOGUED:
        for slug, item in pools[kind.name].items():
            walk(kind, item, catalogue.places[(kind.name, slug)].split(": ", 1)[0])

    for kind, item, file in entries:
        for f in kind.fields:
            if f.type not in (fields.REFERENCE, fields.REFERENCES):
                continue
            values = [item[f.name]] if f.type == fields.REFERENCE else item[f.name]
            where = f"{file}: {item['where']}.{f.key}"
            pool = pools.get(f.to, {})
            noun = spec.BY_NAME[f.to].noun
            for value in values:
                if value not in pool:
                    problems.append(f"{where}: unknown {noun} {shown(value)}")
            if f.acyclic and item["slug"] in values:
                problems.append(
                    f"{where}: a {kind.noun} cannot be its own {f.key[:-1]}"
                )
        _check_quotes(kind, item, file, catalogue, problems)
    if problems:
        return
    for kind, f in [(k, f) for k in spec.LOADED for f in k.fields if f.acyclic]:
        pool = pools.get(kind.name, {})
        cycle = find_cycle({slug: set(item[f.name]) for slug, item in pool.items()})
        if cycle:
            item = pool[cycle[0]]
            problems.append(
                f"{files[kind.name][cycle[0]]}: {item['where']}.{f.key}: "
                f"{f.key[:-1]} cycle: " + " -> ".join(cycle)
            )


def _check_quoted(
    kind: Kind, f: Field, item: dict, file: str, problems: list[str]
) -> None:
    """A QUOTED field names one of the item's quotes, and comes with the field
    it `requires` (a recall prompt and its answer go together)."""
    where = f"{file}: {item['where']}"
    needed = next(g for g in kind.fields if g.key == f.requires)
    quotes = next(g for g in kind.fields if g.key == f.cites)
    if item[needed.name] and not item[f.name]:
        problems.append(
            f"{where}.{needed.key}: is given without `{f.key}` (the source whose "
            "quote answers it)"
        )
    elif item[f.name] and not item[needed.name]:
        problems.append(f"{where}.{f.key}: is given without `{needed.key}`")
    elif item[f.name] and item[f.name] not in item[quotes.name]:
        quoted = ", ".join(sorted(item[quotes.name])) or "none"
        problems.append(
            f"{where}.{f.key}: the {kind.noun} quotes no passage of source "
            f"{shown(item[f.name])} (its `{quotes.key}`: {quoted})"
        )


def _check_quotes(
    kind: Kind, item: dict, file: str, catalogue: Catalogue, problems: list[str]
) -> None:
    """Each quote names a source the item cites, and occurs in its text; a
    recall prompt is answered by one of the item's quotes."""
    for f in kind.fields:
        if f.type == fields.QUOTED:
            _check_quoted(kind, f, item, file, problems)
        if f.type != fields.QUOTES:
            continue
        cites = next(g for g in kind.fields if g.key == f.cites)
        cited = item[cites.name]
        for slug, given in item[f.name].items():
            where = f"{file}: {item['where']}.{f.key}.{slug}"
            source = catalogue.sources.get(slug)
            if source is None:
                problems.append(f"{where}: unknown source {shown(slug)}")
                continue
            if slug not in cited:
                problems.append(
                    f"{where}: quotes source {shown(slug)}, which is not in the "
                    f"{kind.noun}'s `{cites.key}`"
                )
                continue
            document = next(
                v
                for g, v in fields.flatten(spec.SOURCES, source)
                if g.type == fields.DOCUMENT
            )
            several = isinstance(given, list)
            for index, quote in enumerate(citations.passages_of(given)):
                if document is None or citations.occurs_in(quote, document.text):
                    continue
                problems.append(
                    f"{where}{f'[{index}]' if several else ''}: the quote is not in "
                    f"the text of source {shown(slug)} "
                    f"({fields.DOCUMENT_FOLDER}/{document.name}): {shown(quote)}"
                )
