"""Security headers on every page: a nonce-based CSP and no inline code."""

import re

import pytest
from django.urls import reverse

from tests.factories import PASSWORD

PAGES = [
    ("home", []),
    ("role_detail", ["backend-engineer"]),
    ("skill_detail", ["databases-and-sql"]),
    ("search", []),
    ("sources", []),
    ("account_login", []),
    ("account_signup", []),
]


def csp_directives(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.strip().split()
        directives[name] = values
    return directives


@pytest.fixture
def pages(seed_roadmap):
    return [reverse(name, args=args) for name, args in PAGES]


@pytest.mark.django_db
class TestContentSecurityPolicy:
    def test_every_page_sends_a_strict_policy(self, client, pages):
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, url
            csp = csp_directives(response)
            assert csp["object-src"] == ["'none'"]
            assert csp["base-uri"] == ["'none'"]
            assert csp["frame-ancestors"] == ["'none'"]
            assert csp["default-src"] == ["'self'"]
            header = response.headers["Content-Security-Policy"]
            assert "unsafe-inline" not in header
            assert "unsafe-eval" not in header

    def test_every_script_carries_the_nonce_of_its_response(self, client, pages):
        for url in pages:
            response = client.get(url)
            nonces = [
                value[len("'nonce-") : -1]
                for value in csp_directives(response)["script-src"]
                if value.startswith("'nonce-")
            ]
            assert len(nonces) == 1, url
            body = response.content.decode()
            scripts = re.findall(r"<script\b[^>]*>", body)
            assert scripts, url
            for tag in scripts:
                assert f'nonce="{nonces[0]}"' in tag, (url, tag)
                assert "src=" in tag, f"inline script on {url}: {tag}"

    def test_nonces_differ_between_responses(self, client, pages):
        first = client.get(pages[0]).headers["Content-Security-Policy"]
        second = client.get(pages[0]).headers["Content-Security-Policy"]
        assert first != second

    def test_no_page_has_inline_styles_or_handlers(self, client, pages):
        for url in pages:
            body = client.get(url).content.decode()
            assert "<style" not in body, url
            assert not re.search(r"\sstyle=", body), url
            assert not re.search(r"\son[a-z]+=", body), url
            assert "hx-on" not in body, url

    def test_htmx_is_served_locally_and_configured_without_eval(self, client, pages):
        body = client.get(pages[0]).content.decode()
        assert re.search(
            r'<script src="/static/django_htmx/htmx-2\.min[^"]*\.js"', body
        )
        assert '"allowEval": false' in body
        assert '"includeIndicatorStyles": false' in body
        assert "https://" not in "".join(re.findall(r"<script\b[^>]*>", body))


@pytest.mark.django_db
class TestOtherHeaders:
    def test_pages_forbid_framing_sniffing_and_leaking_referrers(self, client, pages):
        for url in pages:
            response = client.get(url)
            assert response.headers["X-Frame-Options"] == "DENY"
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["Referrer-Policy"] == "same-origin"
            assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"

    def test_production_settings_add_hsts_and_secure_cookies(
        self, client, settings, db
    ):
        settings.SECURE_HSTS_SECONDS = 31536000
        settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
        settings.SESSION_COOKIE_SECURE = True
        settings.CSRF_COOKIE_SECURE = True
        response = client.get(reverse("account_login"), secure=True)
        assert response.headers["Strict-Transport-Security"].startswith(
            "max-age=31536000"
        )
        csrf = response.cookies["csrftoken"]
        assert csrf["secure"]
        assert csrf["samesite"] == "Lax"

    def test_the_session_cookie_is_http_only(self, client, learner):
        response = client.post(
            reverse("account_login"),
            {"login": "learner", "password": PASSWORD},
        )
        assert response.status_code == 302
        cookie = response.cookies["sessionid"]
        assert cookie["httponly"]
        assert cookie["samesite"] == "Lax"
