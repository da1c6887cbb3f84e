"""Sources to the sentence: quotes checked against their documents, shown beside
citations, marked on the sources' pages; Waymark's own notes shown apart."""

import html
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from roadmap import citations, content
from roadmap.models import (
    Concept,
    LearningStep,
    Resource,
    Role,
    RoleFact,
    Skill,
    Source,
    Stage,
)
from tests.content_files import write_content
from tests.roadmap.test_loader import SEED_FILE, counts, load, seed_data, snapshot

CITED = [Resource, Skill, Concept, Role, RoleFact, Stage, LearningStep]
SOURCE_TEXTS = Path(settings.ROADMAP_FIXTURES_DIR) / "sources"


def refused(path: Path) -> str:
    with pytest.raises(content.ContentError) as error:
        content.read([path])
    return "\n".join(error.value.problems)


def first_step(data: dict) -> dict:
    return data["roles"][0]["stages"][0]["steps"][0]


# --- The loader ------------------------------------------------------------------


@pytest.mark.django_db
class TestTheLoaderChecksQuotes:
    def test_a_quote_that_is_not_in_its_source_is_refused(self, tmp_path):
        data = seed_data()
        step = first_step(data)
        source = step["sources"][0]
        step["quotes"][source] = "Learn Git before anything else."
        path = write_content(tmp_path / "roadmap.yaml", data)
        message = refused(path)
        assert str(path) in message
        assert f"steps[{step['slug']}].quotes.{source}" in message
        assert f"not in the text of source '{source}'" in message
        before = snapshot()
        with pytest.raises(Exception, match="nothing was written"):
            call_command(
                "load_roadmaps", str(path), stdout=StringIO(), stderr=StringIO()
            )
        assert snapshot() == before

    def test_a_quote_of_an_unknown_source_is_refused(self, tmp_path):
        data = seed_data()
        step = first_step(data)
        step["quotes"]["no-such-source"] = "Anything."
        message = refused(write_content(tmp_path / "roadmap.yaml", data))
        assert f"steps[{step['slug']}].quotes.no-such-source: unknown source" in message

    def test_a_quote_of_a_source_the_item_does_not_cite_is_refused(self, tmp_path):
        data = seed_data()
        step = first_step(data)
        other = next(
            s["slug"] for s in data["sources"] if s["slug"] not in step["sources"]
        )
        step["quotes"][other] = "Happy coding!"
        message = refused(write_content(tmp_path / "roadmap.yaml", data))
        assert f"quotes source '{other}', which is not in the step's `sources`" in (
            message
        )

    def test_whitespace_and_typographic_quotes_may_differ(self, tmp_path):
        data = seed_data()
        skill = next(
            s
            for s in data["skills"]
            if s["slug"] == "data-integrity-and-maintainability"
        )
        # The article writes the apostrophe of "applications' overall" typographically.
        skill["sources"] = ["article-backend-engineer-skills"]
        skill["quotes"] = {
            "article-backend-engineer-skills": "to enhance  applications' overall\n"
            "efficiency and scalability."
        }
        catalogue = content.read([write_content(tmp_path / "roadmap.yaml", data)])
        assert (
            "applications' overall"
            in (
                catalogue.skills[skill["slug"]]["quotes"][
                    "article-backend-engineer-skills"
                ]
            )
        )

    @pytest.mark.parametrize(
        ("value", "says"),
        [
            ("Just text", "expected a mapping of source slugs to quotes"),
            ({"Not A Slug": "x"}, "is not a source slug"),
            ({"video-what-it-takes": ""}, "expected the quoted passage, as text"),
            ({"video-what-it-takes": "x" * 501}, "is 501 characters long (max 500"),
        ],
    )
    def test_malformed_quotes_are_refused_with_the_field(self, tmp_path, value, says):
        data = seed_data()
        first_step(data)["quotes"] = value
        assert says in refused(write_content(tmp_path / "roadmap.yaml", data))

    @pytest.mark.parametrize(
        ("name", "says"),
        [
            ("../secret.txt", "is not the name of a file in the sources/ folder"),
            ("missing.txt", "sources/missing.txt is not a file beside the content"),
            ("binary.txt", "sources/binary.txt is not UTF-8 text"),
            ("huge.txt", "bytes (max 1,000,000)"),
        ],
    )
    def test_a_source_file_that_cannot_be_read_is_refused(self, tmp_path, name, says):
        data = seed_data()
        data["sources"][0]["file"] = name
        path = write_content(tmp_path / "roadmap.yaml", data)
        (tmp_path / "sources" / "binary.txt").write_bytes(b"\xff\xfe\x00bad")
        (tmp_path / "sources" / "huge.txt").write_text("x" * 1_000_001)
        message = refused(path)
        assert f"sources[{data['sources'][0]['slug']}].file" in message
        assert says in message

    def test_a_salary_month_is_a_month(self, tmp_path):
        data = seed_data()
        data["roles"][0]["salary"]["as_of"] = "2023-06-01"
        assert "is not a month (YYYY-MM)" in refused(
            write_content(tmp_path / "roadmap.yaml", data)
        )


