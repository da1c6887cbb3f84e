"""Search across roles, skills, concepts, steps and the source documents' texts.

On PostgreSQL each kind's rows are one weighted full-text document (`DOCUMENTS`,
the rule, and `document`, the expression built from it): the title (weight A),
the summary and tagline (B), the passages the item quotes from its sources (C;
the string values of `quotes`, not the sources' slugs that key them) and, for a
source, its text (D; the first `TEXT_INDEXED_CHARACTERS`, since a vector holds at
most 1 MB and a 1 MB document of unusual words would not fit). The words are
read with `websearch_to_tsquery` in English ("quoted phrases", `-word`, `or`:
nothing a person types is a syntax error) and ranked with `ts_rank` and the same
weights. A GIN index on the same
expression (migration 0011) finds the matching rows; the rank is computed for
those rows only. Trigram similarity (pg_trgm) rescues misspelt titles ("pyhton",
"postgre"): a title to which every word of the query is similar enough (strict
word similarity) is a result even where the full text finds nothing, ranked after
the full-text matches. Only plain words are forgiven: a query of fewer than four
characters or more than eight words, or one that uses the syntax (a "phrase", an
excluded -word, `or`), means what it says.

Why an expression index, not a stored column: the index is the rule itself, so
nothing (the content loader, the admin, a shell) has to keep a column up to date,
and no model field is needed. `DOCUMENTS` is the single home of the rule: the
migration builds its indexes with `search_indexes`, and the query asks for the
same expression, which is how PostgreSQL knows it may use the index (a test shows
it does, with EXPLAIN). Changing the rule therefore needs a new migration that
drops and re-creates the indexes (with `search_indexes`): a database migrated
before keeps indexes the query no longer matches, and scans. A test holds a copy
of the rule so that the change cannot go unnoticed. The price is
that ranking recomputes the matched rows' vectors: cheap for titles and
summaries, but a word found in most of many long texts costs as much as without
the index (figures in docs/performance.md). A stored vector column (a generated
column would need no code to keep it up to date) would avoid that, and the ORM's
compiling of the document's expression: but it would come with every row of
these models that any page reads (a step with its role, a concept with its
skill: every `select_related` across the site), a source's vector up to 0.77 MB,
so the expression index stays.

Each kind is one query, however many results: the matches are the rows whose
primary key is in the full-text match (by the index) or, united with it, the
title matches (by similarity), so the number of queries is fixed. The visibility
rule is the pages' own (`visible_to`): published content for everyone, drafts for
staff.

SQLite, the zero-setup default, falls back to matching every word as a substring
of the title, summary or tagline (and a source's text); it does not read the
quotes (their JSON text holds the sources' slugs too) nor forgive misspellings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorField,
    TrigramStrictWordSimilarity,
)
from django.db import connection, models
from django.db.models import F, Func, Q, QuerySet
from django.db.models.functions import Left
from django.db.models.lookups import GreaterThanOrEqual

from roadmap.models import Concept, LearningStep, Role, Skill, Source

RESULTS_PER_KIND = 20
SNIPPET_CHARACTERS = 90  # either side of the first word found
CONFIG = "english"

# The rule: for each kind (by model name), its fields by weight. A is the title,
# the first field named; JSON fields count their string values only.
DOCUMENTS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "role": (("A", ("title",)), ("B", ("tagline", "summary")), ("C", ("quotes",))),
    "skill": (("A", ("name",)), ("B", ("summary",)), ("C", ("quotes",))),
    "concept": (("A", ("name",)), ("B", ("summary",)), ("C", ("quotes",))),
    "learningstep": (("A", ("title",)), ("B", ("summary",)), ("C", ("quotes",))),
    "source": (("A", ("title",)), ("B", ("summary",)), ("D", ("text",))),
}
# How much of a long text (weight D) is searched: PostgreSQL refuses a vector of
# more than 1 MB, which a 1 MB document of numbers or hyphenated codes exceeds; of
# this many characters, the largest vector seen is 0.77 MB.
TEXT_INDEXED_CHARACTERS = 200_000
# ts_rank's weights, in its order: D, C, B, A.
RANK_WEIGHTS = [0.1, 0.2, 0.4, 1.0]
# How close a title must be to the words, by pg_trgm's strict word similarity,
# to count as a misspelling of it: "pyhton" is 0.27 from "Python", "python" 0.15
# from "Pyramid".
TITLE_SIMILARITY = 0.25
# Shorter queries are not taken for misspellings: "the" is a word of "How the web
# works", "or" the start of "Oracle"; longer ones are sentences, not titles.
MISSPELLING_MIN_LENGTH = 4
MISSPELLING_MAX_WORDS = 8
# A run of `-` (web search's "not") with no word between: PostgreSQL refuses more
# than about 30 in a row ("tsquery stack too small"), and two mean no more than one.
NEGATIONS = re.compile(r'-(?:[^\w"]*-)+')
# The names of the indexes migration 0011 creates, by model name.
INDEX_NAMES = {
    "role": "role_search",
    "skill": "skill_search",
    "concept": "concept_search",
    "learningstep": "step_search",
    "source": "source_search",
}


class JSONStringsVector(Func):
    """The weighted vector of a JSON column's string values, not its keys:
    PostgreSQL's `to_tsvector(config, jsonb)`."""

    function = "to_tsvector"
    template = (
        "setweight(%(function)s('%(config)s'::regconfig, %(expressions)s), "
        "'%(weight)s')"
    )
    output_field = SearchVectorField()

    def __init__(self, expression, *, weight: str):
        if weight not in "ABCD" or len(weight) != 1:
            raise ValueError(f"A weight is one of A, B, C, D, not {weight!r}.")
        super().__init__(expression, config=CONFIG, weight=weight)


