"""Production app servers (gunicorn, debug off) started against the test database."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        message = "app servers share one PostgreSQL database (set DATABASE_URL)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}: this test must run in CI")
        pytest.skip(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_database_url() -> str:
    """The database this test run uses, as a DATABASE_URL."""
    db = connection.settings_dict
    user = urllib.parse.quote(db["USER"] or "", safe="")
    password = urllib.parse.quote(db["PASSWORD"] or "", safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@"
    return f"postgres://{credentials}{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def server_environment(
    port: int, database_url: str | None = None, access_log: bool = False
) -> dict[str, str]:
    """The production settings, pointed at the database this test run uses;
    gunicorn's access log (to stdout) only when asked for."""
    url = database_url or test_database_url()
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST", "WAYMARK_"))
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_SECRET_KEY="app-server-test-secret-key-shared-by-both-servers",
        DJANGO_DEBUG="false",
        DJANGO_HTTPS="false",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        WAYMARK_STATIC_FROM_SOURCE="true",
        DATABASE_URL=url,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
        GUNICORN_ACCESS_LOG="-" if access_log else "",
    )
    return environment


@contextmanager
def app_server(
    log_dir: Path, database_url: str | None = None, access_log: bool = False
):
    """One gunicorn server, as `make serve` runs it; yields its base URL. Its
    output goes to log_dir/gunicorn-<port>.log."""
    port = free_port()
    log = (log_dir / f"gunicorn-{port}.log").open("wb")
    process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [str(GUNICORN), "-c", "config/gunicorn.py", "config.wsgi"],
        cwd=ROOT,
        env=server_environment(port, database_url, access_log),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base, process, log_dir / f"gunicorn-{port}.log")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def wait_until_ready(base: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not become ready:\n{log_path.read_text()}")


class Browser:
    """A cookie-keeping HTTP client that can talk to any of the servers."""

    def __init__(self, host: str | None = None):
        """`host`: the Host header to send, as a load balancer in front of
        several servers would (one site name, whichever server answers)."""
        self.host = host
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies),
            NoRedirect,
        )

    def get(self, url: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(url, headers=self._headers()))

    def post(self, url: str, data: dict, headers: dict | None = None):
        body = urllib.parse.urlencode(data).encode()
        headers = {**self._headers(), **(headers or {})}
        return self._open(
            urllib.request.Request(url, data=body, headers=headers, method="POST")
        )

    def _headers(self) -> dict:
        return {"Host": self.host} if self.host else {}

    def csrf_token(self, url: str) -> str:
        status, body = self.get(url)
        assert status == 200, (url, status)
        return CSRF_INPUT.search(body).group(1)

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.cookies if c.name == name), None)

    def _open(self, request):
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
