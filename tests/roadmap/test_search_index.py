"""Search through the search page's form, on PostgreSQL's index and SQLite's fallback.

PostgreSQL ranks weighted documents found through a GIN index (titles A,
summaries B, the passages an item quotes C, a source's text D) and forgives
misspelled titles by trigram similarity; SQLite, the zero-setup default, matches
substrings of titles, summaries and a source's text. The tests marked
`on_postgresql` need PostgreSQL's full text and pg_trgm; the rest run on both.
"""

import html
import re

import pytest
from django.db import connection
from django.urls import reverse

from roadmap.models import LearningStep, Role, Source, Stage
from roadmap.search import CONFIG, DOCUMENTS, TEXT_INDEXED_CHARACTERS, ranked
from tests.factories import (
    ConceptFactory,
    RoleFactory,
    SkillFactory,
    SourceFactory,
    StageFactory,
    StepFactory,
)

pytestmark = pytest.mark.django_db
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL's full-text search and pg_trgm; SQLite falls back to "
    "substrings, tested here too",
)
FIELD = "q"  # the search form's field, as the page renders it
HTMX = {"HX-Request": "true"}
SOURCE_TEXTS = "In the sources\u2019 texts"  # the heading of that list
# One query per kind: roles, skills, concepts, steps and the sources' texts.
SEARCH_QUERIES = 5


def search_page(client, query: str, htmx: bool = False):
    return client.get(reverse("search"), {FIELD: query}, headers=HTMX if htmx else {})


def found(response) -> dict[str, list[str]]:
    """Each results list of the page, by its heading: the linked titles in order."""
    assert response.status_code == 200
    page = response.content.decode()
    return {
        heading: [
            html.unescape(title) for title in re.findall(r"<a [^>]*>([^<]*)</a>", items)
        ]
        for heading, items in re.findall(r"<h3>([^<]*)</h3>\s*<ul>(.*?)</ul>", page)
    }


def titles(response) -> set[str]:
    return {title for listed in found(response).values() for title in listed}


def test_the_page_renders_the_field_the_tests_fill_in(client):
    # Guard: the tests below send the field this form really has.
    assert f'name="{FIELD}"' in client.get(reverse("search")).content.decode()


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_titles_summaries_and_source_texts_are_found(client, htmx):
    # Guard on SQLite (the fallback did this before); on PostgreSQL the same
    # matches come from the index. The page has no htmx fragment: a request with
    # HX-Request gets the whole page, results included.
    source = SourceFactory(
        title="Field notes", text="Long ago the quokka census was kept by hand.\n"
    )
    RoleFactory(title="Quokka keeper", summary="Looks after them.")
    SkillFactory(name="Counting", summary="Count every quokka, twice.")
    response = search_page(client, "quokka", htmx=htmx)
    assert found(response) == {
        "Roles": ["Quokka keeper"],
        "Skills": ["Counting"],
        SOURCE_TEXTS: ["Field notes"],
    }
    assert "the quokka census was kept by hand" in response.content.decode()
    assert source.get_absolute_url() in response.content.decode()


@pytest.mark.parametrize("kind", ["role", "skill", "concept", "step", "source"])
def test_drafts_are_found_by_staff_only(client, learner, curator, kind):
    # Guard: the pages' visibility rule (`visible_to`), kept by the new queries.
    make = {
        "role": lambda: RoleFactory(title="Wombat draft", is_published=False),
        "skill": lambda: SkillFactory(name="Wombat draft", is_published=False),
        "concept": lambda: ConceptFactory(name="Wombat draft", is_published=False),
        "step": lambda: StepFactory(
            title="Wombat draft", stage=StageFactory(is_published=False)
        ),
        "source": lambda: SourceFactory(title="Wombat draft", is_published=False),
    }
    make[kind]()
    assert titles(search_page(client, "wombat")) == set()
    client.force_login(learner)
    assert titles(search_page(client, "wombat")) == set()
    client.force_login(curator)
    assert titles(search_page(client, "wombat")) == {"Wombat draft"}


HOSTILE = [
    '"',
    "'",
    '""',
    "-",
    "--",
    "OR",
    "or",
    "-OR",
    "OR OR -",
    '"unfinished phrase',
    "!",
    "&|!():*<>",
    "\\",
    "%",
    "_",
    "a' OR 1=1 --",
    "(((",
    "Ünïcödé",
    "数据库 索引",
    "🚀 rocket",
    "\u202eevil",
    "e\u0301",
    "ﬁle",
    "-" * 200,
    "-(" * 100,
    "- " * 100,
    "--narwhal",
    '-"-"' * 50,
    "x" * 200,
]


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_answer_a_page(client, query, htmx):
    # Long runs of "-" answered 500 before ("tsquery stack too small"); the rest
    # are a guard: websearch_to_tsquery and the trigram functions take any text.
    StepFactory(title="Rocket science", summary="Unicode 数据库 Ünïcödé.")
    response = search_page(client, query, htmx=htmx)
    assert response.status_code == 200
    assert "result" in response.content.decode()


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("x" * 10_000, "at most 200 characters"),
        ("a\x00b", "holds a NUL character"),
        ("\x00", "holds a NUL character"),
        ("   ", "This field is required."),
    ],
    ids=["10000-characters", "nul", "only-nul", "blank"],
)
def test_unsearchable_queries_are_400_with_a_reason(client, query, reason, htmx):
    # Guard: the form refuses them before the database sees them.
    response = search_page(client, query, htmx=htmx)
    assert response.status_code == 400
    assert reason in response.content.decode()


