"""Every page type of the browser crawl is valid HTML for the Nu Html Checker (vnu).

The pages are fetched with the test client as the crawl's personas, written to a
temporary directory and checked in one run of vnu (Java starts slowly). Without Java
or vnu-jar (`npm ci` installs it) the checks skip; under CI=true they fail.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.template.loader import render_to_string

from accounts.models import User

# The crawl's page types and the data they show; its `world` fixture is imported
# so that both checks run over the very same pages.
from tests.browser.test_crawl import (  # noqa: F401
    EXPECTED_ERRORS,
    LEARNER_PAGES,
    MENTOR_PAGES,
    VISITOR_PAGES,
    world,
)

VNU = Path(__file__).resolve().parents[2] / "node_modules/vnu-jar/build/dist/vnu.jar"
# htmx's hx-* attributes are not in the HTML standard; every other error counts.
HTMX_ATTRIBUTES = r".*Attribute “hx-[^”]+” not allowed on element .*"
PERSONAS = [(VISITOR_PAGES, None), (LEARNER_PAGES, "ada"), (MENTOR_PAGES, "max")]


@pytest.fixture(scope="session")
def vnu() -> list[str]:
    """The command that runs the checker."""
    java = shutil.which("java")
    missing = []
    if not java:
        missing.append("Java is not installed (apt-get install default-jre-headless)")
    if not VNU.exists():
        missing.append("vnu-jar is not installed (npm ci installs it)")
    if missing:
        message = "; ".join(missing)
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}: the HTML checks must run in CI")
        pytest.skip(message)
    return [java, "-jar", str(VNU)]


def check_html(vnu: list[str], directory: Path, pages: dict[str, str]) -> list[str]:
    """Write each page to NAME.html, run vnu once over them all, return its errors
    as "NAME:LINE: message (extract)"."""
    paths = []
    for name, html in pages.items():
        path = directory / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        paths.append(str(path))
    result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [
            *vnu,
            "--format",
            "json",
            "--errors-only",
            "--filterpattern",
            HTMX_ATTRIBUTES,
            *paths,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    # vnu writes its JSON report to standard error.
    try:
        report = json.loads(result.stderr)
    except json.JSONDecodeError:
        pytest.fail(f"vnu gave no report (exit {result.returncode}):\n{result.stderr}")
    errors = []
    for message in report["messages"]:
        name = Path(message.get("url", "?")).stem
        line = message.get("lastLine", "?")
        extract = " ".join(message.get("extract", "").split())
        errors.append(f"{name}:{line}: {message['message']} ({extract})")
    assert errors or result.returncode == 0, result.stderr
    return errors


def crawl_html(client) -> dict[str, str]:
    """The HTML of every page type, as the crawl's personas see it."""
    pages = {}
    for page_list, username in PERSONAS:
        client.logout()
        if username:
            client.force_login(User.objects.get(username=username))
        for name, path in page_list.items():
            if name == "server-error":
                # The crawl answers this path with the 500 page; so does this check.
                pages[name] = render_to_string("500.html")
                continue
            response = client.get(path, follow=True)
            assert response.status_code == int(EXPECTED_ERRORS.get(name, 200)), name
            pages[name] = response.content.decode()
    return pages


@pytest.mark.usefixtures("world")
def test_every_page_type_is_valid_html(client, vnu, tmp_path):
    pages = crawl_html(client)
    total = len(VISITOR_PAGES) + len(LEARNER_PAGES) + len(MENTOR_PAGES)
    assert len(pages) == total

    errors = check_html(vnu, tmp_path, pages)

    assert errors == [], f"{len(errors)} HTML errors:\n" + "\n".join(errors)


def test_the_checker_catches_real_errors_but_not_htmx_attributes(vnu, tmp_path):
    bad = (
        "<!doctype html><html lang=en><head><title>Bad</title></head><body>"
        "<p>Rules: <ul><li>Eight characters</li></ul></p>"
        '<time datetime="2025-01-02T03:04:05.123456+00:00">today</time>'
        '<button hx-post="/x/">htmx is allowed</button></body></html>'
    )

    errors = check_html(vnu, tmp_path, {"bad": bad})

    assert len(errors) == 2, errors
    assert errors[0].startswith("bad:1: No “p” element in scope")
    assert "datetime" in errors[1]


@pytest.mark.django_db
def test_the_unsubscribe_pages_are_valid_html(client, vnu, tmp_path):
    """The weekly email's unsubscribe page, from a fresh link and an expired one
    (the one a mail app or a person opens without signing in)."""
    from django.core import signing
    from django.urls import reverse

    from progress import reminders
    from tests.factories import UserFactory

    learner = UserFactory(weekly_email=True)
    fresh = "/" + reminders.unsubscribe_url(learner).split("://", 1)[1].split("/", 1)[1]
    undated = signing.Signer(salt=reminders.SALT).sign(str(learner.pk))
    expired = reverse("weekly_email_unsubscribe", args=[undated])
    pages = {}
    for name, path in {"unsubscribe": fresh, "unsubscribe-expired": expired}.items():
        response = client.get(path)
        assert response.status_code == 200, name
        pages[name] = response.content.decode()
    assert "Stop the weekly email" in pages["unsubscribe"]
    assert "This link has expired" in pages["unsubscribe-expired"]

    errors = check_html(vnu, tmp_path, pages)

    assert errors == [], f"{len(errors)} HTML errors:\n" + "\n".join(errors)


@pytest.mark.django_db
def test_a_page_with_a_flash_message_is_valid_html(client, small_role, vnu, tmp_path):
    """The messages a form leaves for the next page (base.html's list): the
    crawl's pages carry none, so one is posted here, as a learner does."""
    from django.urls import reverse

    from tests.factories import UserFactory

    client.force_login(UserFactory())
    followed = client.post(reverse("progress_follow", args=["small"]), follow=True)
    assert followed.status_code == 200
    html = followed.content.decode()
    assert 'class="messages"' in html

    errors = check_html(vnu, tmp_path, {"flash-message": html})

    assert errors == [], f"{len(errors)} HTML errors:\n" + "\n".join(errors)
