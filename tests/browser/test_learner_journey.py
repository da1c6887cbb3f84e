"""A visitor signs up, follows a role, tracks progress, keeps notes and exports."""

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.queue import delivered

pytestmark = pytest.mark.django_db(transaction=True)


def test_signup_to_export(page, live_server, seed_roadmap):
    page.goto(live_server.url + "/accounts/signup/")
    page.fill("#id_email", "newbie@example.com")
    page.fill("#id_username", "newbie")
    page.fill("#id_password1", "a long and unusual passphrase 42")
    page.fill("#id_password2", "a long and unusual passphrase 42")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("load")
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", delivered()[-1].body)
    assert link, delivered()[-1].body
    page.goto(live_server.url + "/" + link.group(0).split("/", 3)[3])
    page.locator("main form button[type=submit]").click()
    # Confirming in the browser that signed up lands signed in, on the dashboard.
    page.wait_for_url("**/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, newbie")

    page.goto(live_server.url + "/roles/backend-engineer/")
    page.get_by_role("button", name="Follow this roadmap").click()
    page.wait_for_selector("text=Stop following")
    page.evaluate("window.__sameDocument = true")
    forms = page.locator("ol.steps form.status-control")
    panel = page.locator("#role-progress")
    for index, status in enumerate(["done", "learning", "skipped"]):
        form = forms.nth(index)
        button = form.locator(f"button[value={status}]")
        button.click()
        expect(
            page.locator(f"#{form.get_attribute('id')} button[value={status}]")
        ).to_have_attribute("aria-pressed", "true")
    expect(panel).to_contain_text("Steps: 1 of 39 done")
    expect(panel).to_contain_text("1 learning")
    assert page.evaluate("window.__sameDocument") is True

    page.goto(live_server.url + "/items/step/choose-a-backend-language/")
    page.fill("#id_note", "Chose Python: batteries included.")
    page.get_by_role("button", name="Save note").click()
    expect(page.locator("#note")).to_contain_text("Saved.")
    page.fill("#id_url", "https://example.com/my-first-api")
    page.get_by_role("button", name="Add evidence").click()
    expect(page.locator("#evidence")).to_contain_text("example.com/my-first-api")

    page.goto(live_server.url + "/dashboard/")
    expect(page.locator(".continue")).to_contain_text("Continue with")
    expect(page.locator("#dashboard-activity svg[role=img]")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="complete export (JSON)").click()
    data = json.loads(Path(download.value.path()).read_text())
    assert data["account"]["username"] == "newbie"
    statuses = {row["status"] for row in data["progress"]}
    assert {"done", "learning", "skipped"} <= statuses
    assert any(row["note"].startswith("Chose Python") for row in data["progress"])
    assert page.evaluate("window.__cspViolations") == []