def test_sqlite_falls_back_to_substrings(client):
    # Guard: the fallback's rule, which PostgreSQL's stemming does not share.
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite fallback")
    StepFactory(title="Unquokkable", summary="")
    assert titles(search_page(client, "quokka")) == {"Unquokkable"}


# --- PostgreSQL: the index, the weights, the quotes, misspellings --------------


@on_postgresql
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_a_quoted_passage_finds_the_item_that_quotes_it(client, htmx):
    source = SourceFactory(
        slug="harbour-notes", title="Notes", text="Never shard a kraken cluster.\n"
    )
    StepFactory(
        title="Split the data",
        summary="Spread rows over nodes.",
        quotes={"harbour-notes": "Never shard a kraken cluster."},
        sources=[source],
    )
    ConceptFactory(
        name="Partitions", quotes={"harbour-notes": ["One", "Two krakens at most"]}
    )
    results = found(search_page(client, "kraken", htmx=htmx))
    assert results["Learning steps"] == ["Split the data"]
    assert results["Concepts"] == ["Partitions"]  # a passage of a list
    assert results[SOURCE_TEXTS] == ["Notes"]


@on_postgresql
def test_a_document_as_long_as_the_loader_allows_is_kept_and_searched(client):
    # A million characters of codes, as the loader accepts: their full vector
    # would pass PostgreSQL's 1 MB limit, so its first part is indexed.
    codes = " ".join(f"x{i}-y{i}" for i in range(90_000))[:1_000_000]
    text = "The capybara chapter. " + codes
    source = SourceFactory(title="Code list", text=text)
    assert len(source.text) > 900_000
    assert titles(search_page(client, "capybara")) == {"Code list"}
    assert titles(search_page(client, "x100-y100")) == {"Code list"}


@on_postgresql
def test_the_slug_that_keys_a_quote_is_not_its_text(client):
    source = SourceFactory(slug="lighthouse-log", title="Log", text="Calm seas.\n")
    StepFactory(title="Sail", quotes={"lighthouse-log": "Calm seas."}, sources=[source])
    assert titles(search_page(client, "lighthouse")) == set()
    assert titles(search_page(client, "calm seas")) == {"Sail", "Log"}


@on_postgresql
def test_a_title_outranks_a_summary_which_outranks_a_quote(client):
    SourceFactory(slug="almanac", text="The zephyr blows.\n")
    stage = StageFactory()
    StepFactory(stage=stage, title="Read the wind", quotes={"almanac": "zephyr"})
    StepFactory(stage=stage, title="Sail on", summary="Wait for a zephyr.")
    StepFactory(stage=stage, title="Zephyr drills", summary="Practice.")
    steps = found(search_page(client, "zephyr"))["Learning steps"]
    assert steps == ["Zephyr drills", "Sail on", "Read the wind"]


@on_postgresql
def test_english_stemming_and_web_search_syntax(client):
    stage = StageFactory()
    StepFactory(stage=stage, title="Index the tables", summary="Indexes speed reads.")
    StepFactory(stage=stage, title="Denormalise tables", summary="Copies speed reads.")
    assert titles(search_page(client, "indexing")) == {"Index the tables"}
    assert titles(search_page(client, "tables -index")) == {"Denormalise tables"}
    assert titles(search_page(client, '"speed reads"')) == {
        "Index the tables",
        "Denormalise tables",
    }
    assert titles(search_page(client, '"reads speed"')) == set()
    assert titles(search_page(client, "copies or indexes")) == {
        "Index the tables",
        "Denormalise tables",
    }


@on_postgresql
@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("pyhton", "Python"),
        ("postgre", "PostgreSQL"),
        # A guard: English stemming alone finds this one ("kubernet").
        ("kubernets", "Kubernetes"),
    ],
)
def test_a_misspelled_title_is_found(client, typed, meant):
    skill = SkillFactory(name="Programming", summary="Write programs.")
    ConceptFactory(skill=skill, name=meant, summary="A technology.")
    ConceptFactory(skill=skill, name="Pyramid", summary="A web framework.")
    assert found(search_page(client, typed)).get("Concepts") == [meant]


@on_postgresql
def test_a_misspelling_ranks_after_full_text_matches(client):
    stage = StageFactory()
    StepFactory(stage=stage, title="PostgreSQL", summary="A database.")
    StepFactory(stage=stage, title="Tune it", summary="Make Postgres fast.")
    # "postgre" is stemmed as "Postgres" is: a full-text match, in a summary,
    # comes before the title it is a misspelling of.
    steps = found(search_page(client, "postgre"))["Learning steps"]
    assert steps == ["Tune it", "PostgreSQL"]


