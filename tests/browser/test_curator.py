"""A curator edits and publishes a step; the learner sees it, progress intact."""

import re

import pytest
from playwright.sync_api import expect

from progress.models import ItemProgress
from roadmap.models import LearningStep
from tests.accounts.helpers import code_to_type
from tests.browser.conftest import watched_context
from tests.browser.test_progress import sign_in
from tests.factories import PASSWORD, UserFactory, enable_two_factor

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in_to_the_admin(page, live_server, username: str, secret: str) -> None:
    """Through the site's login, with the authenticator's code as staff must."""
    page.goto(live_server.url + "/admin/")
    page.fill("#id_login", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.fill("#id_code", code_to_type(secret))
    page.get_by_role("button", name=re.compile("Sign In|Continue")).click()
    page.wait_for_url("**/admin/")


def test_a_curator_edit_reaches_the_learner_with_progress_intact(
    browser, live_server, seed_roadmap
):
    learner = UserFactory(username="lee")
    cura = UserFactory(username="cura", is_staff=True, is_superuser=True)
    secret = enable_two_factor(cura)
    step = LearningStep.objects.order_by("stage__position", "position").first()
    step.is_published = False
    step.save()
    ItemProgress.objects.set_status(learner, step, "done")

    curator_context = watched_context(browser)
    curator = curator_context.new_page()
    sign_in_to_the_admin(curator, live_server, "cura", secret)
    curator.goto(live_server.url + f"/admin/roadmap/learningstep/{step.pk}/change/")
    curator.fill("#id_title", "Pick your first backend language")
    curator.check("#id_is_published")
    curator.locator("input[name=_save]").click()
    expect(curator.locator(".messagelist")).to_contain_text("was changed successfully")

    learner_context = watched_context(browser)
    page = learner_context.new_page()
    sign_in(page, live_server, "lee")
    page.goto(live_server.url + "/roles/backend-engineer/")
    item = page.locator(f"#step-{step.slug}")
    expect(item).to_contain_text("Pick your first backend language")
    expect(item.locator("button[value=done]")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#role-progress")).to_contain_text(
        re.compile(r"Steps: 1 of \d+ done")
    )
    assert page.evaluate("window.__cspViolations") == []
    assert ItemProgress.objects.filter(
        learner=learner, step=step, status="done"
    ).exists()
    curator_context.close()
    learner_context.close()
