"""Curation in the admin: every page opens, cycles are refused, actions work."""

from io import StringIO

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from roadmap.models import Concept, LearningStep, Resource, Role, Skill, Source, Stage
from tests.accounts.helpers import current_code
from tests.factories import PASSWORD, StepFactory

MODELS = [Role, Stage, LearningStep, Skill, Concept, Resource, Source]


def admin_url(model, view: str, *args) -> str:
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


@pytest.fixture
def curator_client(client, group_curator):
    """A curator with the Curators group's permissions, not a superuser."""
    client.force_login(group_curator)
    return client


@pytest.mark.django_db
class TestCuratorPages:
    def test_every_changelist_opens_and_searches(self, curator_client, seed_roadmap):
        for model in MODELS:
            response = curator_client.get(admin_url(model, "changelist"), {"q": "data"})
            assert response.status_code == 200, model

    def test_every_change_page_opens(self, curator_client, seed_roadmap):
        for model in MODELS:
            obj = model.objects.first()
            response = curator_client.get(admin_url(model, "change", obj.pk))
            assert response.status_code == 200, model

    def test_every_add_page_opens(self, curator_client, db):
        for model in MODELS:
            assert curator_client.get(admin_url(model, "add")).status_code == 200

    def test_the_role_page_has_stage_skill_and_fact_inlines(
        self, curator_client, seed_roadmap
    ):
        role = Role.objects.get()
        body = curator_client.get(admin_url(Role, "change", role.pk)).content.decode()
        assert 'id="stages-group"' in body
        assert 'id="role_skills-group"' in body
        assert 'id="facts-group"' in body
        assert "View on site" in body

    def test_the_stage_page_has_a_step_inline_and_the_step_page_resources(
        self, curator_client, seed_roadmap
    ):
        stage = Stage.objects.first()
        body = curator_client.get(admin_url(Stage, "change", stage.pk)).content.decode()
        assert 'id="steps-group"' in body
        step = LearningStep.objects.exclude(resources=None).first()
        body = curator_client.get(
            admin_url(LearningStep, "change", step.pk)
        ).content.decode()
        assert "resources-group" in body.replace(
            "learningstep_resources-group", "resources-group"
        )

    def test_the_skill_page_has_a_concept_inline(self, curator_client, seed_roadmap):
        skill = Skill.objects.first()
        body = curator_client.get(admin_url(Skill, "change", skill.pk)).content.decode()
        assert 'id="concepts-group"' in body

    def test_slugs_are_prepopulated_on_add_and_fixed_after(
        self, curator_client, seed_roadmap
    ):
        add = curator_client.get(admin_url(Role, "add")).content.decode()
        assert "prepopulated" in add
        role = Role.objects.get()
        change = curator_client.get(admin_url(Role, "change", role.pk)).content.decode()
        assert 'name="slug"' not in change


@pytest.mark.django_db
class TestPrerequisiteCycles:
    def step_form(self, step: LearningStep, prerequisites: list[int]) -> dict:
        data = {
            "stage": step.stage_id,
            "position": step.position,
            "title": step.title,
            "summary": step.summary,
            "sources": [s.pk for s in step.sources.all()],
            "prerequisites": prerequisites,
            "is_published": "on",
            "LearningStep_resources-TOTAL_FORMS": "0",
            "LearningStep_resources-INITIAL_FORMS": "0",
        }
        return data

    def test_a_cycle_is_refused_with_a_clear_error(self, curator_client, db):
        first = StepFactory(title="First step")
        second = StepFactory(title="Second step", stage=first.stage)
        second.prerequisites.add(first)
        response = curator_client.post(
            admin_url(LearningStep, "change", first.pk),
            self.step_form(first, [second.pk]),
        )
        assert response.status_code == 200
        body = response.content.decode()
        assert "These prerequisites would make a cycle" in body
        assert "First step" in body
        assert not first.prerequisites.exists()

    def test_a_valid_prerequisite_is_saved(self, curator_client, db):
        first = StepFactory()
        second = StepFactory(stage=first.stage)
        response = curator_client.post(
            admin_url(LearningStep, "change", second.pk),
            self.step_form(second, [first.pk]),
        )
        assert response.status_code == 302
        assert list(second.prerequisites.all()) == [first]


