"""The seed roadmap says what its sources say, and labels what is Waymark's own."""

import html
import re
from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse

from roadmap.models import LearningStep, Role, RoleSkill
from tests.content_files import write_content
from tests.roadmap import test_admin
from tests.roadmap.test_loader import load, seed_data, snapshot
from tests.roadmap.test_quotes import first_step, refused

# The profile lists these under "Core Skills and Tools"; the essay calls messaging
# "a fundamental piece of backend architecture"; the guide calls server
# technologies "crucial".
RANKED_CORE_BY_SOURCES = {
    "containers-deployment-and-cloud": (
        "profile-backend-engineer",
        "Familiarity with containerization and deployment",
    ),
    "testing": ("profile-backend-engineer", "Experience writing unit, integration"),
    "messaging-systems": (
        "essay-backend-fundamentals",
        "a fundamental piece of backend architecture",
    ),
    "web-servers-and-proxies": ("guide-becoming-a-backend-engineer", "is crucial"),
}

# A second passage of each source the first seed step cites.
SECOND_PASSAGE = {
    "profile-backend-engineer": [
        "Learn SQL and practice designing databases and writing queries."
    ],
}


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def role(seed_roadmap):
    return Role.objects.get(slug="backend-engineer")


def quotes_of(item, source: str) -> list[str]:
    quoted = item.quotes.get(source, [])
    return [quoted] if isinstance(quoted, str) else quoted


@pytest.mark.parametrize("skill", sorted(RANKED_CORE_BY_SOURCES))
def test_skills_the_sources_rank_core_are_core_with_the_quote(role, skill):
    role_skill = role.role_skills.get(skill__slug=skill)
    source, words = RANKED_CORE_BY_SOURCES[skill]
    assert role_skill.importance == RoleSkill.Importance.CORE
    assert role_skill.importance_basis == RoleSkill.Basis.SOURCES
    assert any(words in quote for quote in quotes_of(role_skill.skill, source))


def test_unranked_skills_are_waymarks_judgement(role):
    role_skill = role.role_skills.get(skill__slug="version-control")
    assert role_skill.importance_basis == RoleSkill.Basis.WAYMARK


def test_the_role_page_labels_importance_by_its_basis(client, role):
    body = text(client.get(reverse("role_detail", args=[role.slug])))
    body = body[body.index('id="skills-title"') :]
    testing = body.index('href="/skills/testing/"')
    version_control = body.index('href="/skills/version-control/"')
    assert "(importance from the sources)" in body[testing : testing + 400]
    assert "(importance: Waymark's judgement)" in body[
        version_control : version_control + 400
    ].replace("&#x27;", "'")


def test_the_skill_page_labels_importance_as_waymarks_judgement(client, role):
    body = text(client.get(reverse("skill_detail", args=["version-control"])))
    assert "recommended" in body
    assert "Waymark&#x27;s judgement" in body or "Waymark's judgement" in body


# --- Several quotes from one source -------------------------------------------


