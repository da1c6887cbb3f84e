"""Browser tests: Debian's Chromium driven by Playwright against the live server.

Without Chromium they skip with the reason; under CI=true a missing browser fails.
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("WAYMARK_CHROMIUM", "/usr/bin/chromium")
# Playwright's sync API runs an event loop in the test thread; the ORM calls made
# by the test itself (creating users, reading rows) are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}: browser tests must run in CI")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


class PageProblems:
    """Console errors and CSP violations seen by a page."""

    def __init__(self, page):
        self.console_errors: list[str] = []
        self.csp_violations: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))

    def _on_console(self, message):
        if message.type == "error":
            self.console_errors.append(message.text)
            if "Content Security Policy" in message.text:
                self.csp_violations.append(message.text)


CSP_WATCH = (
    "window.__cspViolations = [];"
    "document.addEventListener('securitypolicyviolation', e =>"
    " window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
)


def watched_context(browser, **options):
    """A browser context whose pages record CSP violations on the window."""
    context = browser.new_context(**options)
    context.add_init_script(CSP_WATCH)
    return context


@pytest.fixture
def page(browser):
    context = watched_context(browser, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.problems = PageProblems(page)
    yield page
    context.close()


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        message = "axe-core is not installed (npm ci installs it)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}: accessibility checks must run in CI")
        pytest.skip(message)
    return AXE.read_text()


def axe_violations(page, axe_source: str) -> list[dict]:
    """Run axe-core's WCAG 2.2 A and AA rules on the page; return violations.

    Playwright's evaluate is not subject to the page's CSP, so axe is injected
    without weakening the policy under test.
    """
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(axe_source)
    return page.evaluate(
        """async () => {
            const results = await axe.run(document, {
                runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a",
                                                "wcag21aa", "wcag22a", "wcag22aa"]},
            });
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
            }));
        }"""
    )