@pytest.mark.django_db
class TestActions:
    def test_unpublish_then_publish(self, curator_client, seed_roadmap):
        steps = list(LearningStep.objects.values_list("pk", flat=True)[:3])
        url = admin_url(LearningStep, "changelist")
        response = curator_client.post(
            url, {"action": "unpublish", "_selected_action": steps}, follow=True
        )
        assert "Learners&#x27; progress on them is kept" in response.content.decode()
        assert (
            LearningStep.objects.filter(pk__in=steps, is_published=False).count() == 3
        )
        curator_client.post(url, {"action": "publish", "_selected_action": steps})
        assert LearningStep.objects.filter(pk__in=steps, is_published=True).count() == 3

    def test_a_curators_edit_shows_on_the_site_at_once(
        self, curator_client, seed_roadmap
    ):
        step = LearningStep.objects.first()
        step.title = "Freshly edited title"
        step.save()
        body = curator_client.get(step.get_absolute_url()).content.decode()
        assert "Freshly edited title" in body


@pytest.mark.django_db
class TestAdminAccess:
    def test_visitors_are_sent_to_the_site_login(self, client):
        response = client.get(reverse("admin:index"), follow=True)
        assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
        assert "next=%2Fadmin%2F" in response.redirect_chain[-1][0]

    def test_the_admin_login_url_goes_to_the_site_login(self, client):
        response = client.get(reverse("admin:login"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))

    def test_learners_are_refused(self, client, learner):
        client.force_login(learner)
        assert client.get(reverse("admin:index"), follow=True).status_code == 403
        assert client.get(admin_url(Role, "changelist"), follow=True).status_code == 403

    def test_a_curator_signs_in_through_the_site_login(self, client, curator):
        response = client.post(
            reverse("account_login") + "?next=/admin/",
            {"login": "curator", "password": PASSWORD},
        )
        # Staff have two-factor on: the password alone does not sign in.
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_authenticate")
        assert client.get("/admin/").status_code == 302
        response = client.post(
            reverse("mfa_authenticate"), {"code": current_code(curator.totp_secret)}
        )
        assert response["Location"] == "/admin/"
        assert client.get("/admin/").status_code == 200

    def test_staff_without_two_factor_are_sent_to_set_it_up(self, client, db):
        from tests.factories import UserFactory

        newcomer = UserFactory(username="newcurator", is_staff=True, is_superuser=True)
        client.force_login(newcomer)
        response = client.get(admin_url(Role, "changelist"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("mfa_activate_totp"))
        page = client.get(response["Location"], follow=True).content.decode()
        assert "The admin needs two-factor authentication" in page
        # The rest of the site works as for anyone.
        assert client.get(reverse("dashboard")).status_code == 200

    def test_two_factor_is_open_to_every_learner(self, client, learner):
        client.force_login(learner)
        assert client.get(reverse("mfa_index")).status_code == 200

    def test_failed_admin_logins_are_rate_limited(self, client, curator):
        cache.clear()
        url = reverse("account_login") + "?next=/admin/"
        for _ in range(5):
            response = client.post(url, {"login": "curator", "password": "wrong"})
            assert response.status_code == 200
            assert "not correct" in response.content.decode()
        response = client.post(url, {"login": "curator", "password": PASSWORD})
        body = response.content.decode()
        assert response.status_code != 302
        assert "Too many failed login attempts" in body
        cache.clear()


@pytest.mark.django_db
def test_createcurator_makes_a_verified_staff_account(monkeypatch, client):
    from django.core.management import call_command

    monkeypatch.setenv("CURATOR_PASSWORD", PASSWORD)
    call_command("createcurator", "cura@example.com", "--no-input", stdout=StringIO())
    response = client.post(
        reverse("account_login") + "?next=/admin/",
        {"login": "cura@example.com", "password": PASSWORD},
    )
    assert response["Location"] == "/admin/"


@pytest.mark.django_db
class TestSourcesOnThePages:
    """A source the curator unpublishes or renames in the admin shows so on the
    public role and skill pages (signed out, cached; and signed in)."""

    def pages(self, learner):
        signed_in = Client()
        signed_in.force_login(learner)
        role = Role.objects.get()
        skill = Skill.objects.get(slug="databases-and-sql")
        return [
            who.get(url).content.decode()
            for who in (Client(), signed_in)
            for url in (role.get_absolute_url(), skill.get_absolute_url())
        ]

    def test_an_unpublished_source_leaves_the_pages(
        self, curator_client, seed_roadmap, learner
    ):
        source = Source.objects.get(kind="video")
        assert all(source.title in page for page in self.pages(learner))
        curator_client.post(
            admin_url(Source, "changelist"),
            {"action": "unpublish", "_selected_action": [source.pk]},
        )

        for page in self.pages(learner):
            assert source.title not in page
            assert f"#source-{source.slug}" not in page

    def test_a_renamed_source_shows_its_new_title(
        self, curator_client, seed_roadmap, learner
    ):
        source = Source.objects.get(kind="video")
        self.pages(learner)  # cached
        change = admin_url(Source, "change", source.pk)
        form = {
            "slug": source.slug,
            "title": "A renamed talk",
            "file_name": source.file_name,
            "kind": source.kind,
            "published_on": source.published_on or "",
            "summary": source.summary,
            "is_published": "on",
        }

        response = curator_client.post(change, form)

        assert response.status_code == 302
        for page in self.pages(learner):
            assert "A renamed talk" in page


@pytest.mark.django_db
class TestQuotesInTheAdmin:
    """A curator edits an item's quotes and Waymark's note in the admin; a quote
    that is not in its source's text, or names a source the item does not cite,
    is refused with the field's error and nothing changes."""

    def form(self, step: LearningStep, quotes: str, editorial: str = "") -> dict:
        data = TestPrerequisiteCycles().step_form(step, [])
        data.update({"quotes": quotes, "editorial": editorial})
        return data

    def step_citing_text(self):
        source = Source.objects.create(
            slug="doc",
            title="A document",
            file_name="doc.txt",
            kind="article",
            text="Caching stores recently used data.\nQueues decouple services.\n",
        )
        return StepFactory(sources=[source], quotes={}), source

    def test_a_quote_from_the_text_and_a_note_are_saved(self, curator_client, db):
        step, _source = self.step_citing_text()
        response = curator_client.post(
            admin_url(LearningStep, "change", step.pk),
            self.form(step, '{"doc": "Queues  decouple services."}', "Try one."),
        )
        assert response.status_code == 302
        step.refresh_from_db()
        assert step.quotes == {"doc": "Queues  decouple services."}
        assert step.editorial == "Try one."

    @pytest.mark.parametrize(
        ("quotes", "error"),
        [
            ('{"doc": "Queues never fail."}', "is not in that source&#x27;s text"),
            ('{"other": "Queues decouple services."}', "is not one of the item"),
            ('["a list"]', "Give a mapping of source slugs to quotes"),
        ],
    )
    def test_a_quote_that_drifts_from_its_source_is_refused(
        self, curator_client, db, quotes, error
    ):
        step, _source = self.step_citing_text()
        response = curator_client.post(
            admin_url(LearningStep, "change", step.pk), self.form(step, quotes)
        )
        assert response.status_code == 200
        assert error in response.content.decode()
        step.refresh_from_db()
        assert step.quotes == {}

    def test_a_sources_text_is_not_edited_in_the_admin(self, curator_client, db):
        _step, source = self.step_citing_text()
        body = curator_client.get(admin_url(Source, "change", source.pk)).content
        assert b'name="text"' not in body
        assert b"Queues decouple services." in body
