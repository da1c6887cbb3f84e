"""The content file format, field by field: the one place that says what a file holds.

Reading and validating (`reading`), loading (`loading`), exporting (`exporting`) and
the field tables of docs/content-format.md all follow these lists.
A new content field is one more `Field` in its kind, next to its model field; the
limits (`max_length`, choices, URL schemes) and defaults are read from the model.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models

from roadmap.models import (
    ChoiceGroup,
    Concept,
    Content,
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
INTEGER_MAX = 2_000_000_000

# Field types. A value in the file...
TEXT = "text"  # ...is text, stripped
URL = "url"  # ...is text that is a URL of one of the model field's schemes
SLUG = "slug"  # ...is the item's slug, its identity
CHOICE = "choice"  # ...is one of the model field's choices
BOOLEAN = "boolean"  # ...is true or false
DATE = "date"  # ...is a date, YYYY-MM-DD
INTEGER = "integer"  # ...is a whole number from 0 to INTEGER_MAX
REFERENCE = "reference"  # ...is the slug of an item of kind `to`
REFERENCES = "references"  # ...is a list of slugs of items of kind `to`
MAPPING = "mapping"  # ...is a mapping of the fields of kind `of`, stored on this row
ITEMS = "items"  # ...is an ordered list of items of kind `of`
GROUPS = "groups"  # ...maps each choice of `of.group` to an ordered list of `of`
MONTH = "month"  # ...is a month, YYYY-MM (stored as the month's first day)
DOCUMENT = "document"  # ...names a text file in the `sources/` folder beside the file
QUOTES = "quotes"  # ...maps each of the item's `cites` slugs to a passage of it
MEMBERS = "members"  # ...is a list of slugs among the enclosing item's `within` list

# A quote is a sentence or a list line; a document is a few pages.
QUOTE_MAX_LENGTH = 500
DOCUMENT_MAX_BYTES = 1_000_000
DOCUMENT_FOLDER = "sources"
DOCUMENT_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,150}\.(?:txt|md)$")

NESTED = frozenset({MAPPING, ITEMS, GROUPS})


@dataclass(frozen=True)
class Field:
    """One key of a content file and the model field it fills."""

    key: str
    type: str
    name: str = ""  # the model field (for MAPPING, ITEMS, GROUPS: the item's key)
    required: bool = False
    doc: str = ""  # what the field means; else the model field's help_text
    to: str = ""  # REFERENCE(S): the name of the kind referred to
    of: Kind | None = None  # MAPPING, ITEMS, GROUPS: the nested kind
    pattern: str = ""  # TEXT: a regular expression the whole value must match...
    pattern_doc: str = ""  # ...and what it asks for, as messages say it
    explicit: bool = False  # exports write it even when it holds its default
    acyclic: bool = False  # REFERENCES to its own kind: no item reaches itself
    cites: str = ""  # QUOTES: the key of the item's sources (REFERENCES to sources)
    text: str = ""  # DOCUMENT: the model field that keeps the file's text
    within: str = ""  # MEMBERS: the enclosing item's field listing the candidates
    at_most: str = ""  # INTEGER: at most the number of entries of this item's field
    requires: str = ""  # given only with this item's field of that key
    model: type[models.Model] | None = None  # set by the kind

    def __post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", self.key)

    @property
    def model_field(self) -> models.Field:
        return self.model._meta.get_field(self.name)

    @property
    def max_length(self) -> int | None:
        if self.type == QUOTES:
            return QUOTE_MAX_LENGTH
        if self.pattern or self.type in NESTED | {REFERENCES, MEMBERS, MONTH}:
            return None
        if self.type == REFERENCE:
            return self.model_field.related_model._meta.get_field("slug").max_length
        return self.model_field.max_length

    @property
    def minimum(self) -> int:
        """INTEGER: the smallest value, from the model field's validators."""
        limits = [
            v.limit_value
            for v in self.model_field.validators
            if isinstance(v, MinValueValidator)
        ]
        return max([0, *limits])

    @property
    def maximum(self) -> int:
        """INTEGER: the largest value, from the model field's validators."""
        limits = [
            v.limit_value
            for v in self.model_field.validators
            if isinstance(v, MaxValueValidator)
        ]
        return min([INTEGER_MAX, *limits])

    @property
    def choices(self) -> list[str]:
        return [value for value, _label in self.model_field.choices]

    @property
    def schemes(self) -> list[str]:
        """URL schemes every URLValidator of the model field accepts."""
        allowed: list[str] | None = None
        for validator in self.model_field.validators:
            if isinstance(validator, URLValidator):
                schemes = list(validator.schemes)
                if allowed is not None:
                    schemes = [s for s in allowed if s in schemes]
                allowed = schemes
        return allowed or []

    @property
    def empty(self) -> Any:
        """The model's value when the file says nothing (its MAPPING is absent)."""
        if self.type in (REFERENCES, MEMBERS, ITEMS):
            return []
        if self.type == GROUPS:
            return {}
        if self.type == MAPPING:
            return None
        if self.type == QUOTES:
            return {}
        return self.model_field.get_default()

    @property
    def default(self) -> Any:
        """What an omitted key means; None for a required one."""
        if self.required:
            return None
        if self.type == CHOICE and not self.model_field.has_default():
            raise TypeError(f"{self.key}: an optional choice needs a model default")
        return self.empty

    @property
    def meaning(self) -> str:
        if self.doc or self.type in NESTED:
            return self.doc
        return str(self.model_field.help_text)