@on_postgresql
def test_the_syntax_is_not_taken_for_misspellings(client):
    stage = StageFactory()
    StepFactory(stage=stage, title="Index the tables", summary="Speed up reads.")
    StepFactory(stage=stage, title="Denormalise tables", summary="Copies.")
    assert titles(search_page(client, "tables -index")) == {"Denormalise tables"}
    assert titles(search_page(client, '"the tables index"')) == set()
    # Plain words: each must be like a word of the title to rescue it.
    assert titles(search_page(client, "the tables index")) == {"Index the tables"}
    assert titles(search_page(client, "the tabels indx")) == {"Index the tables"}
    assert titles(search_page(client, "tabels or indx")) == set()


@on_postgresql
def test_short_words_are_not_taken_for_misspellings(client):
    # Guard: the misspelling rescue must not turn these into matches.
    StepFactory(title="How the web works", summary="Requests and responses.")
    StepFactory(title="Oracle", summary="A database.")
    assert titles(search_page(client, "the")) == set()  # a stop word
    assert titles(search_page(client, "or")) == set()


@on_postgresql
@pytest.mark.parametrize("rows", [3, 60])
@pytest.mark.parametrize("query", ["walrus", "wlarus"], ids=["words", "misspelt"])
def test_the_number_of_queries_is_fixed(client, django_assert_num_queries, rows, query):
    # The misspelt query found nothing before; "walrus" is a guard on the budget.
    stage = StageFactory(title="Walrus stage")
    source = SourceFactory(slug="walrus-source", text="A walrus.\n")
    for i in range(rows):
        RoleFactory(title=f"Walrus role {i}")
        skill = SkillFactory(name=f"Walrus skill {i}", sources=[source])
        ConceptFactory(skill=skill, name=f"Walrus concept {i}", sources=[source])
        StepFactory(stage=stage, title=f"Walrus step {i}", sources=[source])
        SourceFactory(title=f"Walrus source {i}", text="The walrus.\n")
    with django_assert_num_queries(SEARCH_QUERIES):
        response = search_page(client, query)
    listed = found(response)
    assert len(listed["Learning steps"]) == min(rows, 20)
    assert len(listed["Roles"]) == min(rows, 20)


def _realistic_content(steps: int = 2_000, sources: int = 200) -> None:
    """Many steps and long source texts, of which a handful mention a narwhal."""
    words = ["plan", "build", "test", "deploy", "measure", "review", "refactor", "go"]
    role = Role.objects.create(slug="big", title="Big role")
    stage = Stage.objects.create(role=role, slug="big-stage", title="Everything")
    LearningStep.objects.bulk_create(
        LearningStep(
            stage=stage,
            slug=f"big-step-{i}",
            title=f"{words[i % 8].title()} part {i}",
            summary=" ".join(words[(i + j) % 8] for j in range(30)),
            quotes={"big-source-0": words[i % 7] + ("" if i % 500 else " narwhal")},
            position=i,
        )
        for i in range(steps)
    )
    Source.objects.bulk_create(
        Source(
            slug=f"big-source-{i}",
            title=f"Document {i}",
            file_name=f"{i:04d}.txt",
            kind="article",
            text=" ".join(words[(i + j) % 8] for j in range(800))
            + (" narwhal" if i % 50 == 0 else ""),
        )
        for i in range(sources)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE roadmap_learningstep, roadmap_source")


@on_postgresql
@pytest.mark.parametrize(
    ("model", "index"), [(LearningStep, "step_search"), (Source, "source_search")]
)
def test_the_full_text_match_uses_the_gin_index(model, index):
    _realistic_content()
    with connection.cursor() as cursor:
        # Proves the index can serve the query's expression: were the query's
        # document not the index's (the rule changed without a migration), the
        # plan would have to scan and compute every row's vector.
        cursor.execute("SET LOCAL enable_seqscan = off")
    matches = ranked(model.objects.visible_to(None), "narwhal")
    plan = matches.explain()
    assert f"Bitmap Index Scan on {index}" in plan
    assert len(list(matches)) == 4  # one in 500 steps, one in 50 sources


# The rule as migration 0011 indexed it. A database keeps the indexes of the rule
# it was migrated with: change the rule, and add a migration that drops and
# re-creates the indexes with `search_indexes`, then update this copy.
INDEXED_RULE = {
    "role": (("A", ("title",)), ("B", ("tagline", "summary")), ("C", ("quotes",))),
    "skill": (("A", ("name",)), ("B", ("summary",)), ("C", ("quotes",))),
    "concept": (("A", ("name",)), ("B", ("summary",)), ("C", ("quotes",))),
    "learningstep": (("A", ("title",)), ("B", ("summary",)), ("C", ("quotes",))),
    "source": (("A", ("title",)), ("B", ("summary",)), ("D", ("text",))),
}


def test_a_change_to_the_rule_comes_with_a_migration():
    # A tripwire (a guard): the indexes are built once, by migration.
    rule = (DOCUMENTS, CONFIG, TEXT_INDEXED_CHARACTERS)
    assert rule == (INDEXED_RULE, "english", 200_000)
