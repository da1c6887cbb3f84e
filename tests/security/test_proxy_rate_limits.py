"""Behind the proxy every request comes from the proxy's address. The sign-in
limits must still count each client apart (by the address the proxy appended to
X-Forwarded-For), so nobody can lock everyone out, and a client cannot escape its
own limit by writing entries of its own in front. The audit log records the same
address the limits use."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from tests.accounts.helpers import is_signed_in, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent
PROXY = "10.0.0.2"
CLIENT_A = "203.0.113.5"
CLIENT_B = "198.51.100.7"
PROXY_SETTINGS = ("ALLAUTH_TRUSTED_PROXY_COUNT", "ALLAUTH_TRUSTED_CLIENT_IP_HEADER")


def settings_from_environment(env: dict[str, str]) -> dict:
    """The proxy settings config/settings.py derives from these variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.update({"DJANGO_SECRET_KEY": "x" * 60, **env})
    code = (
        "import json, config.settings as s; print(json.dumps("
        f"{{k: getattr(s, k) for k in {PROXY_SETTINGS!r} if hasattr(s, k)}}))"
    )
    result = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def behind_proxy_settings():
    return settings_from_environment({"DJANGO_BEHIND_PROXY": "true"})


@pytest.fixture
def behind_proxy(behind_proxy_settings):
    """The site as DJANGO_BEHIND_PROXY=true configures it."""
    cache.clear()
    with override_settings(**behind_proxy_settings):
        yield
    cache.clear()


@pytest.fixture
def audit(caplog):
    caplog.set_level(logging.INFO, logger="waymark.audit")
    return lambda: "\n".join(
        r.getMessage() for r in caplog.records if r.name == "waymark.audit"
    )


def through_proxy(forwarded_for: str) -> Client:
    """A browser whose requests reach Django through the proxy: the TCP peer is
    the proxy, which appends the address it saw to X-Forwarded-For."""
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)


def test_behind_proxy_trusts_the_last_forwarded_address_by_default():
    assert settings_from_environment({"DJANGO_BEHIND_PROXY": "true"}) == {
        "ALLAUTH_TRUSTED_PROXY_COUNT": 1,
        "ALLAUTH_TRUSTED_CLIENT_IP_HEADER": None,
    }
    assert settings_from_environment(
        {
            "DJANGO_BEHIND_PROXY": "true",
            "DJANGO_TRUSTED_PROXY_COUNT": "2",
            "DJANGO_CLIENT_IP_HEADER": "X-Real-IP",
        }
    ) == {
        "ALLAUTH_TRUSTED_PROXY_COUNT": 2,
        "ALLAUTH_TRUSTED_CLIENT_IP_HEADER": "X-Real-IP",
    }


def test_without_a_proxy_forwarded_addresses_are_not_trusted():
    assert settings_from_environment({"DJANGO_BEHIND_PROXY": "false"}) == {}


def test_failures_from_one_client_do_not_lock_out_another(behind_proxy, learner):
    attacker = through_proxy(CLIENT_A)
    for number in range(12):
        response = sign_in(attacker, f"nobody{number}@example.com", "wrong")
    assert b"Too many failed login attempts" in response.content

    someone_else = through_proxy(CLIENT_B)
    response = sign_in(someone_else, "learner")
    assert response.status_code == 302, response.content[:500]
    assert is_signed_in(someone_else)


def test_forged_entries_in_front_do_not_escape_the_limit(behind_proxy, learner):
    # Each attempt claims a different address in front of the one the proxy
    # appended: they all count against that one.
    for number in range(10):
        forger = through_proxy(f"192.0.2.{number}, {CLIENT_A}")
        response = sign_in(forger, f"nobody{number}", "wrong")
        assert b"you specified are not correct" in response.content
    forger = through_proxy(f"{CLIENT_B}, {CLIENT_A}")
    response = sign_in(forger, "learner")
    assert b"Too many failed login attempts" in response.content
    assert not is_signed_in(forger)


def test_the_audit_log_records_the_clients_address(behind_proxy, audit, learner):
    sign_in(through_proxy(f"192.0.2.99, {CLIENT_A}"), "nobody", "wrong")
    sign_in(through_proxy(CLIENT_B), "learner")
    log = audit()
    failed = [line for line in log.splitlines() if "sign-in failed" in line]
    assert len(failed) == 1
    assert failed[0].endswith(f"ip={CLIENT_A}")
    assert f"sign-in user={learner.pk} ip={CLIENT_B}" in log
    assert PROXY not in log
    assert "192.0.2.99" not in log


def test_without_the_proxy_setting_the_log_ignores_forwarded_addresses(audit):
    cache.clear()
    UserFactory(username="direct")
    client = Client(REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR=CLIENT_A)
    sign_in(client, "direct")
    log = audit()
    assert "ip=192.0.2.10" in log
    assert CLIENT_A not in log
    cache.clear()
