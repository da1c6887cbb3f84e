"""Content files: read and validate them, load them into the database, export them.

The format is documented in docs/content-format.md. Reading validates everything and
returns plain data, or raises ContentErrors naming the file, the item and the field;
loading writes in one transaction and never deletes content that learners may have
progress on: what the files no longer mention is retired (unpublished).
"""

from __future__ import annotations

import datetime
import re
import reprlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models, transaction

from roadmap import page_cache
from roadmap.graph import find_cycle
from roadmap.models import (
    Concept,
    LearningStep,
    Resource,
    Role,
    RoleFact,
    RoleSkill,
    Skill,
    Source,
    Stage,
)

FORMAT_VERSION = 1
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 80
KINDS = ("sources", "resources", "skills", "concepts", "roles", "stages", "steps")


class ContentError(Exception):
    """One or more problems in content files; nothing has been written."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


# --- Reading and validating ---------------------------------------------------

SHOWN_MAX = 80  # characters of a value an error message quotes

# Bounded at every level, so even a huge nested value costs little to show.
_repr = reprlib.Repr(
    maxlevel=3,
    maxtuple=6,
    maxlist=6,
    maxarray=6,
    maxdict=4,
    maxset=6,
    maxfrozenset=6,
    maxdeque=6,
    maxstring=SHOWN_MAX,
    maxlong=40,
    maxother=SHOWN_MAX,
)


def _shown(value: Any) -> str:
    """A value as an error message quotes it: its repr, cut to SHOWN_MAX characters.

    Every message that quotes a value from a file goes through here, so no file can
    make a message (or the work of building it) large.
    """
    text = _repr.repr(value)
    return text if len(text) <= SHOWN_MAX else text[: SHOWN_MAX - 3] + "..."


class _AliasRefused(yaml.YAMLError):
    def __init__(self, event: yaml.Event):
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            found = f"*{event.anchor}"[:SHOWN_MAX]
        else:
            found = f"&{event.anchor}"[:SHOWN_MAX]
        super().__init__(
            f"line {line}: anchors and aliases are not allowed (found {found}); "
            "write the value out in full"
        )


class _YamlLoader(yaml.SafeLoader):
    """The safe loader without anchors and aliases.

    Content files have no use for them, and an alias repeated inside anchored lists
    (a "billion laughs") makes a few hundred bytes stand for billions of values.
    The first anchor or alias stops the read.
    """

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _AliasRefused(event)
        return super().compose_node(parent, index)


class _Reader:
    """Walks a parsed file, checking types and collecting problems with locations."""

    def __init__(self, file: str, problems: list[str]):
        self.file = file
        self.problems = problems

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{self.file}: {where}: {message}")

    def mapping(self, value: Any, where: str, allowed: Iterable[str]) -> dict | None:
        if not isinstance(value, dict):
            self.problem(where, f"expected a mapping, got {_type_name(value)}")
            return None
        allowed = set(allowed)
        for key in value:
            if key not in allowed:
                names = ", ".join(sorted(allowed))
                self.problem(where, f"unknown key {_shown(key)} (allowed: {names})")
        return value

    def items(self, value: Any, where: str) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(where, f"expected a list, got {_type_name(value)}")
            return []
        return value

    def text(
        self,
        data: dict,
        key: str,
        where: str,
        *,
        required: bool = False,
        max_length: int | None = None,
    ) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.problem(f"{where}.{key}", "is required")
            return ""
        if not isinstance(value, str):
            self.problem(f"{where}.{key}", f"expected text, got {_type_name(value)}")
            return ""
        value = value.strip()
        if required and not value:
            self.problem(f"{where}.{key}", "must not be empty")
        if max_length is not None and len(value) > max_length:
            self.problem(
                f"{where}.{key}", f"is {len(value)} characters long (max {max_length})"
            )
        if "\x00" in value:
            self.problem(f"{where}.{key}", "contains a null character")
        return value

    def slug(self, data: dict, where: str, key: str = "slug") -> str | None:
        value = data.get(key)
        if value is None:
            self.problem(f"{where}.{key}", "is required")
            return None
        if not isinstance(value, str) or not SLUG_RE.match(value):
            self.problem(
                f"{where}.{key}",
                f"{_shown(value)} is not a slug "
                "(lowercase letters, digits and hyphens)",
            )
            return None
        if len(value) > SLUG_MAX:
            self.problem(f"{where}.{key}", f"is longer than {SLUG_MAX} characters")
            return None
        return value

    def slugs(
        self, data: dict, key: str, where: str, *, required: bool = False
    ) -> list[str]:
        values = data.get(key)
        if values is None or values == []:
            if required:
                self.problem(f"{where}.{key}", "needs at least one entry")
            return []
        if not isinstance(values, list):
            self.problem(
                f"{where}.{key}", f"expected a list of slugs, got {_type_name(values)}"
            )
            return []
        result = []
        for value in values:
            if not isinstance(value, str) or not SLUG_RE.match(value):
                self.problem(f"{where}.{key}", f"{_shown(value)} is not a slug")
            elif value in result:
                self.problem(f"{where}.{key}", f"{_shown(value)} is listed twice")
            else:
                result.append(value)
        return result

    def choice(
        self,
        data: dict,
        key: str,
        where: str,
        choices: type[models.TextChoices],
        default: str | None = None,
    ) -> str:
        value = data.get(key, default)
        if value is None:
            self.problem(f"{where}.{key}", "is required")
            return ""
        if value not in choices.values:
            self.problem(
                f"{where}.{key}",
                f"{_shown(value)} is not one of: {', '.join(choices.values)}",
            )
            return ""
        return value

    def boolean(self, data: dict, key: str, where: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.problem(
                f"{where}.{key}", f"expected true or false, got {_shown(value)}"
            )
            return default
        return value

    def integer(
        self, data: dict, key: str, where: str, *, required: bool = False
    ) -> int | None:
        value = data.get(key)
        if value is None:
            if required:
                self.problem(f"{where}.{key}", "is required")
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.problem(
                f"{where}.{key}", f"expected a whole number >= 0: {_shown(value)}"
            )
            return None
        if value > 2_000_000_000:
            self.problem(f"{where}.{key}", f"{value} is too large")
            return None
        return value

    def date(self, data: dict, key: str, where: str) -> datetime.date | None:
        value = data.get(key)
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
        self.problem(f"{where}.{key}", f"{_shown(value)} is not a date (YYYY-MM-DD)")
        return None


def _type_name(value: Any) -> str:
    return {
        dict: "a mapping",
        list: "a list",
        str: "text",
        int: "a number",
        float: "a number",
        bool: "true/false",
        type(None): "nothing",
    }.get(type(value), type(value).__name__)


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
        data = yaml.load(raw, Loader=_YamlLoader)  # noqa: S506 (a SafeLoader subclass)
    except _AliasRefused as error:
        problems.append(f"{name}: {error}")
        return
    except yaml.YAMLError as error:
        message = " ".join(str(error).split())
        if len(message) > 300:  # PyYAML quotes a snippet of the line
            message = message[:297] + "..."
        problems.append(f"{name}: is not valid YAML: {message}")
        return
    reader = _Reader(name, problems)
    data = reader.mapping(
        data, "(file)", ["format", "sources", "resources", "skills", "roles"]
    )
    if data is None:
        return
    if data.get("format") != FORMAT_VERSION:
        reader.problem(
            "format", f"must be {FORMAT_VERSION}, got {_shown(data.get('format'))}"
        )
        return
    for index, item in enumerate(reader.items(data.get("sources"), "sources")):
        _read_source(reader, item, f"sources[{index}]", catalogue)
    for index, item in enumerate(reader.items(data.get("resources"), "resources")):
        _read_resource(reader, item, f"resources[{index}]", catalogue)
    for index, item in enumerate(reader.items(data.get("skills"), "skills")):
        _read_skill(reader, item, f"skills[{index}]", catalogue)
    for index, item in enumerate(reader.items(data.get("roles"), "roles")):
        _read_role(reader, item, f"roles[{index}]", catalogue)


def _label(where: str, slug: str | None) -> str:
    """`skills[3]` becomes `skills[databases-and-sql]` once the slug is known."""
    return re.sub(r"\[\d+\]$", f"[{slug}]", where) if slug else where


def _register(
    reader: _Reader,
    catalogue: Catalogue,
    kind: str,
    slug: str,
    item: dict,
    where: str,
) -> None:
    """Add an item; a repeated slug is allowed only for an identical definition."""
    store: dict[str, dict] = getattr(catalogue, kind)
    place = f"{reader.file}: {where}"
    if slug in store:
        if store[slug] != item:
            reader.problem(
                where,
                f"{kind[:-1]} {_shown(slug)} is already defined differently at "
                f"{catalogue.places[(kind, slug)]}",
            )
        return
    store[slug] = item
    catalogue.places[(kind, slug)] = place


def _read_source(reader: _Reader, raw: Any, where: str, catalogue: Catalogue) -> None:
    data = reader.mapping(
        raw,
        where,
        ["slug", "title", "file", "kind", "date", "summary", "published"],
    )
    if data is None:
        return
    slug = reader.slug(data, where)
    where = _label(where, slug)
    item = {
        "title": reader.text(data, "title", where, required=True, max_length=200),
        "file_name": reader.text(data, "file", where, required=True, max_length=200),
        "kind": reader.choice(data, "kind", where, Source.Kind),
        "published_on": reader.date(data, "date", where),
        "summary": reader.text(data, "summary", where),
        "is_published": reader.boolean(data, "published", where, True),
    }
    if slug:
        _register(reader, catalogue, "sources", slug, item, where)


def _read_resource(reader: _Reader, raw: Any, where: str, catalogue: Catalogue) -> None:
    data = reader.mapping(
        raw,
        where,
        ["slug", "title", "url", "kind", "free", "sources", "published"],
    )
    if data is None:
        return
    slug = reader.slug(data, where)
    where = _label(where, slug)
    url = reader.text(data, "url", where, required=True, max_length=500)
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            reader.problem(f"{where}.url", f"{_shown(url)} is not an http(s) URL")
    item = {
        "title": reader.text(data, "title", where, required=True, max_length=200),
        "url": url,
        "kind": reader.choice(data, "kind", where, Resource.Kind),
        "is_free": reader.boolean(data, "free", where, True),
        "sources": reader.slugs(data, "sources", where),
        "is_published": reader.boolean(data, "published", where, True),
        "where": where,
    }
    if slug:
        _register(reader, catalogue, "resources", slug, item, where)


def _read_skill(reader: _Reader, raw: Any, where: str, catalogue: Catalogue) -> None:
    data = reader.mapping(
        raw,
        where,
        ["slug", "name", "kind", "summary", "sources", "concepts", "published"],
    )
    if data is None:
        return
    slug = reader.slug(data, where)
    where = _label(where, slug)
    concepts = []
    for index, raw_concept in enumerate(
        reader.items(data.get("concepts"), f"{where}.concepts")
    ):
        concept_where = f"{where}.concepts[{index}]"
        concept = reader.mapping(
            raw_concept,
            concept_where,
            ["slug", "name", "kind", "summary", "sources", "published"],
        )
        if concept is None:
            continue
        concept_slug = reader.slug(concept, concept_where)
        concept_where = _label(concept_where, concept_slug)
        concept_item = {
            "skill": slug,
            "position": index,
            "name": reader.text(
                concept, "name", concept_where, required=True, max_length=200
            ),
            "kind": reader.choice(
                concept, "kind", concept_where, Concept.Kind, Concept.Kind.IDEA
            ),
            "summary": reader.text(concept, "summary", concept_where),
            "sources": reader.slugs(concept, "sources", concept_where, required=True),
            "is_published": reader.boolean(concept, "published", concept_where, True),
            "where": concept_where,
        }
        if concept_slug:
            concepts.append(concept_slug)
            _register(
                reader, catalogue, "concepts", concept_slug, concept_item, concept_where
            )
    item = {
        "name": reader.text(data, "name", where, required=True, max_length=200),
        "kind": reader.choice(data, "kind", where, Skill.Kind, Skill.Kind.TECHNICAL),
        "summary": reader.text(data, "summary", where),
        "sources": reader.slugs(data, "sources", where, required=True),
        "concepts": concepts,
        "is_published": reader.boolean(data, "published", where, True),
        "where": where,
    }
    if slug:
        _register(reader, catalogue, "skills", slug, item, where)


ROLE_KEYS = [
    "slug",
    "title",
    "tagline",
    "summary",
    "position",
    "sources",
    "salary",
    "facts",
    "skills",
    "stages",
    "published",
]


def _read_role(reader: _Reader, raw: Any, where: str, catalogue: Catalogue) -> None:
    data = reader.mapping(raw, where, ROLE_KEYS)
    if data is None:
        return
    slug = reader.slug(data, where)
    where = _label(where, slug)
    item = {
        "title": reader.text(data, "title", where, required=True, max_length=200),
        "tagline": reader.text(data, "tagline", where, max_length=300),
        "summary": reader.text(data, "summary", where),
        "position": reader.integer(data, "position", where) or 0,
        "sources": reader.slugs(data, "sources", where, required=True),
        "is_published": reader.boolean(data, "published", where, True),
        "salary": _read_salary(reader, data.get("salary"), f"{where}.salary"),
        "facts": _read_facts(reader, data.get("facts"), f"{where}.facts"),
        "skills": _read_role_skills(reader, data.get("skills"), f"{where}.skills"),
        "stages": _read_stages(reader, data.get("stages"), f"{where}.stages"),
        "where": where,
    }
    if slug:
        _register(reader, catalogue, "roles", slug, item, where)


def _read_salary(reader: _Reader, raw: Any, where: str) -> dict | None:
    if raw is None:
        return None
    data = reader.mapping(
        raw,
        where,
        ["amount", "currency", "period", "region", "cited", "as_of", "sources"],
    )
    if data is None:
        return None
    currency = reader.text(data, "currency", where, required=True)
    if currency and not re.fullmatch(r"[A-Z]{3}", currency):
        reader.problem(
            f"{where}.currency", f"{_shown(currency)} is not a code like USD"
        )
    return {
        "amount": reader.integer(data, "amount", where, required=True),
        "currency": currency,
        "period": reader.choice(data, "period", where, Role.SalaryPeriod),
        "region": reader.text(data, "region", where, max_length=100),
        "cited": reader.text(data, "cited", where, max_length=200),
        "as_of": reader.date(data, "as_of", where),
        "sources": reader.slugs(data, "sources", where, required=True),
    }


def _read_facts(reader: _Reader, raw: Any, where: str) -> list[dict]:
    if raw is None:
        return []
    data = reader.mapping(raw, where, RoleFact.Kind.values)
    if data is None:
        return []
    facts = []
    for kind in RoleFact.Kind.values:
        for index, raw_fact in enumerate(
            reader.items(data.get(kind), f"{where}.{kind}")
        ):
            fact_where = f"{where}.{kind}[{index}]"
            fact = reader.mapping(raw_fact, fact_where, ["text", "sources"])
            if fact is None:
                continue
            facts.append(
                {
                    "kind": kind,
                    "position": index,
                    "text": reader.text(fact, "text", fact_where, required=True),
                    "sources": reader.slugs(fact, "sources", fact_where, required=True),
                    "where": fact_where,
                }
            )
    return facts


def _read_role_skills(reader: _Reader, raw: Any, where: str) -> list[dict]:
    links = []
    seen = set()
    for index, raw_link in enumerate(reader.items(raw, where)):
        link_where = f"{where}[{index}]"
        link = reader.mapping(raw_link, link_where, ["skill", "importance"])
        if link is None:
            continue
        skill = reader.slug(link, link_where, key="skill")
        importance = reader.choice(link, "importance", link_where, RoleSkill.Importance)
        if skill in seen:
            reader.problem(f"{link_where}.skill", f"{_shown(skill)} is listed twice")
        elif skill:
            seen.add(skill)
            links.append(
                {
                    "skill": skill,
                    "importance": importance,
                    "position": index,
                    "where": link_where,
                }
            )
    return links


def _read_stages(reader: _Reader, raw: Any, where: str) -> list[dict]:
    stages = []
    seen: set[str] = set()
    for index, raw_stage in enumerate(reader.items(raw, where)):
        stage_where = f"{where}[{index}]"
        data = reader.mapping(
            raw_stage,
            stage_where,
            ["slug", "title", "summary", "sources", "steps", "published"],
        )
        if data is None:
            continue
        slug = reader.slug(data, stage_where)
        stage_where = _label(stage_where, slug)
        if slug in seen:
            reader.problem(f"{stage_where}.slug", f"stage {_shown(slug)} appears twice")
            continue
        seen.add(slug)
        steps = []
        for step_index, raw_step in enumerate(
            reader.items(data.get("steps"), f"{stage_where}.steps")
        ):
            step = _read_step(
                reader, raw_step, f"{stage_where}.steps[{step_index}]", step_index
            )
            if step:
                steps.append(step)
        stages.append(
            {
                "slug": slug,
                "position": index,
                "title": reader.text(
                    data, "title", stage_where, required=True, max_length=200
                ),
                "summary": reader.text(data, "summary", stage_where),
                "sources": reader.slugs(data, "sources", stage_where, required=True),
                "is_published": reader.boolean(data, "published", stage_where, True),
                "steps": steps,
                "where": stage_where,
            }
        )
    return stages


def _read_step(reader: _Reader, raw: Any, where: str, position: int) -> dict | None:
    data = reader.mapping(
        raw,
        where,
        [
            "slug",
            "title",
            "summary",
            "sources",
            "skills",
            "concepts",
            "prerequisites",
            "resources",
            "published",
        ],
    )
    if data is None:
        return None
    slug = reader.slug(data, where)
    where = _label(where, slug)
    if slug is None:
        return None
    return {
        "slug": slug,
        "position": position,
        "title": reader.text(data, "title", where, required=True, max_length=200),
        "summary": reader.text(data, "summary", where),
        "sources": reader.slugs(data, "sources", where, required=True),
        "skills": reader.slugs(data, "skills", where),
        "concepts": reader.slugs(data, "concepts", where),
        "prerequisites": reader.slugs(data, "prerequisites", where),
        "resources": reader.slugs(data, "resources", where),
        "is_published": reader.boolean(data, "published", where, True),
        "where": where,
    }


def _check_references(catalogue: Catalogue, problems: list[str]) -> None:
    """Every slug a file names must exist; step slugs are unique; no cycles."""

    def place(kind: str, slug: str) -> str:
        return catalogue.places[(kind, slug)].split(": ", 1)[0]

    def missing(file: str, where: str, values: list[str], pool: dict, noun: str):
        for value in values:
            if value not in pool:
                problems.append(f"{file}: {where}: unknown {noun} {_shown(value)}")

    for slug, resource in catalogue.resources.items():
        missing(
            place("resources", slug),
            f"{resource['where']}.sources",
            resource["sources"],
            catalogue.sources,
            "source",
        )
    for slug, skill in catalogue.skills.items():
        missing(
            place("skills", slug),
            f"{skill['where']}.sources",
            skill["sources"],
            catalogue.sources,
            "source",
        )
    for slug, concept in catalogue.concepts.items():
        missing(
            place("concepts", slug),
            f"{concept['where']}.sources",
            concept["sources"],
            catalogue.sources,
            "source",
        )

    steps: dict[str, tuple[str, dict]] = {}
    for role_slug, role in catalogue.roles.items():
        file = place("roles", role_slug)
        where = role["where"]
        missing(file, f"{where}.sources", role["sources"], catalogue.sources, "source")
        if role["salary"]:
            missing(
                file,
                f"{where}.salary.sources",
                role["salary"]["sources"],
                catalogue.sources,
                "source",
            )
        for fact in role["facts"]:
            missing(
                file,
                f"{fact['where']}.sources",
                fact["sources"],
                catalogue.sources,
                "source",
            )
        for link in role["skills"]:
            missing(
                file,
                f"{link['where']}.skill",
                [link["skill"]],
                catalogue.skills,
                "skill",
            )
        for stage in role["stages"]:
            missing(
                file,
                f"{stage['where']}.sources",
                stage["sources"],
                catalogue.sources,
                "source",
            )
            for step in stage["steps"]:
                if step["slug"] in steps:
                    other_file, other = steps[step["slug"]]
                    problems.append(
                        f"{file}: {step['where']}.slug: step {_shown(step['slug'])} is "
                        f"already used at {other_file}: {other['where']}"
                    )
                    continue
                steps[step["slug"]] = (file, step)
    for step_slug, (file, step) in steps.items():
        where = step["where"]
        missing(file, f"{where}.sources", step["sources"], catalogue.sources, "source")
        missing(file, f"{where}.skills", step["skills"], catalogue.skills, "skill")
        missing(
            file, f"{where}.concepts", step["concepts"], catalogue.concepts, "concept"
        )
        missing(
            file,
            f"{where}.resources",
            step["resources"],
            catalogue.resources,
            "resource",
        )
        missing(file, f"{where}.prerequisites", step["prerequisites"], steps, "step")
        if step_slug in step["prerequisites"]:
            problems.append(
                f"{file}: {where}.prerequisites: a step cannot be its own prerequisite"
            )
    if problems:
        return
    cycle = find_cycle(
        {slug: set(step["prerequisites"]) for slug, (_, step) in steps.items()}
    )
    if cycle:
        file, step = steps[cycle[0]]
        problems.append(
            f"{file}: {step['where']}.prerequisites: prerequisite cycle: "
            + " -> ".join(cycle)
        )


# --- Loading --------------------------------------------------------------------


@dataclass
class LoadReport:
    counts: dict[str, Counter] = field(
        default_factory=lambda: {kind: Counter() for kind in KINDS}
    )

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
    catalogue: Catalogue, *, retire: bool = True, dry_run: bool = False
) -> LoadReport:
    """Upsert the catalogue by slug in one transaction and report what changed."""
    report = LoadReport()
    try:
        with transaction.atomic():
            _Loader(catalogue, report, retire=retire).run()
            if dry_run:
                raise _DryRun
            page_cache.content_changed()
    except _DryRun:
        pass
    return report


class _Loader:
    def __init__(self, catalogue: Catalogue, report: LoadReport, *, retire: bool):
        self.catalogue = catalogue
        self.report = report
        self.retire = retire
        self.source_ids: dict[str, int] = {}
        # kind -> item key -> "created" | "updated" | "unchanged"
        self.outcomes: dict[str, dict[Any, str]] = {kind: {} for kind in KINDS}

    def run(self) -> None:
        self.load()
        for kind, outcomes in self.outcomes.items():
            self.report.counts[kind].update(outcomes.values())

    def load(self) -> None:
        c = self.catalogue
        sources = self.upsert(Source, "sources", c.sources, self.source_fields)
        self.source_ids = {slug: obj.pk for slug, obj in sources.items()}

        resources = self.upsert(Resource, "resources", c.resources, self.plain_fields)
        self.sync_m2m(
            Resource.sources,
            "resources",
            resources,
            c.resources,
            "sources",
            self.source_ids,
        )

        skills = self.upsert(Skill, "skills", c.skills, self.plain_fields)
        self.sync_m2m(
            Skill.sources, "skills", skills, c.skills, "sources", self.source_ids
        )
        skill_ids = {slug: obj.pk for slug, obj in skills.items()}

        def concept_fields(item: dict) -> dict:
            fields = self.plain_fields(item)
            fields["skill_id"] = skill_ids[fields.pop("skill")]
            return fields

        concepts = self.upsert(Concept, "concepts", c.concepts, concept_fields)
        self.sync_m2m(
            Concept.sources,
            "concepts",
            concepts,
            c.concepts,
            "sources",
            self.source_ids,
        )

        roles = self.upsert(Role, "roles", c.roles, self.role_fields)
        self.sync_m2m(Role.sources, "roles", roles, c.roles, "sources", self.source_ids)
        salary_sources = {
            slug: {"sources": (role["salary"] or {}).get("sources", [])}
            for slug, role in c.roles.items()
        }
        self.sync_m2m(
            Role.salary_sources,
            "roles",
            roles,
            salary_sources,
            "sources",
            self.source_ids,
        )
        for slug, role in roles.items():
            facts_changed = self.sync_facts(role, c.roles[slug]["facts"])
            links_changed = self.sync_role_skills(
                role, c.roles[slug]["skills"], skill_ids
            )
            if facts_changed or links_changed:
                self.mark_updated("roles", slug)

        stage_items = {
            (role_slug, stage["slug"]): {**stage, "role_id": roles[role_slug].pk}
            for role_slug, role in c.roles.items()
            for stage in role["stages"]
        }
        stages = self.upsert(
            Stage,
            "stages",
            stage_items,
            self.stage_fields,
            key=lambda obj: (obj.role.slug, obj.slug),
            queryset=Stage.objects.select_related("role"),
        )
        self.sync_m2m(
            Stage.sources, "stages", stages, stage_items, "sources", self.source_ids
        )

        step_items = {
            step["slug"]: {**step, "stage_id": stages[(role_slug, stage["slug"])].pk}
            for role_slug, role in c.roles.items()
            for stage in role["stages"]
            for step in stage["steps"]
        }
        steps = self.upsert(LearningStep, "steps", step_items, self.step_fields)
        step_ids = {slug: obj.pk for slug, obj in steps.items()}
        concept_ids = {slug: obj.pk for slug, obj in concepts.items()}
        resource_ids = {slug: obj.pk for slug, obj in resources.items()}
        for descriptor, key, ids in (
            (LearningStep.sources, "sources", self.source_ids),
            (LearningStep.skills, "skills", skill_ids),
            (LearningStep.concepts, "concepts", concept_ids),
            (LearningStep.resources, "resources", resource_ids),
            (LearningStep.prerequisites, "prerequisites", step_ids),
        ):
            self.sync_m2m(descriptor, "steps", steps, step_items, key, ids)

    # Field mappings from validated items to model fields.

    @staticmethod
    def plain_fields(item: dict) -> dict:
        skip = {"where", "sources", "concepts"}
        return {key: value for key, value in item.items() if key not in skip}

    def source_fields(self, item: dict) -> dict:
        return dict(item)

    @staticmethod
    def role_fields(item: dict) -> dict:
        salary = item["salary"] or {}
        return {
            "title": item["title"],
            "tagline": item["tagline"],
            "summary": item["summary"],
            "position": item["position"],
            "is_published": item["is_published"],
            "salary_amount": salary.get("amount"),
            "salary_currency": salary.get("currency", ""),
            "salary_period": salary.get("period", ""),
            "salary_region": salary.get("region", ""),
            "salary_cited": salary.get("cited", ""),
            "salary_as_of": salary.get("as_of"),
        }

    @staticmethod
    def stage_fields(item: dict) -> dict:
        return {
            "role_id": item["role_id"],
            "slug": item["slug"],
            "title": item["title"],
            "summary": item["summary"],
            "position": item["position"],
            "is_published": item["is_published"],
        }

    @staticmethod
    def step_fields(item: dict) -> dict:
        return {
            "stage_id": item["stage_id"],
            "title": item["title"],
            "summary": item["summary"],
            "position": item["position"],
            "is_published": item["is_published"],
        }

    # Generic upsert, retire and many-to-many sync.

    def upsert(
        self,
        model: type[models.Model],
        kind: str,
        items: dict,
        to_fields: Callable[[dict], dict],
        *,
        key: Callable[[Any], Any] = lambda obj: obj.slug,
        queryset: models.QuerySet | None = None,
    ) -> dict:
        existing = {key(obj): obj for obj in (queryset or model.objects.all())}
        result = {}
        for item_key, item in items.items():
            fields = to_fields(item)
            obj = existing.get(item_key)
            if obj is None:
                slug_field = {} if "slug" in fields else {"slug": item_key}
                obj = model.objects.create(**slug_field, **fields)
                self.outcomes[kind][item_key] = "created"
            else:
                changed = [
                    name
                    for name, value in fields.items()
                    if getattr(obj, name) != value
                ]
                if changed:
                    for name in changed:
                        setattr(obj, name, fields[name])
                    obj.save(update_fields=[*changed, "updated_at"])
                    self.outcomes[kind][item_key] = "updated"
                else:
                    self.outcomes[kind][item_key] = "unchanged"
            result[item_key] = obj
        if self.retire:
            missing = [
                obj.pk
                for item_key, obj in existing.items()
                if item_key not in items and obj.is_published
            ]
            if missing:
                model.objects.filter(pk__in=missing).update(is_published=False)
                self.report.add(kind, "retired", len(missing))
        return result

    def mark_updated(self, kind: str, item_key: Any) -> None:
        """A related row changed: an unchanged item counts as updated."""
        if self.outcomes[kind].get(item_key) == "unchanged":
            self.outcomes[kind][item_key] = "updated"

    def sync_m2m(
        self,
        descriptor,
        kind: str,
        objects: dict,
        items: dict,
        key: str,
        target_ids: dict[Any, int],
    ) -> None:
        """Make each object's links equal to its item's list, in bulk."""
        through = descriptor.through
        owner_field = descriptor.field.m2m_field_name() + "_id"
        target_field = descriptor.field.m2m_reverse_field_name() + "_id"
        owners = {obj.pk: item_key for item_key, obj in objects.items()}
        current: dict[int, set[int]] = defaultdict(set)
        for owner_id, target_id in through.objects.filter(
            **{f"{owner_field}__in": list(owners)}
        ).values_list(owner_field, target_field):
            current[owner_id].add(target_id)
        to_delete: list[tuple[int, set[int]]] = []
        to_create = []
        for owner_id, item_key in owners.items():
            wanted = {target_ids[slug] for slug in items[item_key][key]}
            have = current.get(owner_id, set())
            if wanted == have:
                continue
            if have - wanted:
                to_delete.append((owner_id, have - wanted))
            to_create.extend(
                through(**{owner_field: owner_id, target_field: target_id})
                for target_id in wanted - have
            )
            self.mark_updated(kind, item_key)
        for owner_id, targets in to_delete:
            through.objects.filter(
                **{owner_field: owner_id, f"{target_field}__in": targets}
            ).delete()
        through.objects.bulk_create(to_create)

    def sync_facts(self, role: Role, facts: list[dict]) -> bool:
        """Replace a role's facts when they differ (facts hold no learner data)."""
        existing = [
            (fact.kind, fact.position, fact.text, {s.pk for s in fact.sources.all()})
            for fact in role.facts.order_by("kind", "position").prefetch_related(
                "sources"
            )
        ]
        wanted = [
            (
                fact["kind"],
                fact["position"],
                fact["text"],
                {self.source_ids[s] for s in fact["sources"]},
            )
            for fact in facts
        ]
        if sorted(existing, key=_fact_key) == sorted(wanted, key=_fact_key):
            return False
        role.facts.all().delete()
        for kind, position, text, source_ids in wanted:
            fact = RoleFact.objects.create(
                role=role, kind=kind, position=position, text=text
            )
            fact.sources.set(source_ids)
        return True

    def sync_role_skills(
        self, role: Role, links: list[dict], skill_ids: dict[str, int]
    ) -> bool:
        """Make the role's skill links match; links hold no learner data."""
        existing = {link.skill_id: link for link in role.role_skills.all()}
        wanted = {skill_ids[link["skill"]]: link for link in links}
        changed = False
        for skill_id, link in wanted.items():
            current = existing.get(skill_id)
            if current is None:
                RoleSkill.objects.create(
                    role=role,
                    skill_id=skill_id,
                    importance=link["importance"],
                    position=link["position"],
                )
                changed = True
            elif (current.importance, current.position) != (
                link["importance"],
                link["position"],
            ):
                current.importance = link["importance"]
                current.position = link["position"]
                current.save(update_fields=["importance", "position"])
                changed = True
        stale = [
            link.pk for skill_id, link in existing.items() if skill_id not in wanted
        ]
        if stale:
            RoleSkill.objects.filter(pk__in=stale).delete()
            changed = True
        return changed


