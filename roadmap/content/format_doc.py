"""The field tables of docs/content-format.md, rendered from `spec`.

Each table stands between `<!-- fields:KIND -->` and `<!-- /fields:KIND -->`; the
prose around them is left alone. `python manage.py content_format_doc` rewrites
them; a test fails when the file and the spec disagree.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

from roadmap.content import fields, spec
from roadmap.content.fields import Field, Kind
from roadmap.content.safe_yaml import url_phrase

COMMAND = "python manage.py content_format_doc"


def doc_path() -> Path:
    return Path(settings.BASE_DIR) / "docs" / "content-format.md"


def _codes(values: list[str]) -> str:
    return ", ".join(f"`{value}`" for value in values)


def _type(f: Field) -> str:
    if f.type == fields.REFERENCE:
        return f"{spec.BY_NAME[f.to].noun} slug"
    if f.type == fields.REFERENCES:
        return f"list of {spec.BY_NAME[f.to].noun} slugs"
    if f.type == fields.MEMBERS:
        return f"list of {spec.BY_NAME[f.to].noun} slugs"
    if f.type == fields.ITEMS:
        return f"list of {f.of.name.replace('_', ' ')}"
    if f.type == fields.GROUPS:
        return f"lists of {f.of.name.replace('_', ' ')} by kind"
    return {
        fields.URL: "URL",
        fields.BOOLEAN: "true or false",
        fields.DATE: "date",
        fields.MONTH: "month",
        fields.INTEGER: "whole number",
        fields.DOCUMENT: "file name",
        fields.QUOTES: "mapping of source slugs to text",
        fields.QUOTED: "source slug",
    }.get(f.type, f.type)


def _default(f: Field) -> str:
    if f.required:
        return ""
    value = f.default
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if value in (None, "", [], {}):
        return "none" if f.type != fields.TEXT else "empty"
    return f"`{value}`"


def _limits(f: Field) -> str:
    if f.type == fields.SLUG:
        return (
            f"lowercase letters, digits and hyphens; at most {f.max_length} characters"
        )
    if f.type == fields.URL:
        return f"an {url_phrase(f.schemes)} URL; at most {f.max_length} characters"
    if f.type == fields.TEXT:
        if f.pattern:
            return f"{f.pattern_doc} (`{f.pattern}`)"
        limits = f"at most {f.max_length} characters" if f.max_length else ""
        if f.requires:
            limits += f"; only with `{f.requires}`"
        return limits
    if f.type == fields.CHOICE:
        return _codes(f.choices)
    if f.type == fields.DATE:
        return "YYYY-MM-DD"
    if f.type == fields.MONTH:
        return "YYYY-MM"
    if f.type == fields.DOCUMENT:
        return (
            f"a file in `{fields.DOCUMENT_FOLDER}/`: letters, digits, `.`, `_` and "
            f"`-`, ending `.txt` or `.md`; at most {fields.DOCUMENT_MAX_BYTES:,} bytes"
        )
    if f.type == fields.QUOTES:
        return (
            f"keys among `{f.cites}`; each value a passage or a list of passages, "
            f"each at most {fields.QUOTE_MAX_LENGTH} characters and found in that "
            "source's text"
        )
    if f.type == fields.INTEGER:
        if f.at_most:
            return f"{f.minimum:,} to the number of `{f.at_most}`"
        return f"{f.minimum:,} to {f.maximum:,}"
    if f.type == fields.MEMBERS:
        return (
            f"each among the enclosing item's `{f.within}`; none twice, none in "
            "two groups"
        )
    if f.type == fields.REFERENCE:
        return "must exist"
    if f.type == fields.QUOTED:
        return f"a key of the item's `{f.cites}`; given with `{f.requires}`"
    if f.type == fields.REFERENCES:
        limits = "each must exist, none twice"
        if f.acyclic:
            limits += f"; no cycles, not the {spec.BY_NAME[f.to].noun} itself"
        return limits
    if f.type == fields.GROUPS:
        return "keys: " + _codes(f.of.group_field.choices)
    return ""


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def table(kind: Kind) -> str:
    """A kind's fields as a Markdown table, after the kind's one-line summary."""
    rows = [
        "| Key | Type | Required | Default | Limits | Meaning |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for f in kind.fields:
        required = "yes" if f.required else ""
        if f.required and f.type in (fields.REFERENCES, fields.MEMBERS):
            required = "at least one"
        cells = [f"`{f.key}`", _type(f), required, _default(f), _limits(f), f.meaning]
        rows.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    lines = [kind.doc, ""]
    if kind.group:
        labels = ", ".join(
            f"`{value}` ({label})"
            for value, label in kind.group_field.model_field.choices
        )
        lines += [f"The kinds, in the order a role page shows them: {labels}.", ""]
    return "\n".join([*lines, *rows])


def _block(name: str) -> re.Pattern:
    name = re.escape(name)
    return re.compile(
        rf"(<!-- fields:{name} -->).*?(<!-- /fields:{name} -->)", re.DOTALL
    )


def render(text: str) -> str:
    """The doc with every kind's table between its markers made afresh."""
    missing = []
    for kind in spec.DOCUMENTED:
        pattern = _block(kind.name)
        if not pattern.search(text):
            missing.append(kind.name)
            continue
        body = table(kind)
        text = pattern.sub(
            lambda match, body=body: f"{match[1]}\n\n{body}\n\n{match[2]}", text
        )
    if missing:
        raise ValueError(
            "docs/content-format.md has no markers for: "
            + ", ".join(
                f"<!-- fields:{name} --> <!-- /fields:{name} -->" for name in missing
            )
        )
    return text