@dataclass(frozen=True)
class Kind:
    """A kind of item: its fields in file order and where its rows live."""

    name: str  # the file's list, the catalogue's store, the load report's line
    noun: str  # one item, as messages say it
    model: type[models.Model]
    fields: tuple[Field, ...]
    doc: str = ""
    parent: str = ""  # nested kinds: the model's foreign key to the enclosing row
    key: tuple[str, ...] = ("slug",)  # model attnames that identify a row
    group: str = ""  # GROUPS: the choice field whose values key the lists
    catalogued: bool = False  # kept by slug; a copy in another file must be equal
    order: str = "slug"  # exports list references to this kind in this order
    listed_by_use: bool = False  # exports list these in the order the role uses them

    def __post_init__(self) -> None:
        fields = tuple(replace(f, model=self.model) for f in self.fields)
        object.__setattr__(self, "fields", fields)

    @property
    def keys(self) -> list[str]:
        """The keys a file may give an item of this kind."""
        return [f.key for f in self.fields]

    @property
    def group_field(self) -> Field:
        return Field(self.group, CHOICE, model=self.model)

    @property
    def slug_field(self) -> Field | None:
        return next((f for f in self.fields if f.type == SLUG), None)

    @property
    def is_content(self) -> bool:
        """Content rows are retired, never deleted; other rows hold no learner data."""
        return issubclass(self.model, Content)

    @property
    def parent_attname(self) -> str:
        return self.model._meta.get_field(self.parent).attname

    @property
    def related_name(self) -> str:
        """The enclosing row's accessor for these rows (`skill.concepts`)."""
        return self.model._meta.get_field(self.parent).remote_field.get_accessor_name()

    @property
    def unique_in_list(self) -> Field | None:
        """The field no two items of one enclosing list may share, if any."""
        if self.parent and len(self.key) == 2 and self.key[0] == self.parent_attname:
            return next(
                f for f in self.fields if self.key[1] in (f.name, f"{f.name}_id")
            )
        return None

    @property
    def unique_everywhere(self) -> bool:
        """Nested, not catalogued, and slugs unique across every file (steps)."""
        return bool(self.parent) and not self.catalogued and self.key == ("slug",)


@dataclass(frozen=True)
class Document:
    """A DOCUMENT field's value: the file's name and its text."""

    name: str
    text: str


def flatten(kind: Kind, item: dict | None) -> Iterator[tuple[Field, Any]]:
    """The item's stored fields and values, a MAPPING's fields included."""
    for f in kind.fields:
        if f.type == MAPPING:
            yield from flatten(f.of, item[f.name] if item else None)
        elif f.type not in NESTED:
            yield f, (item[f.name] if item else f.empty)


def stored(f: Field, value: Any) -> dict[str, Any]:
    """The model fields a field's value is stored in, and their values."""
    if f.type == DOCUMENT:
        document = value or Document("", "")
        return {f.name: document.name, f.text: document.text}
    return {f.name: value}


# --- The kinds -------------------------------------------------------------------

