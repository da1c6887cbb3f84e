"""The public pages: what anonymous visitors, learners and curators see."""

import re

import pytest
from django.urls import reverse

from roadmap.models import LearningStep, Role, Skill
from tests.factories import (
    ConceptFactory,
    RoleFactory,
    RoleSkillFactory,
    SkillFactory,
    SourceFactory,
    StageFactory,
    StepFactory,
)


def text(response) -> str:
    return response.content.decode()


@pytest.mark.django_db
class TestHome:
    def test_it_lists_published_roles_with_counts(self, client, seed_roadmap):
        response = client.get(reverse("home"))
        assert response.status_code == 200
        body = text(response)
        assert "Backend Engineer" in body
        assert 'href="/roles/backend-engineer/"' in body
        steps = LearningStep.objects.count()
        assert f"{steps} steps" in body

    def test_it_hides_draft_roles_from_visitors_and_learners(self, client, learner):
        RoleFactory(title="Secret draft role", is_published=False)
        assert "Secret draft role" not in text(client.get(reverse("home")))
        client.force_login(learner)
        assert "Secret draft role" not in text(client.get(reverse("home")))

    def test_it_shows_drafts_to_curators_marked_as_such(self, client, curator):
        RoleFactory(title="Secret draft role", is_published=False)
        client.force_login(curator)
        body = text(client.get(reverse("home")))
        assert "Secret draft role" in body
        assert "Draft" in body

    def test_it_says_so_when_nothing_is_published(self, client, db):
        assert "No roadmaps are published yet" in text(client.get(reverse("home")))


@pytest.mark.django_db
class TestRolePage:
    def test_it_shows_the_stages_and_steps_in_order(self, client, seed_roadmap):
        response = client.get(reverse("role_detail", args=["backend-engineer"]))
        assert response.status_code == 200
        body = text(response)
        role = Role.objects.get(slug="backend-engineer")
        positions = [
            body.index(f'id="stage-{stage.slug}"')
            for stage in role.stages.order_by("position")
        ]
        assert positions == sorted(positions)
        for stage in role.stages.all():
            step_positions = [
                body.index(f'id="step-{step.slug}"')
                for step in stage.steps.order_by("position")
            ]
            assert step_positions == sorted(step_positions)

    def test_it_shows_what_the_seeds_say_about_the_role(self, client, seed_roadmap):
        body = text(client.get(reverse("role_detail", args=["backend-engineer"])))
        for heading in [
            "Responsibilities",
            "Day to day",
            "Typical background",
            "Leading industries",
            "What employers look for",
        ]:
            assert heading in body
        assert "USD 119,704" in body
        assert "ZipRecruiter" in body
        assert "June 2023" in body

    def test_it_groups_skills_by_importance(self, client, db):
        role = RoleFactory(slug="r")
        RoleSkillFactory(
            role=role, skill=SkillFactory(name="Optional thing"), importance="optional"
        )
        RoleSkillFactory(
            role=role, skill=SkillFactory(name="Core thing"), importance="core"
        )
        body = text(client.get(reverse("role_detail", args=["r"])))
        assert (
            body.index(">Core<") < body.index("Core thing") < body.index(">Optional<")
        )
        assert body.index(">Optional<") < body.index("Optional thing")

    def test_each_item_names_its_source(self, client, db):
        source = SourceFactory(title="The seed document")
        step = StepFactory(
            stage=StageFactory(role=RoleFactory(slug="r")), sources=[source]
        )
        body = text(client.get(reverse("role_detail", args=["r"])))
        step_html = body[body.index(f'id="step-{step.slug}"') :]
        assert "The seed document" in step_html  # the accessible name
        assert f'href="/sources/{source.slug}/"' in step_html

    def test_it_shows_prerequisites_concepts_and_resources(self, client, seed_roadmap):
        step = (
            LearningStep.objects.exclude(prerequisites=None)
            .exclude(resources=None)
            .first()
        )
        url = reverse("role_detail", args=["backend-engineer"])

        def step_html(view: str) -> str:
            body = text(client.get(url + view))
            start = body.index(f'id="step-{step.slug}"')
            return body[start : body.index('<li class="step"', start)]

        everything, overview = step_html("?view=all"), step_html("")
        for prerequisite in step.prerequisites.all():
            assert f'href="#step-{prerequisite.slug}"' in everything
            assert f'href="#step-{prerequisite.slug}"' in overview
        for resource in step.resources.all():
            assert resource.url in everything
            assert resource.url not in overview  # one link away
        assert f'href="?view=all#step-{step.slug}"' in overview

    def test_a_draft_role_is_404_for_visitors_and_learners(self, client, learner):
        RoleFactory(slug="draft", is_published=False)
        assert client.get(reverse("role_detail", args=["draft"])).status_code == 404
        client.force_login(learner)
        assert client.get(reverse("role_detail", args=["draft"])).status_code == 404

    def test_a_draft_role_is_visible_to_curators(self, client, curator):
        RoleFactory(slug="draft", is_published=False)
        client.force_login(curator)
        assert client.get(reverse("role_detail", args=["draft"])).status_code == 200

    def test_draft_steps_are_hidden_from_visitors(self, client, db):
        stage = StageFactory(role=RoleFactory(slug="r"))
        StepFactory(stage=stage, title="Public step")
        StepFactory(stage=stage, title="Unfinished step", is_published=False)
        body = text(client.get(reverse("role_detail", args=["r"])))
        assert "Public step" in body
        assert "Unfinished step" not in body

    def test_an_unknown_role_is_a_friendly_404(self, client, db):
        response = client.get(reverse("role_detail", args=["nope"]))
        assert response.status_code == 404
        assert "Page not found" in text(response)


