"""Recall prompts: a question per item, answered by one of the item's quotes;
the loader refuses one answered by a passage the item does not quote, naming the
file and item, and the admin's forms refuse it the same way."""

from io import StringIO

import pytest
from django.core.management import call_command

from roadmap import content
from roadmap.models import Concept, LearningStep, Revision, Skill, Source
from tests.accounts.test_user_admin import open_form
from tests.content_files import write_content
from tests.factories import ConceptFactory, SkillFactory, StepFactory
from tests.roadmap.test_admin import TestPrerequisiteCycles, admin_url
from tests.roadmap.test_loader import seed_data, snapshot


@pytest.fixture
def curator_client(client, group_curator):
    """A curator with the Curators group's permissions, not a superuser."""
    client.force_login(group_curator)
    return client


def refused(path) -> str:
    with pytest.raises(content.ContentError) as error:
        content.read([path])
    return "\n".join(error.value.problems)


def first_concept(data: dict) -> dict:
    return data["skills"][0]["concepts"][0]


@pytest.mark.django_db
class TestTheLoader:
    def test_a_prompt_loads_with_its_answer_and_exports_back(self, tmp_path):
        data = seed_data()
        concept = first_concept(data)
        source = next(iter(concept["quotes"]))
        concept["recall"] = "Which languages do the sources name for backend work?"
        concept["recall_answer"] = source
        skill = data["skills"][0]
        skill["recall"] = "What does this skill cover?"
        skill["recall_answer"] = next(iter(skill["quotes"]))
        path = write_content(tmp_path / "roadmap.yaml", data)
        call_command("load_roadmaps", str(path), stdout=StringIO())
        loaded = Concept.objects.get(slug=concept["slug"])
        recall = loaded.recall
        assert recall.prompt == concept["recall"]
        assert recall.source_slug == source
        assert recall.passages[0] == " ".join(str(concept["quotes"][source]).split())
        assert recall.note == loaded.editorial
        assert Skill.objects.get(slug=skill["slug"]).recall.prompt == skill["recall"]
        out = StringIO()
        call_command("export_roadmap", data["roles"][0]["slug"], stdout=out)
        assert "recall: Which languages do the sources name" in out.getvalue()
        assert f"recall_answer: {source}" in out.getvalue()

    def test_an_answer_the_item_does_not_quote_is_refused(self, tmp_path):
        data = seed_data()
        concept = first_concept(data)
        other = next(
            s["slug"] for s in data["sources"] if s["slug"] not in concept["quotes"]
        )
        concept["recall"] = "What is it?"
        concept["recall_answer"] = other
        path = write_content(tmp_path / "roadmap.yaml", data)
        message = refused(path)
        assert str(path) in message
        assert f"concepts[{concept['slug']}].recall_answer" in message
        assert f"quotes no passage of source '{other}'" in message
        before = snapshot()
        with pytest.raises(Exception, match="nothing was written"):
            call_command(
                "load_roadmaps", str(path), stdout=StringIO(), stderr=StringIO()
            )
        assert snapshot() == before

    @pytest.mark.parametrize(
        ("given", "says"),
        [
            ({"recall": "What is it?"}, "recall: is given without `recall_answer`"),
            ({"recall_answer": "SOURCE"}, "recall_answer: is given without `recall`"),
            ({"recall": "Why?", "recall_answer": "Not A Slug"}, "is not a slug"),
            ({"recall": ["a", "list"], "recall_answer": "SOURCE"}, "recall"),
        ],
    )
    def test_half_a_prompt_is_refused(self, tmp_path, given, says):
        data = seed_data()
        step = data["roles"][0]["stages"][0]["steps"][0]
        step.pop("recall", None), step.pop("recall_answer", None)  # half of one
        source = next(iter(step["quotes"]))
        step.update(
            {
                key: source if value == "SOURCE" else value
                for key, value in given.items()
            }
        )
        message = refused(write_content(tmp_path / "roadmap.yaml", data))
        assert f"steps[{step['slug']}]." in message
        assert says in message


def cited_sources() -> list[Source]:
    """Two sources: "doc", which the items below quote, and "other", which they
    cite without quoting."""
    return [
        Source.objects.create(
            slug="doc",
            title="A document",
            file_name="doc.txt",
            kind="article",
            text="Caching stores recently used data.\nQueues decouple services.\n",
        ),
        Source.objects.create(
            slug="other",
            title="Another document",
            file_name="other.txt",
            kind="article",
            text="Indexes speed up reads.\n",
        ),
    ]


def quoting_item(model):
    """A concept or a skill citing both sources and quoting only "doc"."""
    factory = {Concept: ConceptFactory, Skill: SkillFactory}[model]
    return factory(sources=cited_sources(), quotes={"doc": "Queues decouple services."})


def post_change_form(client, obj, **changes):
    """Open the item's change page and post back what its form holds, as a
    browser would, with `changes` (rendered field names) typed in."""
    url = admin_url(type(obj), "change", obj.pk)
    form = open_form(client, url, f"{obj._meta.model_name}_form")
    assert set(changes) <= form.names, set(changes) - form.names
    return client.post(url, {**form.data, **changes})