SLUG_FIELD = Field(
    "slug",
    SLUG,
    required=True,
    doc="The item's identity: progress, links and references follow it. Rename "
    "the title freely; keep the slug.",
)
SOURCES_FIELD = Field(
    "sources",
    REFERENCES,
    required=True,
    to="sources",
    doc="The seed documents this item came from.",
)
PUBLISHED = Field(
    "published",
    BOOLEAN,
    "is_published",
    doc="`false` marks a draft: only staff see it.",
)
SUMMARY = Field("summary", TEXT, doc="Plain text; blank lines separate paragraphs.")
QUOTES_FIELD = Field(
    "quotes",
    QUOTES,
    cites="sources",
    doc="For each source in `sources` (by slug), the passage the item rests on, "
    "word for word: a sentence or a list line of the source's text; or a list of "
    "such passages where the item rests on several of one source. The loader "
    "refuses a quote that does not occur in it (only whitespace and typographic "
    "quotes may differ).",
)
EDITORIAL = Field(
    "editorial",
    TEXT,
    doc="Waymark's own note: what it adds beyond the sources (a definition, "
    "advice). Shown apart from the sourced text and labelled as Waymark's.",
)
EFFORT_REASON = Field(
    "effort_reason",
    TEXT,
    requires="effort",
    doc='One line on what the estimate counts ("the official tutorial, then a '
    'small app of your own"), shown beside it.',
)

SOURCES = Kind(
    "sources",
    "source",
    Source,
    (
        SLUG_FIELD,
        Field("title", TEXT, required=True, doc="The document's title."),
        Field(
            "file",
            DOCUMENT,
            "file_name",
            required=True,
            text="text",
            doc="The document's text file, in the `sources/` folder beside the "
            "content file (UTF-8; a leading `---` front-matter block is left out).",
        ),
        Field("kind", CHOICE, required=True, doc="What sort of document it is."),
        Field(
            "date",
            DATE,
            "published_on",
            doc="The date the document gives (a front matter's `date:`), shown as "
            '"dated": not every document says it is a publication date.',
        ),
        Field("summary", TEXT, doc="What the document covers."),
        PUBLISHED,
    ),
    doc="The seed documents that content was taken from.",
    catalogued=True,
    order="file_name",
)

RESOURCES = Kind(
    "resources",
    "resource",
    Resource,
    (
        SLUG_FIELD,
        Field("title", TEXT, required=True, doc="The link's text."),
        Field("url", URL, required=True, doc="Only links known to exist."),
        Field("kind", CHOICE, required=True, doc="What sort of resource it is."),
        Field(
            "free",
            BOOLEAN,
            "is_free",
            doc="`true` only where the resource is free of charge; pages say "
            "nothing otherwise.",
        ),
        replace(
            SOURCES_FIELD,
            required=False,
            doc="The seed documents that named what the resource covers. None for "
            "a resource Waymark adds of its own: pages label it so.",
        ),
        QUOTES_FIELD,
        EDITORIAL,
        PUBLISHED,
    ),
    doc="Curated links that help with a learning step.",
    catalogued=True,
)

CONCEPTS = Kind(
    "concepts",
    "concept",
    Concept,
    (
        SLUG_FIELD,
        Field("name", TEXT, required=True, doc="The concept's name."),
        Field("kind", CHOICE, explicit=True, doc="What sort of concept it is."),
        Field("summary", TEXT, doc="One or two sentences."),
        Field(
            "effort",
            INTEGER,
            "effort_hours",
            doc="Waymark's estimate in hours, shown as \"Waymark's estimate: about "
            'N h (reason)" and used in plans. Omitted: the page says "no estimate '
            "yet\" and plans count the kind's default (idea 1, technology 3, tool 2, "
            "practice 2) as a guess.",
        ),
        EFFORT_REASON,
        EDITORIAL,
        SOURCES_FIELD,
        QUOTES_FIELD,
        PUBLISHED,
    ),
    doc="Things to understand or technologies to know, in order within one skill.",
    parent="skill",
    catalogued=True,
)


def _choice_kind(name: str, parent: str, members: str) -> Kind:
    """A skill's or a stage's choice groups: "any N of these" among its items."""
    noun = BY_MEMBER_NOUN[members]
    return Kind(
        name,
        "choice group",
        ChoiceGroup,
        (
            Field(
                "slug",
                SLUG,
                required=True,
                doc=f"The group's identity within its {parent}.",
            ),
            Field(
                "title",
                TEXT,
                required=True,
                doc='What is chosen, in a few words ("Backend language").',
            ),
            Field(
                "pick",
                INTEGER,
                required=True,
                at_most="members",
                doc="How many of the members meet the group: a learner who has "
                "done that many has met it, and the rest are optional.",
            ),
            Field(
                "members",
                MEMBERS,
                members,
                required=True,
                to=members,
                within=members,
                doc=f"The {noun}s to choose among, by slug: {noun}s of this "
                f"{parent}, each in at most one of its groups.",
            ),
            EDITORIAL,
            replace(
                SOURCES_FIELD,
                required=False,
                doc="The seed documents that offer the choice.",
            ),
            replace(
                QUOTES_FIELD,
                doc="For each source in `sources`, the passage that offers the "
                'choice ("one or more backend languages"), word for word. A '
                "group gives a quote or Waymark's note (`editorial`) saying why.",
            ),
        ),
        doc=f"Alternatives among a {parent}'s {noun}s: any `pick` of the members "
        'meet the group. Pages show it as a choice ("Pick 1 of 8").',
        parent=parent,
        key=(f"{parent}_id", "slug"),
    )


