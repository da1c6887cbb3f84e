"""The public roadmap in a real browser: it renders, obeys the CSP, fits phones."""

import pytest

from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.django_db(transaction=True)

PATHS = [
    "/",
    "/roles/backend-engineer/",
    "/skills/databases-and-sql/",
    "/search/?q=caching",
    "/sources/",
    "/accounts/login/",
    "/no-such-page/",
]


def test_public_pages_have_no_csp_violations_or_console_errors(
    page, live_server, seed_roadmap
):
    for path in PATHS:
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        assert page.evaluate("window.__cspViolations") == [], path
        assert page.evaluate("typeof window.htmx") == "object", path
    assert page.problems.csp_violations == []
    # The 404 page logs its status as a console error; nothing else may.
    unexpected = [e for e in page.problems.console_errors if "404" not in e]
    assert unexpected == []


def test_the_role_page_fits_a_360_px_phone(page, live_server, seed_roadmap):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server.url + "/roles/backend-engineer/")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert page.get_by_role("heading", level=1).inner_text() == "Backend Engineer"


def test_the_skip_link_is_first_and_moves_focus_to_the_content(
    page, live_server, seed_roadmap
):
    page.goto(live_server.url + "/roles/backend-engineer/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main-content"


def test_search_from_the_home_page(page, live_server, seed_roadmap):
    page.goto(live_server.url + "/")
    page.get_by_label("Search roles, skills, concepts, steps and sources").fill(
        "PostgreSQL"
    )
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search/?q=PostgreSQL")
    assert page.get_by_role("link", name="PostgreSQL").first.is_visible()


def test_dark_scheme_changes_the_colours(browser, live_server, seed_roadmap):
    colours = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme)
        page = context.new_page()
        page.goto(live_server.url + "/")
        colours[scheme] = page.evaluate(
            "getComputedStyle(document.body).backgroundColor"
        )
        context.close()
    assert colours["light"] != colours["dark"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [360, 1280])
def test_public_pages_pass_axe_wcag_22_aa(
    browser, live_server, seed_roadmap, axe_source, scheme, width
):
    context = browser.new_context(
        viewport={"width": width, "height": 900}, color_scheme=scheme
    )
    page = context.new_page()
    found = {}
    for path in PATHS:
        page.goto(live_server.url + path)
        violations = axe_violations(page, axe_source)
        if violations:
            found[path] = violations
    context.close()
    assert found == {}