# --- The seed roadmap --------------------------------------------------------------


def seed_items():
    """(kind, slug, item) for every item of the seed file that cites sources."""
    data = yaml.safe_load(SEED_FILE.read_text())
    for resource in data["resources"]:
        yield "resource", resource["slug"], resource
    for skill in data["skills"]:
        yield "skill", skill["slug"], skill
        for concept in skill["concepts"]:
            yield "concept", concept["slug"], concept
    for role in data["roles"]:
        yield "role", role["slug"], role
        salary = dict(role["salary"], slug="salary")
        yield "salary", role["slug"], salary
        for stage in role["stages"]:
            yield "stage", stage["slug"], stage
            for step in stage["steps"]:
                yield "step", step["slug"], step
        for kind, facts in role["facts"].items():
            for index, fact in enumerate(facts):
                yield "fact", f"{kind}[{index}]", fact


def seed_texts() -> dict[str, str]:
    data = yaml.safe_load(SEED_FILE.read_text())
    return {
        source["slug"]: citations.normalise(
            citations.document_text((SOURCE_TEXTS / source["file"]).read_text())
        )
        for source in data["sources"]
    }


def test_every_seed_item_quotes_each_source_it_cites_word_for_word():
    texts = seed_texts()
    problems, quoted, additions = [], 0, []
    for kind, slug, item in seed_items():
        sources = item.get("sources", [])
        quotes = item.get("quotes", {})
        if kind == "resource" and not sources:
            additions.append(slug)
            continue
        if not quotes:
            problems.append(f"{kind} {slug}: no quote")
        for source in sources:
            if source not in quotes:
                problems.append(f"{kind} {slug}: cites {source} without a quote")
        for source, given in quotes.items():
            for quote in citations.passages_of(given):
                if citations.normalise(quote) not in texts[source]:
                    problems.append(f"{kind} {slug}: not in {source}: {quote!r}")
        quoted += bool(quotes)
    assert not problems, "\n".join(problems)
    assert quoted >= 233  # steps, concepts, skills and facts alone are 233
    # No seed names these: they are Waymark's own, not cited to a seed.
    assert {"owasp-top-ten", "mdn-http", "rfc-9110-http-semantics"} <= set(additions)


def test_the_seed_says_only_what_its_documents_say():
    data = yaml.safe_load(SEED_FILE.read_text())
    article = next(s for s in data["sources"] if s["kind"] == "article")
    assert article["title"].startswith("[Untitled")  # the article has no title
    assert data["roles"][0]["salary"]["as_of"] == "2023-06"  # "As of June 2023"
    resources = {r["slug"]: r for r in data["resources"]}
    assert not resources["aws-certification"].get("free")  # exams are paid
    assert not resources["microsoft-credentials"].get("free")
    steps = {
        step["slug"]: step
        for stage in data["roles"][0]["stages"]
        for step in stage["steps"]
    }
    sourced = " ".join(
        str(item.get("summary", "")) + str(item.get("text", ""))
        for _kind, _slug, item in seed_items()
    ).lower()
    for advice in ("learn git first", "optional once you know git", "first day"):
        assert advice not in sourced
    assert "most engineers" not in sourced
    assert "authentication" not in steps["understand-sessions"].get("summary", "")


