"""Probes, error pages, and the settings' refusal to start without a secret."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent


def test_healthz_answers_without_the_database(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response.headers["Cache-Control"]


@pytest.mark.django_db
def test_readyz_says_ok_when_the_database_answers(client):
    response = client.get(reverse("readyz"))
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


@pytest.mark.django_db
def test_readyz_says_503_when_the_database_does_not(client, monkeypatch):
    from django.db import connection

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_probes_refuse_post(client):
    assert client.post(reverse("healthz")).status_code == 405


def run_manage(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = run_manage({"DJANGO_DEBUG": "false"})
    assert result.returncode != 0
    message = result.stderr.strip()
    assert message.count("\n") == 0, message
    assert "DJANGO_SECRET_KEY" in message


def test_it_starts_with_a_secret_key():
    result = run_manage({"DJANGO_SECRET_KEY": "x" * 60, "DJANGO_DEBUG": "false"})
    assert result.returncode == 0, result.stderr


def test_the_500_page_renders_without_the_database(client, settings):
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong" in html
    assert "<script" not in html
