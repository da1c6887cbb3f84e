"""Cached pages are keyed by the running release: after a deploy that changes a
template, nobody is served the markup the code before it rendered; within one
release the cached page is reused."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config import caching

ROOT = Path(__file__).resolve().parent.parent.parent
ROLE_URL = reverse("role_detail", args=["backend-engineer"])
MARKER = "markup-of-the-release-before"


@pytest.fixture
def old_templates(tmp_path):
    """The templates of an older release: the role page's sources list, as it is
    today but for a marker."""
    shadow = tmp_path / "roadmap" / "_sources.html"
    shadow.parent.mkdir()
    real = ROOT / "templates" / "roadmap" / "_sources.html"
    shadow.write_text(f"<!-- {MARKER} -->" + real.read_text())
    templates = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    return override_settings(TEMPLATES=templates)


def role_page(client: Client) -> str:
    response = client.get(ROLE_URL)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture(params=["visitor", "learner"])
def reader(request, seed_roadmap):
    """A signed-out visitor (the cached public page) or a learner (the cached
    skeleton and panel)."""
    client = Client()
    if request.param == "learner":
        client.force_login(request.getfixturevalue("learner"))
    return client


def test_a_new_release_renders_the_page_afresh(reader, old_templates):
    with override_settings(RELEASE="before"):
        with old_templates:
            assert MARKER in role_page(reader)
        # The deploy has not happened yet: same release, same cached page.
        assert MARKER in role_page(reader)
    with override_settings(RELEASE="after"):
        assert MARKER not in role_page(reader)
        assert 'id="step-' in role_page(reader)


def content_queries(client: Client) -> list[str]:
    """The queries a role page request runs, leaving out the cache's own."""
    with CaptureQueriesContext(connection) as captured:
        role_page(client)
    return [
        query["sql"]
        for query in captured.captured_queries
        if "roadmap_" in query["sql"] and "waymark_cache" not in query["sql"]
    ]


@pytest.mark.django_db
def test_within_one_release_the_public_page_comes_from_the_cache(seed_roadmap):
    with override_settings(RELEASE="one"):
        assert content_queries(Client())  # rendered
        assert content_queries(Client()) == []  # from the cache
    with override_settings(RELEASE="two"):
        assert content_queries(Client())  # a new release: rendered again
        assert content_queries(Client()) == []
    with override_settings(RELEASE="one"):
        assert content_queries(Client()) == []  # its own entry is still there


def test_the_release_is_the_deployers_name_when_given():
    with override_settings(RELEASE="3f9c2ab"):
        assert caching.release() == "3f9c2ab"
    with override_settings(RELEASE="release 2026-12-01, built by CI on a Tuesday"):
        named = caching.release()
    assert len(named) <= 40
    assert named.isalnum()


def test_without_a_name_the_release_is_the_digest_of_the_code(monkeypatch):
    caching._running_source_digest.cache_clear()
    with override_settings(RELEASE=""):
        assert caching.release() == caching.source_digest(ROOT)

        # Computed once per process: the files are not read again.
        def read_again(root):
            raise AssertionError("the digest was computed again")

        monkeypatch.setattr(caching, "source_digest", read_again)
        assert caching.release() == caching.release()


def test_the_environment_variable_names_the_release():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DJANGO_SECRET_KEY="x" * 60, WAYMARK_RELEASE="  3f9c2ab  ")
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings as s; print(s.RELEASE)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "3f9c2ab"


def test_the_digest_covers_the_projects_code_and_templates():
    files = {path.relative_to(ROOT).as_posix() for path in caching.source_files(ROOT)}
    assert "templates/roadmap/_role_article.html" in files
    assert "templates/mentoring/invitation_email.txt" in files
    assert "progress/role_page.py" in files
    assert "roadmap/content/spec.py" in files
    assert "roadmap/content/reading.py" in files
    assert "requirements.txt" in files
    assert not any(name.startswith(("tests/", ".venv/", "docs/")) for name in files)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_a_template_or_code_change_changes_the_digest(tmp_path):
    write(tmp_path / "templates" / "roadmap" / "page.html", "<p>{{ role }}</p>")
    write(tmp_path / "roadmap" / "views.py", "def view(): ...\n")
    write(tmp_path / "progress" / "templates" / "progress" / "panel.html", "<div>")
    write(tmp_path / "requirements.txt", "Django==6.1\n")
    write(tmp_path / "README.md", "Waymark\n")
    first = caching.source_digest(tmp_path)
    assert caching.source_digest(tmp_path) == first

    # Neither documentation nor compiled files nor data change it.
    write(tmp_path / "README.md", "Waymark, again\n")
    write(tmp_path / "roadmap" / "__pycache__" / "views.cpython-313.py", "x")
    write(tmp_path / "fixtures" / "role.yaml", "format: 1\n")
    assert caching.source_digest(tmp_path) == first

    write(tmp_path / "templates" / "roadmap" / "page.html", "<p>{{ role.title }}</p>")
    changed_template = caching.source_digest(tmp_path)
    assert changed_template != first

    write(tmp_path / "templates" / "roadmap" / "page.html", "<p>{{ role }}</p>")
    assert caching.source_digest(tmp_path) == first

    for path, text in [
        ("roadmap/views.py", "def view(): return 1\n"),
        ("progress/templates/progress/panel.html", "<section>"),
        ("requirements.txt", "Django==6.2\n"),
    ]:
        original = (tmp_path / path).read_text()
        write(tmp_path / path, text)
        assert caching.source_digest(tmp_path) != first, path
        write(tmp_path / path, original)

    (tmp_path / "roadmap" / "views.py").rename(tmp_path / "roadmap" / "pages.py")
    assert caching.source_digest(tmp_path) != first
