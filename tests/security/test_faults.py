"""Faults: with PostgreSQL stopped, pages answer a friendly 503 within 5 seconds,
/readyz says 503 and /healthz 200; once it is back, service resumes without a
restart. The server under test is gunicorn with production settings, on a
PostgreSQL instance of the test's own (tests/security/postgres.py)."""

import contextlib
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.db import OperationalError
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from tests.security.postgres import PostgresInstance, require_postgres_binaries
from tests.serving.servers import ROOT, Browser, app_server, server_environment

PAGES = ["/", "/roles/backend-engineer/", "/search/?q=sql", "/sources/"]
FAULT_BUDGET_SECONDS = 5


def timed_get(browser: Browser, url: str) -> tuple[int, str, float]:
    started = time.monotonic()
    status, body = browser.get(url)
    return status, body, time.monotonic() - started


@pytest.fixture(scope="module")
def own_postgres():
    require_postgres_binaries()
    # Not under pytest's temporary folder: the postgres user must reach it.
    directory = Path(tempfile.mkdtemp(prefix="waymark-postgres-"))
    instance = PostgresInstance(directory)
    instance.create()
    environment = server_environment(0, instance.url)
    for command in (["migrate", "--no-input"], ["createcachetable"], ["load_roadmaps"]):
        subprocess.run(  # noqa: S603 - manage.py with fixed arguments
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=environment,
            check=True,
            capture_output=True,
        )
    yield instance
    with contextlib.suppress(RuntimeError):  # already stopped
        instance.stop()
    shutil.rmtree(directory, ignore_errors=True)


def test_a_database_outage_gives_503_then_service_resumes(own_postgres, tmp_path):
    with app_server(tmp_path, own_postgres.url) as base:
        browser = Browser()
        for page in PAGES:
            assert browser.get(base + page)[0] == 200, page

        token = browser.csrf_token(base + "/accounts/login/")
        own_postgres.stop()
        try:
            # A sign-in needs the database too.
            started = time.monotonic()
            status, body = browser.post(
                base + "/accounts/login/",
                {"csrfmiddlewaretoken": token, "login": "x", "password": "y"},
            )
            assert status == 503 and "Back in a moment" in body
            assert time.monotonic() - started < FAULT_BUDGET_SECONDS
            for page in PAGES:
                status, body, seconds = timed_get(browser, base + page)
                assert status == 503, (page, status)
                assert "Back in a moment" in body
                assert "Nothing you saved is lost" in body
                assert seconds < FAULT_BUDGET_SECONDS, (page, seconds)
            status, body, seconds = timed_get(browser, base + "/readyz")
            assert status == 503 and '"database": "unreachable"' in body
            assert seconds < FAULT_BUDGET_SECONDS
            status, _, seconds = timed_get(browser, base + "/healthz")
            assert status == 200 and seconds < 1
        finally:
            own_postgres.start()

        # The same server processes, no restart: every page answers again.
        for page in [*PAGES, "/readyz"]:
            assert browser.get(base + page)[0] == 200, page


def test_the_503_and_500_pages_render_without_the_database():
    # No django_db mark: any query here would fail the test.
    assert "Something went wrong" in render_to_string("500.html")
    html = render_to_string("503.html")
    assert "Back in a moment" in html
    assert "<script" not in html


@pytest.mark.django_db
def test_a_database_error_in_a_view_is_a_503_with_retry_after(monkeypatch):
    from roadmap import views

    def unavailable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(views.Role.objects, "visible_to", unavailable)
    response = Client(raise_request_exception=False).get(reverse("home"))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "Back in a moment" in response.content.decode()


@pytest.mark.django_db
def test_other_errors_stay_500(monkeypatch):
    from roadmap import views

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(views.Role.objects, "visible_to", broken)
    response = Client(raise_request_exception=False).get(reverse("home"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