@pytest.mark.django_db
class TestSkillPage:
    def test_it_shows_concepts_roles_and_steps(self, client, seed_roadmap):
        skill = Skill.objects.filter(steps__isnull=False).distinct().first()
        response = client.get(reverse("skill_detail", args=[skill.slug]))
        assert response.status_code == 200
        body = text(response)
        for concept in skill.concepts.all():
            assert f'id="concept-{concept.slug}"' in body
        assert 'href="/roles/backend-engineer/"' in body
        for step in skill.steps.all():
            assert f"#step-{step.slug}" in body

    def test_a_retired_skill_is_404_for_visitors(self, client, db):
        SkillFactory(slug="old", is_published=False)
        assert client.get(reverse("skill_detail", args=["old"])).status_code == 404

    def test_a_retired_concept_is_hidden(self, client, db):
        skill = SkillFactory(slug="s")
        ConceptFactory(skill=skill, name="Still current")
        ConceptFactory(skill=skill, name="Long gone", is_published=False)
        body = text(client.get(reverse("skill_detail", args=["s"])))
        assert "Still current" in body
        assert "Long gone" not in body

    def test_a_draft_role_is_not_listed(self, client, db):
        skill = SkillFactory(slug="s")
        RoleSkillFactory(
            skill=skill, role=RoleFactory(title="Hidden role", is_published=False)
        )
        assert "Hidden role" not in text(
            client.get(reverse("skill_detail", args=["s"]))
        )


@pytest.mark.django_db
class TestSearch:
    def test_it_finds_roles_skills_concepts_and_steps(self, client, seed_roadmap):
        response = client.get(reverse("search"), {"q": "database"})
        assert response.status_code == 200
        body = text(response)
        assert re.search(r"\d+ results? for “database”", body)
        assert "Skills" in body
        assert "Learning steps" in body

    def test_it_finds_a_named_technology(self, client, seed_roadmap):
        body = text(client.get(reverse("search"), {"q": "PostgreSQL"}))
        assert "PostgreSQL" in body
        assert "#concept-postgresql" in body

    def test_it_does_not_find_drafts(self, client, db):
        StepFactory(title="Zanzibar secrets", is_published=False)
        body = text(client.get(reverse("search"), {"q": "Zanzibar"}))
        assert "0 results" in body
        assert "Nothing matched" in body

    def test_a_step_of_a_draft_stage_is_not_found(self, client, db):
        StepFactory(title="Zanzibar", stage=StageFactory(is_published=False))
        assert "0 results" in text(client.get(reverse("search"), {"q": "Zanzibar"}))

    def test_the_empty_page_shows_the_form(self, client, db):
        response = client.get(reverse("search"))
        assert response.status_code == 200
        assert 'name="q"' in text(response)
        assert "results for" not in text(response)

    def test_a_blank_query_is_a_field_error(self, client, db):
        response = client.get(reverse("search"), {"q": "   "})
        assert response.status_code == 400
        assert "This field is required." in text(response)
        assert 'aria-invalid="true"' in text(response)

    def test_an_overlong_query_is_a_field_error(self, client, db):
        response = client.get(reverse("search"), {"q": "x" * 201})
        assert response.status_code == 400
        assert "at most 200 characters" in text(response)

    def test_a_null_character_is_a_field_error(self, client, db):
        response = client.get(reverse("search"), {"q": "a\x00b"})
        assert response.status_code == 400

    def test_hostile_markup_is_escaped(self, client, db):
        body = text(client.get(reverse("search"), {"q": "<script>alert(1)</script>"}))
        assert "<script>alert(1)</script>" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


@pytest.mark.django_db
class TestSources:
    def test_it_lists_the_seed_documents(self, client, seed_roadmap):
        body = text(client.get(reverse("sources")))
        assert "000_f4b2c9c2c3e95443.txt" in body
        assert 'id="source-profile-backend-engineer"' in body


@pytest.mark.django_db
def test_pages_refuse_other_methods(client, seed_roadmap):
    for url in [reverse("home"), reverse("role_detail", args=["backend-engineer"])]:
        assert client.post(url).status_code in (403, 405)