BY_MEMBER_NOUN = {"concepts": "concept", "steps": "step"}

CONCEPT_CHOICES = _choice_kind("concept_choices", "skill", "concepts")


SKILLS = Kind(
    "skills",
    "skill",
    Skill,
    (
        SLUG_FIELD,
        Field("name", TEXT, required=True, doc="The skill's name."),
        Field("kind", CHOICE, explicit=True, doc="Soft skills are `soft`."),
        Field("summary", TEXT, doc="One or two sentences."),
        EDITORIAL,
        SOURCES_FIELD,
        QUOTES_FIELD,
        PUBLISHED,
        Field(
            "concepts",
            ITEMS,
            of=CONCEPTS,
            explicit=True,
            doc="The skill's concepts, in order; a concept belongs to one skill.",
        ),
        Field(
            "choices",
            ITEMS,
            of=CONCEPT_CHOICES,
            doc="Groups of alternatives among the skill's concepts; see Choice groups.",
        ),
    ),
    doc="Skills, shared by every role that needs them.",
    catalogued=True,
    listed_by_use=True,
)

SALARY = Kind(
    "salary",
    "salary",
    Role,
    (
        # A salary needs an amount, a currency and a period, or none of them.
        Field("amount", INTEGER, "salary_amount", required=True, doc="The figure."),
        Field(
            "currency",
            TEXT,
            "salary_currency",
            required=True,
            pattern=r"[A-Z]{3}",
            pattern_doc="a code like USD",
            doc="The currency's ISO 4217 code.",
        ),
        Field("period", CHOICE, "salary_period", required=True, doc="Per what."),
        Field("region", TEXT, "salary_region", doc="Where the figure applies."),
        Field("cited", TEXT, "salary_cited"),
        Field(
            "as_of",
            MONTH,
            "salary_as_of",
            doc="The month the figure is for, as the source gives it.",
        ),
        replace(
            SOURCES_FIELD,
            name="salary_sources",
            doc="The seed documents that give the figure.",
        ),
        replace(
            QUOTES_FIELD,
            name="salary_quotes",
            doc="For each source of the figure, the passage that gives it.",
        ),
    ),
    doc="A role's typical salary, as a source gives it.",
)

FACTS = Kind(
    "facts",
    "fact",
    RoleFact,
    (
        Field("text", TEXT, required=True, doc="One sentence."),
        EDITORIAL,
        SOURCES_FIELD,
        QUOTES_FIELD,
    ),
    doc="What the sources say about a role, by kind; each list is ordered.",
    parent="role",
    key=("role_id", "kind", "position"),
    group="kind",
)

ROLE_SKILLS = Kind(
    "role_skills",
    "role skill",
    RoleSkill,
    (
        Field(
            "skill",
            REFERENCE,
            required=True,
            to="skills",
            doc="The skill's slug; a role lists a skill once.",
        ),
        Field("importance", CHOICE, required=True, doc="How much the role needs it."),
        Field(
            "importance_basis",
            CHOICE,
            doc="`sources` where the seed documents rank the skill (the skill's "
            "`quotes` hold the passage, e.g. the skill listed under a source's core "
            "skills); `waymark` (the default) where they do not, and pages label the "
            "importance as Waymark's judgement.",
        ),
    ),
    doc="The skills a role needs, in order.",
    parent="role",
    key=("role_id", "skill_id"),
)

