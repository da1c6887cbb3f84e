"""A mistyped switch or number stops the start instead of silently reading as
false (or crashing with a traceback): the settings name the variable and what it
accepts, in one line."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def import_settings(env: dict[str, str], show: str = "HTTPS"):
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "WAYMARK_", "DATABASE_"))
    }
    clean.update({"DJANGO_SECRET_KEY": "x" * 60, **env})
    return subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", f"import config.settings as s; print(s.{show})"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "name", ["DJANGO_HTTPS", "DJANGO_DEBUG", "DJANGO_BEHIND_PROXY", "EMAIL_USE_TLS"]
)
@pytest.mark.parametrize("typo", ["ture", "flase", "enabled", "2"])
def test_a_mistyped_switch_refuses_to_start(name, typo):
    result = import_settings({name: typo})
    assert result.returncode != 0
    message = result.stderr.strip()
    assert message.count("\n") == 0, message
    assert message.startswith("Waymark refuses to start:"), message
    assert f"{name}='{typo}'" in message
    assert "1/true/yes/on" in message
    assert "0/false/no/off" in message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", "True"),
        ("true", "True"),
        ("TRUE", "True"),
        (" Yes ", "True"),
        ("on", "True"),
        ("0", "False"),
        ("false", "False"),
        ("False", "False"),
        ("no", "False"),
        ("OFF", "False"),
        ("", "True"),  # empty: the default, HTTPS on with debug off
    ],
)
def test_every_accepted_spelling_reads_as_meant(value, expected):
    result = import_settings({"DJANGO_HTTPS": value})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


@pytest.mark.parametrize(
    "name", ["DJANGO_HSTS_SECONDS", "DATABASE_CONN_MAX_AGE", "WAYMARK_STALLED_DAYS"]
)
@pytest.mark.parametrize("typo", ["1y", "14 days", "3.5"])
def test_a_number_that_is_not_a_whole_number_refuses_to_start(name, typo):
    result = import_settings({name: typo})
    assert result.returncode != 0
    message = result.stderr.strip()
    assert message.count("\n") == 0, message
    assert message.startswith("Waymark refuses to start:"), message
    assert f"{name}='{typo}'" in message
    assert "whole number" in message


def test_a_whole_number_is_read_and_an_empty_one_is_the_default():
    result = import_settings({"DJANGO_HSTS_SECONDS": " 600 "}, "SECURE_HSTS_SECONDS")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "600"
    result = import_settings({"DJANGO_HSTS_SECONDS": ""}, "SECURE_HSTS_SECONDS")
    assert result.stdout.strip() == "31536000"
