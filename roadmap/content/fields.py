"""The vocabulary of the content format: what a field's value may be (`TEXT`,
`SLUG`, `REFERENCES`...), a `Field`, a `Kind` of item made of fields, and the
limits every file shares. The kinds themselves, field by field, are in `spec`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models

from roadmap.models import Content

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
QUOTED = "quoted"  # ...is the slug of a source the item quotes (a key of its `cites`)

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