def _fact_key(fact: tuple) -> tuple:
    kind, position, text, sources = fact
    return (kind, position, text, sorted(sources))


# --- Exporting ------------------------------------------------------------------


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


def _slugs(objects: Iterable[models.Model]) -> list[str]:
    return sorted(obj.slug for obj in objects)


def _with_optional(item: dict, **optional: Any) -> dict:
    """Add keys whose value differs from the format's default."""
    for key, value in optional.items():
        if key == "published":
            if value is False:
                item[key] = False
        elif value not in (None, "", []):
            item[key] = value
    return item


def export_role(slug: str) -> dict:
    """A role and everything it refers to, in the content file format."""
    role = (
        Role.objects.prefetch_related(
            "sources",
            "salary_sources",
            models.Prefetch(
                "facts", queryset=RoleFact.objects.prefetch_related("sources")
            ),
            models.Prefetch(
                "role_skills", queryset=RoleSkill.objects.select_related("skill")
            ),
            models.Prefetch(
                "stages",
                queryset=Stage.objects.prefetch_related(
                    "sources",
                    models.Prefetch(
                        "steps",
                        queryset=LearningStep.objects.prefetch_related(
                            "sources",
                            "skills",
                            "concepts",
                            "prerequisites",
                            "resources",
                        ),
                    ),
                ),
            ),
        )
        .filter(slug=slug)
        .first()
    )
    if role is None:
        raise Role.DoesNotExist(f"no role with slug {slug!r}")

    stages = list(role.stages.all())
    steps = [step for stage in stages for step in stage.steps.all()]
    skill_ids = [link.skill_id for link in role.role_skills.all()]
    for step in steps:
        skill_ids.extend(skill.pk for skill in step.skills.all())
        skill_ids.extend(concept.skill_id for concept in step.concepts.all())
    ordered_skill_ids = list(dict.fromkeys(skill_ids))
    skills = {
        skill.pk: skill
        for skill in Skill.objects.filter(pk__in=ordered_skill_ids).prefetch_related(
            "sources",
            models.Prefetch(
                "concepts", queryset=Concept.objects.prefetch_related("sources")
            ),
        )
    }
    resources = {
        resource.pk: resource for step in steps for resource in step.resources.all()
    }
    resource_objects = Resource.objects.filter(pk__in=resources).prefetch_related(
        "sources"
    )

    used_sources: set[int] = set()

    def cite(objects: Iterable[Source]) -> list[str]:
        objects = list(objects)
        used_sources.update(source.pk for source in objects)
        return [source.slug for source in sorted(objects, key=lambda s: s.file_name)]

    role_data = _with_optional(
        {"slug": role.slug, "title": role.title},
        tagline=role.tagline,
        summary=role.summary,
        position=role.position or None,
        published=role.is_published,
    )
    role_data["sources"] = cite(role.sources.all())
    if role.salary_amount is not None:
        role_data["salary"] = _with_optional(
            {
                "amount": role.salary_amount,
                "currency": role.salary_currency,
                "period": role.salary_period,
            },
            region=role.salary_region,
            cited=role.salary_cited,
            as_of=role.salary_as_of,
            sources=cite(role.salary_sources.all()),
        )
    facts: dict[str, list[dict]] = {}
    for fact in sorted(role.facts.all(), key=lambda f: (f.kind, f.position)):
        facts.setdefault(fact.kind, []).append(
            {"text": fact.text, "sources": cite(fact.sources.all())}
        )
    if facts:
        role_data["facts"] = {
            kind: facts[kind] for kind in RoleFact.Kind.values if kind in facts
        }
    role_data["skills"] = [
        {"skill": link.skill.slug, "importance": link.importance}
        for link in sorted(role.role_skills.all(), key=lambda link: link.position)
    ]
    role_data["stages"] = [
        _with_optional(
            {"slug": stage.slug, "title": stage.title},
            summary=stage.summary,
            sources=cite(stage.sources.all()),
            published=stage.is_published,
        )
        | {
            "steps": [
                _with_optional(
                    {"slug": step.slug, "title": step.title},
                    summary=step.summary,
                    sources=cite(step.sources.all()),
                    skills=_slugs(step.skills.all()),
                    concepts=_slugs(step.concepts.all()),
                    prerequisites=_slugs(step.prerequisites.all()),
                    resources=_slugs(step.resources.all()),
                    published=step.is_published,
                )
                for step in stage.steps.all()
            ]
        }
        for stage in stages
    ]

    skills_data = []
    for skill_id in ordered_skill_ids:
        skill = skills[skill_id]
        skill_data = _with_optional(
            {"slug": skill.slug, "name": skill.name, "kind": skill.kind},
            summary=skill.summary,
            sources=cite(skill.sources.all()),
            published=skill.is_published,
        )
        skill_data["concepts"] = [
            _with_optional(
                {"slug": concept.slug, "name": concept.name, "kind": concept.kind},
                summary=concept.summary,
                sources=cite(concept.sources.all()),
                published=concept.is_published,
            )
            for concept in skill.concepts.all()
        ]
        skills_data.append(skill_data)

    resources_data = [
        _with_optional(
            {
                "slug": resource.slug,
                "title": resource.title,
                "url": resource.url,
                "kind": resource.kind,
                "free": resource.is_free,
            },
            sources=cite(resource.sources.all()),
            published=resource.is_published,
        )
        for resource in resource_objects
    ]

    sources_data = [
        _with_optional(
            {
                "slug": source.slug,
                "title": source.title,
                "file": source.file_name,
                "kind": source.kind,
            },
            date=source.published_on,
            summary=source.summary,
            published=source.is_published,
        )
        for source in Source.objects.filter(pk__in=used_sources)
    ]
    return {
        "format": FORMAT_VERSION,
        "sources": sources_data,
        "resources": resources_data,
        "skills": skills_data,
        "roles": [role_data],
    }
