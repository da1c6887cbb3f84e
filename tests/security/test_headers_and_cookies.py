"""Headers and cookies with production settings: each one asserted."""

import json
import os
import subprocess
import sys

import pytest
from django.urls import reverse

from tests.factories import PASSWORD

PRODUCTION = {
    "SECURE_HSTS_SECONDS": 31536000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_HSTS_PRELOAD": True,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "SESSION_COOKIE_NAME": "__Host-sessionid",
    "CSRF_COOKIE_NAME": "__Host-csrftoken",
}


def production_settings() -> dict:
    """config.settings as production loads it: debug off, HTTPS on by default."""
    names = [
        "SESSION_COOKIE_NAME",
        "CSRF_COOKIE_NAME",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "CSRF_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SAMESITE",
        "SECURE_HSTS_SECONDS",
        "SECURE_SSL_REDIRECT",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY",
        "SECURE_REFERRER_POLICY",
        "MESSAGE_STORAGE",
    ]
    code = (
        "import json, config.settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    )
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "WAYMARK_"))
    }
    environment["DJANGO_SECRET_KEY"] = "production-like-secret-key-for-this-test-only"
    output = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", code],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output)


def test_production_settings_turn_everything_on():
    settings = production_settings()
    assert settings["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert settings["CSRF_COOKIE_NAME"] == "__Host-csrftoken"
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["CSRF_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_HTTPONLY"] is True
    assert settings["CSRF_COOKIE_HTTPONLY"] is True
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert settings["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert settings["SECURE_HSTS_SECONDS"] >= 31536000
    assert settings["SECURE_SSL_REDIRECT"] is True
    assert settings["SECURE_CROSS_ORIGIN_OPENER_POLICY"] == "same-origin"
    assert settings["SECURE_REFERRER_POLICY"] == "same-origin"
    assert settings["MESSAGE_STORAGE"].endswith("SessionStorage")


@pytest.fixture
def production(settings):
    for name, value in PRODUCTION.items():
        setattr(settings, name, value)
    return settings


@pytest.mark.django_db
class TestOverHTTPS:
    def test_every_header_on_a_page(self, client, production):
        response = client.get(reverse("home"), secure=True)
        headers = response.headers
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self' 'nonce-" in policy
        assert "object-src 'none'" in policy
        assert "base-uri 'none'" in policy
        assert "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy
        assert "unsafe-eval" not in policy
        assert headers["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains; preload"
        )
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"

    def test_static_files_carry_the_resource_policy(self, client, production):
        response = client.get("/static/css/waymark.css", secure=True)
        assert response.status_code == 200
        assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"

    def test_cookies_are_host_prefixed_secure_and_same_site(
        self, client, production, learner
    ):
        page = client.get(reverse("account_login"), secure=True)
        csrf = page.cookies["__Host-csrftoken"]
        assert csrf["secure"] and csrf["samesite"] == "Lax"
        assert csrf["path"] == "/" and not csrf["domain"]
        response = client.post(
            reverse("account_login"),
            {"login": "learner", "password": PASSWORD},
            secure=True,
        )
        assert response.status_code == 302
        session = response.cookies["__Host-sessionid"]
        assert session["secure"] and session["httponly"]
        assert session["samesite"] == "Lax"
        assert session["path"] == "/" and not session["domain"]
        assert csrf["httponly"]  # no script reads it: htmx takes it from the page
        assert set(response.cookies) <= {"__Host-sessionid", "__Host-csrftoken"}
        assert client.get(reverse("dashboard"), secure=True).status_code == 200


PRIVATE_PAGES = [
    "dashboard",
    "mentoring",
    "account_settings",
    "progress_export_json",
    "progress_export_csv",
    "account_change_password",
]


@pytest.mark.django_db
@pytest.mark.parametrize("name", PRIVATE_PAGES)
def test_private_pages_are_never_stored(client, learner, name):
    client.force_login(learner)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.django_db
def test_an_item_page_is_never_stored(client, learner, steps):
    client.force_login(learner)
    response = client.get(reverse("progress_item", args=["step", steps[0].slug]))
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.django_db
def test_public_pages_stay_cacheable_for_visitors(client, small_role):
    response = client.get(reverse("role_detail", args=["small"]))
    assert "no-store" not in response.headers.get("Cache-Control", "")


@pytest.mark.django_db
def test_signing_out_clears_the_site_data(client, learner):
    client.force_login(learner)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert "no-store" in response.headers["Cache-Control"]
    # A page after that does not clear anything.
    assert "Clear-Site-Data" not in client.get(reverse("home")).headers