# --- The pages ------------------------------------------------------------------


class Elements(HTMLParser):
    """Every element's tag, attributes and text, in document order."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def elements(body: str) -> list[tuple[str, dict]]:
    parser = Elements()
    parser.feed(body)
    return parser.found


@pytest.mark.django_db
class TestQuotesOnThePages:
    def test_each_cited_item_offers_its_quote_with_a_link_to_the_passage(
        self, client, seed_roadmap
    ):
        url = reverse("role_detail", args=["backend-engineer"]) + "?view=all"
        body = client.get(url).content
        body = body.decode()
        step = body[body.index('id="step-use-a-messaging-system"') :]
        step = step[: step.index('<li class="step"')]
        quote = LearningStep.objects.get(slug="use-a-messaging-system").quotes[
            "essay-backend-fundamentals"
        ]
        assert '<details class="quote"><summary>What the essay says</summary>' in step
        assert html.escape(quote, quote=False) in step
        link = f"/sources/essay-backend-fundamentals/#{citations.anchor(quote)}"
        assert f'href="{link}"' in step

    def test_waymarks_notes_and_additions_stand_apart_from_sourced_text(
        self, client, seed_roadmap
    ):
        step = LearningStep.objects.get(slug="use-a-messaging-system")
        url = reverse("role_detail", args=["backend-engineer"]) + "?view=all"
        body = client.get(url).content
        body = body.decode()
        item = body[body.index(f'id="step-{step.slug}"') :]
        summary = item[item.index('class="step__summary"') : item.index("</div>")]
        assert html.escape(step.editorial, quote=False) not in summary
        note = item[item.index('<p class="editorial">') :]
        note = note[: note.index("</p>")]
        assert "Waymark\u2019s note:" in note
        assert html.escape(step.editorial, quote=False) in note
        owasp = body[body.index(">OWASP Top Ten</a>") :]
        assert owasp.index("added by Waymark") < owasp.index("</li>")
        python_docs = body[body.index(">Python documentation</a>") :]
        assert "added by Waymark" not in python_docs[: python_docs.index("</li>")]
        certification = body[body.index(">AWS Certification</a>") :]
        assert ", free" not in certification[: certification.index("</li>")]

    def test_the_skill_page_shows_concept_quotes_and_notes(self, client, seed_roadmap):
        concept = Concept.objects.get(slug="python")
        body = client.get(reverse("skill_detail", args=[concept.skill.slug])).content
        item = body.decode()
        item = item[item.index('id="concept-python"') :]
        item = item[: item.index('<li class="concept"')]
        assert "Waymark\u2019s note:" in item and concept.editorial
        for quote in concept.quotes.values():
            assert html.escape(quote, quote=False) in item


@pytest.mark.django_db
class TestTheSourcePage:
    def test_it_marks_each_quoted_passage_once_and_links_back(
        self, client, seed_roadmap
    ):
        source = Source.objects.get(slug="essay-backend-fundamentals")
        response = client.get(reverse("source_detail", args=[source.slug]))
        assert response.status_code == 200
        body = response.content.decode()
        found = elements(body)
        ids = [attrs["id"] for _tag, attrs in found if "id" in attrs]
        assert len(ids) == len(set(ids))
        quotes = set()
        for model in CITED:
            for item in model.objects.filter(sources=source):
                quotes.update(citations.passages_of(item.quotes.get(source.slug)))
        assert quotes
        for quote in quotes:
            assert ids.count(citations.anchor(quote)) == 1, quote
        marks = [attrs for tag, attrs in found if tag == "mark"]
        assert marks and all(a.get("class") == "passage" for a in marks)
        step = LearningStep.objects.get(slug="use-a-messaging-system")
        anchor = citations.anchor(step.quotes[source.slug])
        passage = body[body.index(f'id="{anchor}"') :]
        uses = passage[passage.index('class="passage__uses"') :]
        uses = uses[: uses.index("</span>")]
        assert f'href="{step.get_absolute_url()}"' in uses
        listing = body[body.index('id="uses-title"') :]
        assert f'href="{step.get_absolute_url()}">{step.title}</a>' in listing

    def test_unpublished_sources_answer_404_to_everyone_but_staff(
        self, client, seed_roadmap, admin_user
    ):
        Source.objects.filter(slug="essay-backend-fundamentals").update(
            is_published=False
        )
        url = reverse("source_detail", args=["essay-backend-fundamentals"])
        assert client.get(url).status_code == 404
        assert client.get(reverse("source_detail", args=["nope"])).status_code == 404
        client.force_login(admin_user)
        assert client.get(url).status_code == 200

    def test_the_text_is_escaped(self, client, db):
        source = Source.objects.create(
            slug="hostile",
            title="Hostile",
            file_name="h.txt",
            kind="article",
            text="<script>alert(1)</script> A plain sentence here.\n",
        )
        step = step_quoting(source, "A plain sentence here.")
        body = client.get(source.get_absolute_url()).content.decode()
        assert "<script>alert(1)</script>" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
        assert (
            f'<mark class="passage" id="{citations.anchor("A plain sentence here.")}">'
            in body
        )
        assert step.title in body

    @pytest.mark.parametrize("items", [3, 120])
    def test_the_query_budget_does_not_grow(
        self, client, db, items, django_assert_page_queries
    ):
        source = Source.objects.create(
            slug="big",
            title="Big",
            file_name="b.txt",
            kind="article",
            text="".join(f"Sentence number {n}.\n" for n in range(items)),
        )
        for n in range(items):
            step_quoting(source, f"Sentence number {n}.")
        # The source, then roles, salaries, facts, stages, steps, skills,
        # concepts and resources that cite it.
        with django_assert_page_queries(9):
            response = client.get(source.get_absolute_url())
        assert response.status_code == 200
        assert response.content.decode().count('<mark class="passage"') == items


def step_quoting(source, quote):
    """A published step that cites `source` and quotes `quote` from it."""
    from tests.factories import StepFactory

    return StepFactory(sources=[source], quotes={source.slug: quote})


# --- Search and export -----------------------------------------------------------


@pytest.mark.django_db
def test_search_finds_words_in_the_sources_texts_and_says_so(client, seed_roadmap):
    response = client.get(reverse("search"), {"q": "kitchen"})
    body = response.content.decode()
    assert "In the sources\u2019 texts" in body
    assert "found in the source\u2019s own text" in body
    assert 'href="/sources/essay-backend-fundamentals/"' in body
    assert "kitchen" in body.lower()


@pytest.mark.django_db
def test_the_export_round_trip_keeps_quotes_notes_and_texts(tmp_path):
    load()
    exported = tmp_path / "exported.yaml"
    call_command(
        "export_roadmap",
        "backend-engineer",
        "--output",
        str(exported),
        stdout=StringIO(),
    )
    data = yaml.safe_load(exported.read_text())
    original = seed_data()
    assert data["roles"][0]["quotes"] == original["roles"][0]["quotes"]
    assert data["roles"][0]["salary"]["as_of"] == "2023-06"
    for source in original["sources"]:
        written = (tmp_path / "sources" / source["file"]).read_text()
        assert written == Source.objects.get(slug=source["slug"]).text
    before = snapshot()
    report = counts(load(exported))
    assert snapshot() == before
    assert all(o["created"] == o["updated"] == 0 for o in report.values())
