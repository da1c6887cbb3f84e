"""Quotes from the source documents: how a quote is matched, named and marked.

An item carries, for each source it cites, the passages it rests on. A quote
matches its source when it occurs in the source's text with only whitespace and
typographic quotes told apart (`normalise`); the content loader refuses any other.
Each distinct passage has one anchor on its source's page (`anchor`), where
`marked_paragraphs` marks it once and links it to the items that rest on it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

# Typographic quotes and apostrophes, and the no-break space, as plain ones.
_PLAIN = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00a0": " ",
    }
)
_SPACE = re.compile(r"\s+")
FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n+", re.DOTALL)


def normalise(text: str) -> str:
    """The text as quotes are compared: plain quotes, single spaces, stripped."""
    return _SPACE.sub(" ", text.translate(_PLAIN)).strip()


def document_text(raw: str) -> str:
    """A document file's text as Waymark keeps it: without a leading front-matter
    block (its metadata is in the content file), line endings as `\\n`."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    return FRONT_MATTER.sub("", text, count=1).strip("\n") + "\n"


def occurs_in(quote: str, text: str) -> bool:
    wanted = normalise(quote)
    return bool(wanted) and wanted in normalise(text)


def anchor(quote: str) -> str:
    """The id of a passage on its source's page: the same for the same words."""
    digest = hashlib.sha256(normalise(quote).encode()).hexdigest()
    return f"quote-{digest[:12]}"


def passages_of(given: str | list[str] | None) -> list[str]:
    """An item's quote of one source: one passage, or a list of several."""
    if not given:
        return []
    return [given] if isinstance(given, str) else list(given)


@dataclass(frozen=True)
class Citation:
    """A source an item cites, and the passages it quotes from it (may be none)."""

    source: object
    given: str | list[str] = ""  # one passage, or a list of several

    @property
    def quotes(self) -> list[str]:
        return passages_of(self.given)

    @property
    def quote(self) -> str:
        """The first passage, or nothing."""
        return next(iter(self.quotes), "")

    @property
    def url(self) -> str:
        """The first passage on the source's page, or the page if there is none."""
        return self.passages[0][1] if self.quotes else self.source.get_absolute_url()

    @property
    def passages(self) -> list[tuple[str, str]]:
        """Each passage and its place on the source's page."""
        page = self.source.get_absolute_url()
        return [(quote, f"{page}#{anchor(quote)}") for quote in self.quotes]


# --- Marking a source's text ---------------------------------------------------


@dataclass
class Passage:
    """A quoted passage of a source, and the items that rest on it."""

    quote: str
    items: list = field(default_factory=list)  # (label, url) of each item

    @property
    def anchor(self) -> str:
        return anchor(self.quote)


def _normalised_with_positions(text: str) -> tuple[str, list[int]]:
    """`normalise(text)` and, for each of its characters, where it is in `text`."""
    plain = text.translate(_PLAIN)
    out: list[str] = []
    positions: list[int] = []
    in_space = True  # leading whitespace is dropped
    for index, char in enumerate(plain):
        if char.isspace():
            if not in_space:
                out.append(" ")
                positions.append(index)
            in_space = True
        else:
            out.append(char)
            positions.append(index)
            in_space = False
    if out and out[-1] == " ":
        out.pop()
        positions.pop()
    return "".join(out), positions


def _spans(text: str, passages: list[Passage]) -> list[tuple[int, int, list[Passage]]]:
    """(start, end, passages) in `text` for each passage's first occurrence;
    overlapping passages share one span, so each is marked once."""
    normal, positions = _normalised_with_positions(text)
    found = []
    for passage in passages:
        wanted = normalise(passage.quote)
        at = normal.find(wanted) if wanted else -1
        if at >= 0:
            end = positions[at + len(wanted) - 1] + 1
            found.append((positions[at], end, passage))
    found.sort(key=lambda entry: (entry[0], -entry[1]))
    merged: list[tuple[int, int, list[Passage]]] = []
    for start, end, passage in found:
        if merged and start < merged[-1][1]:
            last_start, last_end, group = merged[-1]
            merged[-1] = (last_start, max(last_end, end), [*group, passage])
        else:
            merged.append((start, end, [passage]))
    return merged


def _uses(group: list[Passage]) -> SafeString:
    items = []
    for passage in group:
        for item in passage.items:
            if item not in items:
                items.append(item)
    links = format_html_join(", ", '<a href="{}">{}</a>', ((u, t) for t, u in items))
    return format_html(' <span class="passage__uses">(used by {})</span>', links)


def marked_paragraphs(text: str, passages: list[Passage]) -> list[SafeString]:
    """The text's paragraphs (one per non-blank line) as HTML, each quoted
    passage in a <mark> with its anchor, followed by links to its items."""
    spans = _spans(text, passages)
    paragraphs = []
    offset = 0
    for line in text.split("\n"):
        start, end = offset, offset + len(line)
        offset = end + 1
        if not line.strip():
            continue
        html = []
        cursor = start
        for span_start, span_end, group in spans:
            if span_end <= start or span_start >= end:
                continue
            piece_start, piece_end = max(span_start, start), min(span_end, end)
            html.append(escape(text[cursor:piece_start]))
            first = piece_start == span_start
            ids = ""
            if first:
                # The first passage names the mark; the others keep their
                # anchors as empty spans at its start.
                ids = format_html(' id="{}"', group[0].anchor)
                extra = format_html_join(
                    "", '<span id="{}"></span>', ((p.anchor,) for p in group[1:])
                )
                html.append(extra)
            html.append(
                format_html(
                    '<mark class="passage"{}>{}</mark>',
                    ids,
                    text[piece_start:piece_end],
                )
            )
            if piece_end == span_end:
                html.append(_uses(group))
            cursor = piece_end
        html.append(escape(text[cursor:end]))
        paragraphs.append(mark_safe("".join(str(part) for part in html)))  # noqa: S308
    return paragraphs