class Concatenated(Func):
    """Vectors joined into one document (`||`)."""

    template = "(%(expressions)s)"
    arg_joiner = " || "
    output_field = SearchVectorField()


def title_field(model_name: str) -> str:
    return DOCUMENTS[model_name][0][1][0]


def document(model) -> Func:
    """The kind's weighted full-text document, as `DOCUMENTS` says."""
    parts = []
    for weight, names in DOCUMENTS[model._meta.model_name]:
        if _is_json(model, names[0]):
            parts.extend(JSONStringsVector(name, weight=weight) for name in names)
        elif weight == "D":
            texts = (Left(name, TEXT_INDEXED_CHARACTERS) for name in names)
            parts.append(SearchVector(*texts, config=CONFIG, weight=weight))
        else:
            parts.append(SearchVector(*names, config=CONFIG, weight=weight))
    return Concatenated(*parts)


def search_indexes(apps) -> list[tuple[type[models.Model], GinIndex]]:
    """Each kind's model (from `apps`: a migration's historical models) and the
    GIN index of its document, for a migration to create or drop. Without GIN's
    pending list (`fastupdate`): content is written seldom, and a freshly loaded
    roadmap would otherwise be searched through an unsorted list until the next
    VACUUM (PostgreSQL then prefers scanning every text: 0.7 s for 1,000 sources)."""
    found = []
    for model_name, name in INDEX_NAMES.items():
        model = apps.get_model("roadmap", model_name)
        index = GinIndex(document(model), name=name, fastupdate=False)
        found.append((model, index))
    return found


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


def _words(query: str) -> list[str]:
    """The query's words without web-search syntax: quotes, a leading `-`, `or`."""
    words = (word.strip("\"'").lstrip("-") for word in query.split())
    return [word for word in words if word and word.lower() != "or"]


def snippet(text: str, query: str) -> str:
    """The words around the first query word found in `text`, on one line."""
    lowered = text.lower()
    found = [at for word in _words(query) if (at := lowered.find(word.lower())) >= 0]
    if not found:
        return " ".join(text[: 2 * SNIPPET_CHARACTERS].split()) + "…"
    start = max(0, min(found) - SNIPPET_CHARACTERS)
    end = min(len(text), min(found) + SNIPPET_CHARACTERS)
    words = " ".join(text[start:end].split())
    return ("…" if start else "") + words + ("…" if end < len(text) else "")


def forgives_misspellings(query: str) -> bool:
    """Plain words, long enough to be told from a stop word or a prefix."""
    words = query.split()
    syntax = '"' in query or any(
        word.startswith("-") or word.lower() == "or" for word in words
    )
    return (
        len(query) >= MISSPELLING_MIN_LENGTH
        and len(words) <= MISSPELLING_MAX_WORDS
        and not syntax
    )


def _full_text(queryset: QuerySet, query: str) -> QuerySet:
    model = queryset.model
    title = title_field(model._meta.model_name)
    words = SearchQuery(
        NEGATIONS.sub("-", query), search_type="websearch", config=CONFIG
    )
    matches = (
        model.objects.alias(document=document(model))
        .filter(document=words)
        .order_by()
        .values("pk")
    )
    if forgives_misspellings(query):
        similar = model.objects.filter(
            *(
                GreaterThanOrEqual(
                    TrigramStrictWordSimilarity(word, title), TITLE_SIMILARITY
                )
                for word in query.split()
            )
        )
        # One subquery, not two joined by OR, which PostgreSQL would plan as if
        # half its rows were wanted: a scan then looks cheaper than the index.
        matches = matches.union(similar.order_by().values("pk"))
    return (
        queryset.filter(pk__in=matches)
        .alias(document=document(model))
        .annotate(
            rank=SearchRank(F("document"), words, weights=RANK_WEIGHTS),
            similarity=TrigramStrictWordSimilarity(query, title),
        )
        .order_by("-rank", "-similarity", title)
    )


def _is_json(model, name: str) -> bool:
    return isinstance(model._meta.get_field(name), models.JSONField)


def _substring(queryset: QuerySet, query: str) -> QuerySet:
    model = queryset.model
    model_name = model._meta.model_name
    names = [
        name
        for weight, names in DOCUMENTS[model_name]
        for name in names
        if not _is_json(model, name)
    ]
    condition = Q()
    for word in query.split():
        either = Q()
        for name in names:
            either |= Q(**{f"{name}__icontains": word})
        condition &= either
    return queryset.filter(condition).order_by(title_field(model_name))


def ranked(queryset: QuerySet, query: str) -> QuerySet:
    """The rows of `queryset` (one kind) that match `query`, best first."""
    if connection.vendor == "postgresql":
        return _full_text(queryset, query)
    return _substring(queryset, query)


def search(query: str, user) -> SearchResults:
    """Published items matching `query` (drafts too, for staff), best first."""
    roles = Role.objects.visible_to(user)
    skills = Skill.objects.visible_to(user)
    concepts = Concept.objects.visible_to(user).select_related("skill")
    steps = LearningStep.objects.visible_to(user).select_related("stage__role")
    sources = Source.objects.visible_to(user)
    return SearchResults(
        roles=list(ranked(roles, query)[:RESULTS_PER_KIND]),
        skills=list(ranked(skills, query)[:RESULTS_PER_KIND]),
        concepts=list(ranked(concepts, query)[:RESULTS_PER_KIND]),
        steps=list(ranked(steps, query)[:RESULTS_PER_KIND]),
        sources=[
            SourceMatch(source, snippet(source.text, query))
            for source in ranked(sources, query)[:RESULTS_PER_KIND]
        ],
    )
