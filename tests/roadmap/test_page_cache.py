"""Signed-out role pages come from the cache, and a curator's change shows at once."""

import pytest
from django.test import Client
from django.urls import reverse

from roadmap import content
from roadmap.content import loading
from roadmap.models import LearningStep, Role
from tests.roadmap import test_admin
from tests.roadmap.test_admin import admin_url

pytestmark = pytest.mark.django_db

ROLE_URL = reverse("role_detail", args=["backend-engineer"])


@pytest.fixture
def curator_client(curator):
    client = Client()
    client.force_login(curator)
    return client


def visitor_sees(text: str) -> bool:
    return text in Client().get(ROLE_URL).content.decode()


def served_from_cache(django_assert_page_queries) -> bool:
    with django_assert_page_queries(0):
        Client().get(ROLE_URL)
    return True


def test_an_admin_edit_shows_to_visitors_at_once(
    seed_roadmap, curator_client, django_assert_page_queries
):
    step = LearningStep.objects.filter(stage__role__slug="backend-engineer").first()
    assert visitor_sees(step.title)
    assert served_from_cache(django_assert_page_queries)

    form = test_admin.TestPrerequisiteCycles().step_form(step, [])
    form["title"] = "A title the curator just wrote"
    response = curator_client.post(admin_url(LearningStep, "change", step.pk), form)
    assert response.status_code == 302

    assert visitor_sees("A title the curator just wrote")
    assert not visitor_sees(f">{step.title}<")
    assert served_from_cache(django_assert_page_queries)


def test_unpublishing_in_the_admin_hides_the_step_at_once(seed_roadmap, curator_client):
    step = LearningStep.objects.filter(stage__role__slug="backend-engineer").last()
    assert visitor_sees(f'id="step-{step.slug}"')
    curator_client.post(
        admin_url(LearningStep, "changelist"),
        {"action": "unpublish", "_selected_action": [step.pk]},
    )
    assert not visitor_sees(f'id="step-{step.slug}"')
    curator_client.post(
        admin_url(LearningStep, "changelist"),
        {"action": "publish", "_selected_action": [step.pk]},
    )
    assert visitor_sees(f'id="step-{step.slug}"')


def test_reloading_the_content_files_shows_at_once(seed_roadmap, settings):
    assert visitor_sees("Backend Engineer")
    Role.objects.filter(slug="backend-engineer").update(title="Stale title")
    # A bulk update bypasses the signals; loading the files restores the title
    # and retires the cached page, as a deploy that loads content would.
    assert visitor_sees("Backend Engineer")
    loading.load(content.read([settings.ROADMAP_FIXTURES_DIR]))
    assert visitor_sees("Backend Engineer")
    assert not visitor_sees("Stale title")


def test_a_draft_role_is_never_served_to_visitors_from_the_cache(
    seed_roadmap, curator_client
):
    assert curator_client.get(ROLE_URL).status_code == 200
    role = Role.objects.get(slug="backend-engineer")
    role.is_published = False
    role.save()
    assert Client().get(ROLE_URL).status_code == 404
    assert "Draft" in curator_client.get(ROLE_URL).content.decode()


def test_signed_in_pages_are_never_shared(seed_roadmap, learner, other_learner):
    from progress.models import ItemProgress

    step = LearningStep.objects.filter(stage__role__slug="backend-engineer").first()
    ItemProgress.objects.set_status(learner, step, "done")
    Client().get(ROLE_URL)  # fills the visitors' cache
    mine, theirs = Client(), Client()
    mine.force_login(learner)
    theirs.force_login(other_learner)
    assert "status-control--done" in mine.get(ROLE_URL).content.decode()
    assert "status-control--done" not in theirs.get(ROLE_URL).content.decode()
    assert "Follow this roadmap" in theirs.get(ROLE_URL).content.decode()
    assert "status-control" not in Client().get(ROLE_URL).content.decode()