def field_errors(html: str, name: str) -> str:
    """The error list the admin renders for the field `name`."""
    start = html.index(f'id="id_{name}_error"')
    return html[start : html.index("</ul>", start)]


def recall_fields(obj) -> tuple[str, str]:
    obj.refresh_from_db()
    return obj.recall_prompt, obj.recall_answer


@pytest.mark.django_db
class TestTheAdmin:
    """A curator writes the prompt of a step, a concept (on its own page or
    on its skill's) and a skill; each page refuses an answer the item does
    not quote and half a prompt, and saves nothing."""

    def step(self):
        source = Source.objects.create(
            slug="doc",
            title="A document",
            file_name="doc.txt",
            kind="article",
            text="Caching stores recently used data.\nQueues decouple services.\n",
        )
        return StepFactory(
            sources=[source], quotes={"doc": "Queues decouple services."}
        )

    def form(self, step, prompt: str, answer: str) -> dict:
        data = TestPrerequisiteCycles().step_form(step, [])
        data.update(
            {
                "quotes": '{"doc": "Queues decouple services."}',
                "recall_prompt": prompt,
                "recall_answer": answer,
            }
        )
        return data

    def test_a_curator_writes_a_prompt(self, curator_client):
        step = self.step()
        page = curator_client.get(admin_url(LearningStep, "change", step.pk))
        assert b'name="recall_prompt"' in page.content
        assert b'name="recall_answer"' in page.content
        response = curator_client.post(
            admin_url(LearningStep, "change", step.pk),
            self.form(step, "What do queues do between services?", "doc"),
        )
        assert response.status_code == 302
        step.refresh_from_db()
        assert step.recall.prompt == "What do queues do between services?"
        assert step.recall.passages == ["Queues decouple services."]

    @pytest.mark.parametrize(
        ("prompt", "answer", "error"),
        [
            ("What do queues do?", "other", "quotes no passage of"),
            ("What do queues do?", "", "Name the source whose quote answers"),
            ("", "doc", "Write the question the quote answers"),
        ],
    )
    def test_a_prompt_without_a_quoted_answer_is_refused(
        self, curator_client, prompt, answer, error
    ):
        step = self.step()
        response = curator_client.post(
            admin_url(LearningStep, "change", step.pk), self.form(step, prompt, answer)
        )
        assert response.status_code == 200
        assert error in response.content.decode()
        step.refresh_from_db()
        assert step.recall_prompt == "" and step.recall_answer == ""

    @pytest.mark.parametrize("model", [Concept, Skill])
    def test_a_curator_writes_a_concepts_or_a_skills_prompt(
        self, curator_client, model
    ):
        item = quoting_item(model)
        response = post_change_form(
            curator_client,
            item,
            recall_prompt="What do queues do between services?",
            recall_answer="doc",
        )
        assert response.status_code == 302
        item.refresh_from_db()
        assert item.recall.prompt == "What do queues do between services?"
        assert item.recall.source_slug == "doc"
        assert item.recall.passages == ["Queues decouple services."]

    @pytest.mark.parametrize("model", [Concept, Skill])
    def test_an_answer_the_item_does_not_quote_is_refused(self, curator_client, model):
        item = quoting_item(model)
        revisions = Revision.objects.count()
        response = post_change_form(
            curator_client,
            item,
            recall_prompt="What do indexes speed up?",
            recall_answer="other",
        )
        assert response.status_code == 200
        errors = field_errors(response.content.decode(), "recall_answer")
        assert "The item quotes no passage of “other”" in errors
        assert "(doc)" in errors
        assert recall_fields(item) == ("", "")
        assert Revision.objects.count() == revisions

    def test_a_curator_writes_a_concepts_prompt_on_its_skills_page(
        self, curator_client
    ):
        concept = quoting_item(Concept)
        response = post_change_form(
            curator_client,
            concept.skill,
            **{
                "concepts-0-recall_prompt": "What do queues do between services?",
                "concepts-0-recall_answer": "doc",
            },
        )
        assert response.status_code == 302
        assert recall_fields(concept) == ("What do queues do between services?", "doc")

    @pytest.mark.parametrize(
        ("prompt", "answer", "field", "error"),
        [
            ("What do indexes speed up?", "other", "recall_answer", "no passage of"),
            ("What do queues do?", "", "recall_answer", "Name the source whose"),
            ("", "doc", "recall_prompt", "Write the question the quote answers"),
        ],
    )
    def test_a_concepts_prompt_on_its_skills_page_is_checked(
        self, curator_client, prompt, answer, field, error
    ):
        concept = quoting_item(Concept)
        response = post_change_form(
            curator_client,
            concept.skill,
            **{
                "concepts-0-recall_prompt": prompt,
                "concepts-0-recall_answer": answer,
            },
        )
        assert response.status_code == 200
        assert error in field_errors(response.content.decode(), f"concepts-0-{field}")
        assert recall_fields(concept) == ("", "")
