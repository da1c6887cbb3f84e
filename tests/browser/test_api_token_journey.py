"""A learner's tool reaches their progress, in Chromium: make a token in
account settings, see it once, use it from another program to mark a step
done, see the step done on the role page, then revoke the token and watch the
API refuse it."""

import re

import pytest
from playwright.sync_api import expect

from roadmap.models import LearningStep
from tests.browser.conftest import watched_context
from tests.browser.test_progress import sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

STEP = "choose-a-backend-language"


def test_a_token_made_in_settings_marks_a_step_and_stops_when_revoked(
    browser, live_server, seed_roadmap
):
    UserFactory(username="tilly")
    context = watched_context(browser)
    page = context.new_page()
    sign_in(page, live_server, "tilly")
    page.goto(live_server.url + "/account/")
    page.get_by_role("link", name="make, see and revoke your API tokens").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API tokens")
    page.get_by_label("Name").fill("My notes app")
    page.get_by_role("radio", name=re.compile("Read and write")).check()
    page.get_by_role("button", name="Make token").click()
    token = page.locator("#new-token").input_value()
    assert re.fullmatch(r"wm_[0-9a-f]{8}_[A-Za-z0-9_-]{43}", token)
    page.reload()
    assert page.locator("#new-token").count() == 0  # shown once
    expect(page.get_by_role("cell", name="active")).to_be_visible()

    # Another program: no cookies, only the token.
    tool = browser.new_context()
    answer = tool.request.put(
        f"{live_server.url}/api/v1/me/statuses/step/{STEP}",
        data={"status": "done"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status == 200 and answer.json()["status"] == "done"

    # The learner's own pages show it: the step's control, and the figures.
    step = LearningStep.objects.get(slug=STEP)
    page.goto(live_server.url + f"/items/step/{STEP}/")
    expect(
        page.locator(f"#status-step-{step.pk} button[value=done]")
    ).to_have_attribute("aria-pressed", "true")

    page.goto(live_server.url + "/account/tokens/")
    page.get_by_role("button", name="Revoke My notes app").click()
    expect(page.get_by_role("cell", name="revoked")).to_be_visible()
    refused = tool.request.get(
        f"{live_server.url}/api/v1/me/roles",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert refused.status == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert page.evaluate("window.__cspViolations") == []
    tool.close()
    context.close()