@pytest.mark.django_db
class TestSeveralQuotesFromOneSource:
    def test_an_item_may_quote_several_passages_of_one_source(self, tmp_path):
        data = seed_data()
        step = first_step(data)
        source = "profile-backend-engineer"
        step["quotes"][source] = [step["quotes"][source], *SECOND_PASSAGE[source]]
        load(write_content(tmp_path / "roadmap.yaml", data))
        stored = LearningStep.objects.get(slug=step["slug"]).quotes[source]
        assert len(stored) == 2

    def test_one_passage_of_several_not_in_the_source_is_refused(self, tmp_path):
        data = seed_data()
        step = first_step(data)
        source = "profile-backend-engineer"
        step["quotes"][source] = [step["quotes"][source], "Learn Git first."]
        path = write_content(tmp_path / "roadmap.yaml", data)
        message = refused(path)
        assert str(path) in message
        assert f"steps[{step['slug']}].quotes.{source}[1]" in message
        assert "not in the text of source" in message
        before = snapshot()
        with pytest.raises(Exception, match="nothing was written"):
            call_command(
                "load_roadmaps", str(path), stdout=StringIO(), stderr=StringIO()
            )
        assert snapshot() == before

    @pytest.mark.parametrize(
        ("value", "says"),
        [
            ([], "expected the quoted passage, as text or a list of passages"),
            (["ok", 3], ".quotes.video-what-it-takes[1]: expected the quoted"),
        ],
    )
    def test_a_malformed_list_of_passages_is_refused(self, tmp_path, value, says):
        data = seed_data()
        first_step(data)["quotes"] = {"video-what-it-takes": value}
        assert says in refused(write_content(tmp_path / "roadmap.yaml", data))

    def test_the_page_shows_each_passage_and_the_export_keeps_them(
        self, tmp_path, client
    ):
        data = seed_data()
        step = first_step(data)
        source = "profile-backend-engineer"
        passages = [step["quotes"][source], *SECOND_PASSAGE[source]]
        step["quotes"][source] = passages
        load(write_content(tmp_path / "roadmap.yaml", data))
        url = reverse("role_detail", args=["backend-engineer"]) + "?view=all"
        body = text(client.get(url))
        for passage in passages:
            assert html.escape(passage.split(".")[0]) in body
        exported = tmp_path / "out" / "exported.yaml"
        exported.parent.mkdir()
        call_command(
            "export_roadmap", "backend-engineer", "--output", str(exported),
            stdout=StringIO(),
        )  # fmt: skip
        again = yaml.safe_load(exported.read_text())
        assert first_step(again)["quotes"][source] == passages


# Notes that said what a source says are now that source's words, quoted.
RESTATED = [
    ("concept", "web-server", "essay-backend-fundamentals", "software, hardware"),
    ("concept", "asynchronous-communication", "essay-backend-fundamentals", "glue"),
    ("concept", "asynchronous-communication", "essay-backend-fundamentals", "crumble"),
    ("skill", "web-frameworks", "essay-backend-fundamentals", "saves time"),
    ("concept", "web-framework", "essay-backend-fundamentals", "active communities"),
    ("concept", "interview-preparation", "guide-becoming-a-backend-engineer",
     "Practice coding exercises"),
    ("step", "prepare-for-interviews", "guide-becoming-a-backend-engineer",
     "research the company"),
    ("step", "build-a-portfolio", "guide-becoming-a-backend-engineer",
     "the challenges you faced"),
    ("step", "apply-for-backend-jobs", "guide-becoming-a-backend-engineer",
     "Tailor your resume"),
    ("concept", "portfolio", "guide-becoming-a-backend-engineer", "live demos"),
    ("concept", "proxy", "essay-backend-fundamentals", "compromised"),
    ("concept", "specialization", "essay-backend-fundamentals", "master every"),
    ("skill", "apis", "article-backend-engineer-skills", "API documentation"),
    ("step", "monitor-production-services", "profile-backend-engineer",
     "Patience and persistence"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "slug", "source", "words"), RESTATED)
def test_a_note_that_restated_a_source_is_now_its_quote(
    seed_roadmap, kind, slug, source, words
):
    from roadmap.models import Concept, Skill

    model = {"concept": Concept, "skill": Skill, "step": LearningStep}[kind]
    item = model.objects.get(slug=slug)
    assert item.editorial == ""
    if words:
        assert any(words in quote for quote in quotes_of(item, source))


# --- Prerequisites are Waymark's ordering ---------------------------------------


def step_block(body: str, slug: str) -> str:
    block = body[body.index(f'id="step-{slug}"') :]
    return block[: block.index('<li class="step"')]


@pytest.mark.parametrize("signed_in", [False, True])
def test_prerequisites_are_labelled_as_waymarks_order(client, role, learner, signed_in):
    if signed_in:
        client.force_login(learner)
    body = text(client.get(reverse("role_detail", args=[role.slug])))
    step = step_block(body, "implement-authentication")
    assert 'href="#step-understand-sessions"' in step
    assert "Order suggested by Waymark" in step


# --- Small fixes ------------------------------------------------------------------


def test_the_tagline_is_quoted_from_the_profile(role):
    assert any(
        role.tagline in quote for quote in quotes_of(role, "profile-backend-engineer")
    )


