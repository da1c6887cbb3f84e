"""Marking progress in Chromium: htmx updates the item and every figure in place."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/dashboard/")


def pressed(page, form_selector: str) -> str:
    return page.locator(f'{form_selector} button[aria-pressed="true"]').inner_text()


def test_marking_steps_updates_the_figures_without_a_reload(
    page, live_server, seed_roadmap
):
    UserFactory(username="walker")
    sign_in(page, live_server, "walker")
    page.goto(live_server.url + "/roles/backend-engineer/")
    page.get_by_role("button", name="Follow this roadmap").click()
    page.wait_for_selector("text=Stop following")
    page.evaluate("window.__sameDocument = true")
    percent = page.locator("#role-progress .big-number")
    assert percent.inner_text() == "0%"

    forms = page.locator("ol.steps form.status-control")
    first = forms.nth(0)
    first_id = "#" + first.get_attribute("id")
    first.get_by_role("button", name="Done", exact=False).first.click()
    expect(page.locator(f"{first_id} button[value=done]")).to_have_attribute(
        "aria-pressed", "true"
    )
    panel = page.locator("#role-progress")
    expect(panel).to_contain_text("Steps: 1 of 40 done")
    # The percentage is the share of the hours: the first step's 4 h of them.
    expect(panel).to_contain_text(re.compile(r"\b4 of \d+ h of work done"))
    expect(page.locator("#live-region")).to_contain_text("marked as done")

    second = forms.nth(1)
    second_id = "#" + second.get_attribute("id")
    second.locator("button[value=learning]").click()
    expect(page.locator(f"{second_id} button[value=learning]")).to_have_attribute(
        "aria-pressed", "true"
    )
    third = forms.nth(2)
    third_id = "#" + third.get_attribute("id")
    third.locator("button[value=skipped]").click()
    expect(page.locator(f"{third_id} button[value=skipped]")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(panel).to_contain_text("1 learning")
    expect(panel).to_contain_text("1 skipped")
    expect(panel).to_contain_text("Steps: 1 of 39 done")  # skipped leaves the count
    assert page.evaluate("window.__sameDocument") is True
    assert page.evaluate("window.__cspViolations") == []
    assert page.problems.console_errors == []

    page.reload()
    assert pressed(page, first_id).startswith("Done")


def test_the_dashboard_updates_in_place_too(page, live_server, seed_roadmap):
    UserFactory(username="dash")
    sign_in(page, live_server, "dash")
    page.goto(live_server.url + "/roles/backend-engineer/")
    page.get_by_role("button", name="Follow this roadmap").click()
    page.goto(live_server.url + "/dashboard/")
    page.evaluate("window.__sameDocument = true")
    title = page.locator(".continue a").first.inner_text()
    page.locator(".continue button[value=done]").click()
    expect(page.locator(".continue a").first).not_to_have_text(title)
    assert "1 day" in page.locator("#dashboard-activity").inner_text()
    assert page.locator("#dashboard-activity rect.heat--1").count() == 1
    assert page.evaluate("window.__sameDocument") is True
    assert page.evaluate("window.__cspViolations") == []


def test_without_javascript_the_same_forms_work(browser, live_server, seed_roadmap):
    UserFactory(username="nojs")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, "nojs")
    page.goto(live_server.url + "/roles/backend-engineer/")
    form = page.locator("ol.steps form.status-control").first
    form_id = "#" + form.get_attribute("id")
    form.locator("button[value=done]").click()
    page.wait_for_load_state("load")
    assert pressed(page, form_id).startswith("Done")
    assert "Steps: 1 of" in page.locator("#role-progress").inner_text()
    context.close()


@pytest.mark.parametrize(("width", "scheme"), [(1280, "light"), (360, "dark")])
def test_signed_in_pages_pass_axe(
    browser, live_server, seed_roadmap, axe_source, width, scheme
):
    UserFactory(username=f"axe{width}")
    context = browser.new_context(
        viewport={"width": width, "height": 900}, color_scheme=scheme
    )
    page = context.new_page()
    sign_in(page, live_server, f"axe{width}")
    page.goto(live_server.url + "/roles/backend-engineer/")
    page.get_by_role("button", name="Follow this roadmap").click()
    page.locator("ol.steps form.status-control button[value=done]").first.click()
    page.wait_for_load_state("networkidle")
    found = {}
    for path in [
        "/dashboard/",
        "/roles/backend-engineer/",
        "/skills/databases-and-sql/",
        "/items/step/choose-a-backend-language/",
        "/account/",
    ]:
        page.goto(live_server.url + path)
        violations = axe_violations(page, axe_source)
        if violations:
            found[path] = violations
    context.close()
    assert found == {}