STEPS = Kind(
    "steps",
    "step",
    LearningStep,
    (
        SLUG_FIELD,
        Field("title", TEXT, required=True, doc="What to do, in a few words."),
        Field("summary", TEXT, doc="One or two paragraphs."),
        Field(
            "effort",
            INTEGER,
            "effort_hours",
            doc="Waymark's estimate in hours of the step's own work (its exercise "
            "or project; the concepts it covers carry their own), shown as "
            '"Waymark\'s estimate: about N h (reason)" and used in plans. Omitted: '
            'the page says "no estimate yet" and plans count 4 as a guess.',
        ),
        EFFORT_REASON,
        EDITORIAL,
        SOURCES_FIELD,
        QUOTES_FIELD,
        Field("skills", REFERENCES, to="skills", doc="The skills the step builds."),
        Field(
            "concepts",
            REFERENCES,
            to="concepts",
            doc="The concepts the step covers.",
        ),
        Field(
            "prerequisites",
            REFERENCES,
            to="steps",
            acyclic=True,
            doc="Steps to finish first: the order Waymark suggests (the sources do "
            'not order steps), labelled "Order suggested by Waymark" on the pages.',
        ),
        Field("resources", REFERENCES, to="resources", doc="Links that help."),
        PUBLISHED,
    ),
    doc="The things to do, in order within a stage. Step slugs are unique across "
    "all files.",
    parent="stage",
)

STEP_CHOICES = _choice_kind("step_choices", "stage", "steps")

STAGES = Kind(
    "stages",
    "stage",
    Stage,
    (
        SLUG_FIELD,
        Field("title", TEXT, required=True, doc="The stage's title."),
        Field("summary", TEXT, doc="One paragraph."),
        EDITORIAL,
        SOURCES_FIELD,
        QUOTES_FIELD,
        PUBLISHED,
        Field(
            "steps", ITEMS, of=STEPS, explicit=True, doc="The stage's steps, in order."
        ),
        Field(
            "choices",
            ITEMS,
            of=STEP_CHOICES,
            doc="Groups of alternatives among the stage's steps; see Choice groups.",
        ),
    ),
    doc="The parts of a role's learning path, in order; a stage's slug is unique "
    "within its role.",
    parent="role",
    key=("role_id", "slug"),
)

ROLES = Kind(
    "roles",
    "role",
    Role,
    (
        SLUG_FIELD,
        Field("title", TEXT, required=True, doc="The job's title."),
        Field("tagline", TEXT, doc="One line under the title."),
        SUMMARY,
        EDITORIAL,
        Field("position", INTEGER, doc="Where the role is listed, smallest first."),
        PUBLISHED,
        SOURCES_FIELD,
        QUOTES_FIELD,
        Field("salary", MAPPING, of=SALARY, doc="Optional; see Salary."),
        Field("facts", GROUPS, of=FACTS, doc="See Role facts."),
        Field(
            "skills",
            ITEMS,
            "role_skills",
            of=ROLE_SKILLS,
            explicit=True,
            doc="See Role skills.",
        ),
        Field(
            "stages",
            ITEMS,
            of=STAGES,
            explicit=True,
            doc="The learning path, in order.",
        ),
    ),
    doc="Jobs someone wants to grow into, with their learning paths.",
    catalogued=True,
)

# The lists a file may hold, in file order. Each kind refers only to kinds before
# it, so an export collects what a role uses from the last list to the first.
FILE_KINDS = (SOURCES, RESOURCES, SKILLS, ROLES)
FILE_KEYS = ("format", *(kind.name for kind in FILE_KINDS))


def _tree(kind: Kind, parent: Kind | None = None, via: Field | None = None):
    """(kind, enclosing kind, its field) for a kind and every kind nested in it."""
    yield kind, parent, via
    for f in kind.fields:
        if f.type in (ITEMS, GROUPS):
            yield from _tree(f.of, kind, f)


TREE = [entry for kind in FILE_KINDS for entry in _tree(kind)]
# Load order: every kind with rows of its own, after the kinds it nests in and the
# kinds it refers to.
LOADED = tuple(kind for kind, _, _ in TREE)
PARENTS = {kind.name: (parent, via) for kind, parent, via in TREE if parent}
BY_NAME = {kind.name: kind for kind in LOADED}
CATALOGUED = tuple(kind for kind in LOADED if kind.catalogued)
CONTENT_KINDS = tuple(kind.name for kind in LOADED if kind.is_content)

# Every kind the format doc has a table for, in the doc's order.
DOCUMENTED = (
    SOURCES,
    RESOURCES,
    SKILLS,
    CONCEPTS,
    ROLES,
    SALARY,
    FACTS,
    ROLE_SKILLS,
    STAGES,
    STEPS,
    CONCEPT_CHOICES,
    STEP_CHOICES,
)