def test_the_hackathons_fact_is_background_not_a_certification(role):
    from roadmap.models import RoleFact

    hackathons = role.facts.get(text__icontains="hackathons")
    assert hackathons.kind == RoleFact.Kind.BACKGROUND


@pytest.mark.parametrize(
    ("slug", "kind"),
    [
        ("rfc-9110-http-semantics", "specification"),
        ("postman-docs", "official_docs"),
        ("mdn-http", "reference"),
    ],
)
def test_resources_are_filed_as_the_kind_they_are(seed_roadmap, slug, kind):
    from roadmap.models import Resource

    assert Resource.objects.get(slug=slug).kind == kind


def test_a_sources_date_is_shown_as_dated_not_published(client, seed_roadmap):
    for url in (
        reverse("sources"),
        reverse("source_detail", args=["video-what-it-takes"]),
    ):
        body = text(client.get(url))
        assert ", dated " in body
        assert ", published " not in body


# --- Passages a learner would want ------------------------------------------------

WANTED = [
    ("role", "backend-engineer", "essay-backend-fundamentals",
     "also known as server-side engineers"),
    ("role", "backend-engineer", "video-what-it-takes", "growth and advancement"),
    ("group", "backend-language", "essay-backend-fundamentals",
     "It doesn't matter which language or framework you choose. These fundamentals"),
    ("group", "backend-language", "guide-becoming-a-backend-engineer",
     "Each language has its own strengths"),
    ("step", "build-a-portfolio", "guide-becoming-a-backend-engineer",
     "a variety of technologies and frameworks"),
    ("step", "build-a-portfolio", "guide-becoming-a-backend-engineer",
     "from ideation to deployment"),
    ("fact", "employers_look_for", "article-backend-engineer-skills",
     "may vary depending on the company"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "slug", "source", "words"), WANTED)
def test_passages_a_learner_wants_are_quoted(role, kind, slug, source, words):
    from roadmap.models import ChoiceGroup

    if kind == "role":
        items = [role]
    elif kind == "group":
        items = [ChoiceGroup.objects.get(slug=slug)]
    elif kind == "step":
        items = [LearningStep.objects.get(slug=slug)]
    else:
        items = list(role.facts.filter(kind=slug))
    assert any(words in quote for item in items for quote in quotes_of(item, source))


def test_the_role_page_shows_the_wanted_passages(client, role):
    url = reverse("role_detail", args=[role.slug]) + "?view=all"
    body = html.unescape(text(client.get(url)))
    for words in (
        "also known as server-side engineers",
        "growth and advancement",
        "from ideation to deployment",
        "may vary depending on the company",
        "Each language has its own strengths",
    ):
        assert words in body, words


# --- The admin takes several passages of one source too ---------------------------


@pytest.fixture
def curator_client(client, group_curator):
    """A curator with the Curators group's permissions, not a superuser."""
    client.force_login(group_curator)
    return client


@pytest.mark.django_db
class TestSeveralQuotesInTheAdmin:
    def test_a_list_of_passages_from_the_text_is_saved(self, curator_client):
        admin = test_admin.TestQuotesInTheAdmin()
        step, _source = admin.step_citing_text()
        quotes = '{"doc": ["Queues decouple services.", "Caching stores"]}'
        response = curator_client.post(
            test_admin.admin_url(LearningStep, "change", step.pk),
            admin.form(step, quotes),
        )
        assert response.status_code == 302
        step.refresh_from_db()
        assert step.quotes == {"doc": ["Queues decouple services.", "Caching stores"]}

    def test_one_passage_not_in_the_text_refuses_the_list(self, curator_client):
        admin = test_admin.TestQuotesInTheAdmin()
        step, _source = admin.step_citing_text()
        quotes = '{"doc": ["Queues decouple services.", "Queues never fail."]}'
        response = curator_client.post(
            test_admin.admin_url(LearningStep, "change", step.pk),
            admin.form(step, quotes),
        )
        assert response.status_code == 200
        assert "is not in that source&#x27;s text" in response.content.decode()
        step.refresh_from_db()
        assert step.quotes == {}
