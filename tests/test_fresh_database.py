"""On a database that has only been through `manage.py migrate`, every command the
README and docs name works, and so do pages and sign-in: the database cache table
(rate limits, cached pages) comes with `migrate`, without `createcachetable`.

`generate_dataset` and `explain_pages` run on PostgreSQL only and are left out."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def manage_env(database: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "WAYMARK_", "REDIS_"))
    }
    env.update(
        DATABASE_URL=f"sqlite:///{database}",
        DJANGO_SECRET_KEY="fresh-database-test-secret-key-" + "x" * 40,
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    return env


def manage(database: Path, *args: str, **extra_env: str):
    result = subprocess.run(  # noqa: S603 - manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**manage_env(database), **extra_env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, (
        f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    )
    return result


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    """A new SQLite file, migrated and nothing else."""
    database = tmp_path_factory.mktemp("fresh") / "waymark.sqlite3"
    manage(database, "migrate", "--no-input")
    return database


def test_load_roadmaps_works_right_after_migrate(migrated):
    result = manage(migrated, "load_roadmaps")
    assert "Content loaded." in result.stdout
    result = manage(migrated, "load_roadmaps", "--dry-run")
    assert result.returncode == 0


def test_migrate_alone_creates_the_cache_table(migrated):
    """And the `createcachetable` that Makefile and CI still run changes nothing."""
    code = (
        "import django; django.setup();"
        "from django.db import connection;"
        "print('waymark_cache' in connection.introspection.table_names())"
    )
    result = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=manage_env(migrated),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "True"
    result = manage(migrated, "createcachetable")
    assert "already exists" in result.stdout


def test_the_other_documented_commands_work_after_migrate(migrated, tmp_path):
    manage(migrated, "load_roadmaps")
    exported = tmp_path / "backend-engineer.yaml"
    manage(migrated, "export_roadmap", "backend-engineer", "-o", str(exported))
    assert "backend-engineer" in exported.read_text()

    result = manage(
        migrated,
        "createcurator",
        "curator@example.com",
        "--no-input",
        CURATOR_PASSWORD="a long curator password 5e1c",
    )
    assert "Curator curator created" in result.stdout

    export = tmp_path / "export.json"
    export.write_text(
        json.dumps(
            {
                "format": "waymark-export",
                "version": 1,
                "account": {
                    "username": "returning",
                    "email": "returning@example.com",
                    "date_joined": "2026-01-05T10:00:00+00:00",
                },
                "roles": [
                    {
                        "role": "backend-engineer",
                        "started_at": "2026-01-06T10:00:00+00:00",
                    }
                ],
            }
        )
    )
    result = manage(migrated, "import_learner", str(export))
    assert "Imported 1 account" in result.stdout
    manage(migrated, "recount_dropoff")
    manage(migrated, "check")


def test_pages_and_sign_in_work_after_migrate(migrated):
    """The role page (cached) and a failed sign-in (rate limits) both use the
    cache table."""
    manage(migrated, "load_roadmaps")
    code = (
        "import django; django.setup();"
        "from django.test import Client;"
        "c = Client();"
        "page = c.get('/roles/backend-engineer/').status_code;"
        "login = c.post('/accounts/login/', "
        "{'login': 'nobody', 'password': 'wrong'}).status_code;"
        "print('statuses', page, login)"
    )
    result = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **manage_env(migrated),
            "DJANGO_ALLOWED_HOSTS": "testserver",
            "DJANGO_HTTPS": "false",
            "WAYMARK_STATIC_FROM_SOURCE": "true",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "statuses 200 200" in result.stdout, result.stdout + result.stderr
