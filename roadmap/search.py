"""Search across roles, skills, concepts, steps and the source documents' texts.

PostgreSQL ranks with full-text search (English stemming, web-search syntax); SQLite,
the zero-setup default, falls back to matching every word as a substring.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Q, QuerySet

from roadmap.models import Concept, LearningStep, Role, Skill, Source

RESULTS_PER_KIND = 20
SNIPPET_CHARACTERS = 90  # either side of the first word found


@dataclass(frozen=True)
class SourceMatch:
    """A source whose text holds the words, and a passage around the first."""

    source: Source
    snippet: str


@dataclass
class SearchResults:
    roles: list[Role] = field(default_factory=list)
    skills: list[Skill] = field(default_factory=list)
    concepts: list[Concept] = field(default_factory=list)
    steps: list[LearningStep] = field(default_factory=list)
    sources: list[SourceMatch] = field(default_factory=list)

    @property
    def count(self) -> int:
        lists = (self.roles, self.skills, self.concepts, self.steps, self.sources)
        return sum(len(found) for found in lists)


def snippet(text: str, query: str) -> str:
    """The words around the first query word found in `text`, on one line."""
    lowered = text.lower()
    found = [at for word in query.split() if (at := lowered.find(word.lower())) >= 0]
    if not found:
        return " ".join(text[: 2 * SNIPPET_CHARACTERS].split()) + "…"
    start = max(0, min(found) - SNIPPET_CHARACTERS)
    end = min(len(text), min(found) + SNIPPET_CHARACTERS)
    words = " ".join(text[start:end].split())
    return ("…" if start else "") + words + ("…" if end < len(text) else "")


def _full_text(
    queryset: QuerySet, title: str, query: str, body: str = "summary"
) -> QuerySet:
    vector = SearchVector(title, weight="A", config="english") + SearchVector(
        body, weight="B", config="english"
    )
    search_query = SearchQuery(query, search_type="websearch", config="english")
    return (
        queryset.annotate(rank=SearchRank(vector, search_query))
        .filter(rank__gt=0)
        .order_by("-rank", title)
    )


def _substring(
    queryset: QuerySet, title: str, query: str, body: str = "summary"
) -> QuerySet:
    condition = Q()
    for word in query.split():
        condition &= Q(**{f"{title}__icontains": word}) | Q(
            **{f"{body}__icontains": word}
        )
    return queryset.filter(condition).order_by(title)


def search(query: str, user) -> SearchResults:
    """Published items matching `query` (drafts too, for staff), best first."""
    match = _full_text if connection.vendor == "postgresql" else _substring
    steps = LearningStep.objects.visible_to(user)
    concepts = Concept.objects.visible_to(user)
    return SearchResults(
        roles=list(
            match(Role.objects.visible_to(user), "title", query)[:RESULTS_PER_KIND]
        ),
        skills=list(
            match(Skill.objects.visible_to(user), "name", query)[:RESULTS_PER_KIND]
        ),
        concepts=list(
            match(concepts.select_related("skill"), "name", query)[:RESULTS_PER_KIND]
        ),
        steps=list(
            match(steps.select_related("stage__role"), "title", query)[
                :RESULTS_PER_KIND
            ]
        ),
        sources=[
            SourceMatch(source, snippet(source.text, query))
            for source in match(
                Source.objects.visible_to(user), "title", query, body="text"
            )[:RESULTS_PER_KIND]
        ],
    )
