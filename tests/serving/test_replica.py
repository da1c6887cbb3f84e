"""Pages read from a real PostgreSQL streaming replica, a learner reads back their
own change at once, and a replica that stops costs no error page.

The test starts its own primary and replica (initdb, pg_basebackup -R) on spare
ports and a production app server pointed at both. To tell the two apart, the
replica's replay is paused: what a learner writes then is on the primary only, so
a page showing it was read from the primary, a page without it from the replica.

Skipped without PostgreSQL's server programs, except in CI (CI=true), where it
must run.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager, suppress
from pathlib import Path

import psycopg
import pytest

from tests.factories import PASSWORD
from tests.serving.servers import (
    GUNICORN,
    ROOT,
    Browser,
    free_port,
    server_environment,
    wait_until_ready,
)

STICKY_SECONDS = 2
RETRY_SECONDS = 2
# The status the item page shows for the step itself.
SHOWN_STATUS = re.compile(r'status-control status-control--(\w+)" id="status-step-')

SETUP = """
from roadmap.models import Role
from tests.factories import RoleFactory, StageFactory, StepFactory, UserFactory
if Role.objects.filter(slug="small").exists():
    raise SystemExit(0)  # set up by the first site
role = RoleFactory(slug="small", title="Small role")
stage = StageFactory(role=role, position=0, slug="basics")
StepFactory(stage=stage, position=0, slug="s1", title="Step one")
StepFactory(stage=stage, position=1, slug="s2", title="Step two")
UserFactory(username="reader")
"""


def postgresql_programs() -> Path:
    """The newest PostgreSQL's programs (Debian's layout, else the PATH's), else
    skip (or fail in CI)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_basebackup"),
        key=lambda path: int(Path(path).parts[-3]),
    )
    if not found and shutil.which("pg_basebackup"):  # other systems: on the PATH
        found = [shutil.which("pg_basebackup")]
    reason = None
    if not found:
        reason = "PostgreSQL's server programs are missing (apt-get install postgresql)"
    elif os.geteuid() == 0 and shutil.which("runuser") is None:
        reason = "running as root needs runuser to start PostgreSQL as postgres"
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}: this test must run in CI")
        pytest.skip(reason)
    return Path(found[-1]).parent


class Cluster:
    """A primary and its streaming replica, in a temporary folder."""

    def __init__(self, programs: Path):
        self.programs = programs
        self.root = Path(tempfile.mkdtemp(prefix="waymark-replica-"))
        self.primary_port = free_port()
        self.replica_port = free_port()
        if os.geteuid() == 0:  # initdb refuses root: the folder is postgres's
            shutil.chown(self.root, "postgres", "postgres")
        self.root.chmod(0o700)

    def run(self, program: str, *args: str) -> None:
        command = [str(self.programs / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)  # noqa: S603

    def url(self, port: int) -> str:
        return f"postgres://postgres@127.0.0.1:{port}/waymark"

    def start(self, name: str, port: int) -> None:
        self.run(
            "pg_ctl", "start", "-w", "-t", "60", "-D", str(self.root / name),
            "-l", str(self.root / f"{name}.log"),
            "-o", f"-p {port} -k {self.root}",
        )  # fmt: skip

    def stop(self, name: str, mode: str = "fast") -> None:
        self.run("pg_ctl", "stop", "-w", "-m", mode, "-D", str(self.root / name))

    def create_primary(self) -> None:
        data = self.root / "primary"
        self.run(
            "initdb", "-D", str(data), "-U", "postgres", "--auth=trust",
            "--encoding=UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        settings = (
            "listen_addresses = '127.0.0.1'\n"
            "wal_level = replica\n"
            "max_wal_senders = 4\n"
            "hot_standby = on\n"
            "fsync = off\n"
            "full_page_writes = off\n"
        )
        self._append(data / "postgresql.conf", settings)
        self._append(
            data / "pg_hba.conf", "host replication postgres 127.0.0.1/32 trust\n"
        )
        self.start("primary", self.primary_port)
        with self.connect(self.primary_port, "postgres") as connection:
            connection.execute("CREATE DATABASE waymark")

    def create_replica(self) -> None:
        """A copy of the primary as it is now, kept up to date by streaming."""
        self.run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary_port),
            "-U", "postgres", "-D", str(self.root / "replica"), "-R",
            "-X", "stream", "--checkpoint=fast", "--no-sync",
        )  # fmt: skip
        self.start("replica", self.replica_port)
        self.wait_until_caught_up()

    def _append(self, path: Path, text: str) -> None:
        with path.open("a") as conf:  # written as root, still readable by postgres
            conf.write(text)

    def connect(self, port: int, database: str = "waymark"):
        return psycopg.connect(
            host="127.0.0.1",
            port=port,
            user="postgres",
            dbname=database,
            autocommit=True,
            connect_timeout=5,
        )

    def value(self, port: int, sql: str):
        with self.connect(port) as connection:
            return connection.execute(sql).fetchone()[0]

    def wait_until_caught_up(self) -> None:
        """Until the replica has replayed everything the primary wrote."""
        target = self.value(self.primary_port, "SELECT pg_current_wal_lsn()::text")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                behind = self.value(
                    self.replica_port,
                    f"SELECT pg_wal_lsn_diff('{target}', pg_last_wal_replay_lsn())",
                )
            except psycopg.OperationalError:
                behind = None  # still starting
            if behind is not None and behind <= 0:
                return
            time.sleep(0.1)
        pytest.fail(f"the replica did not catch up:\n{self.log('replica')}")

    def pause_replay(self) -> None:
        """Caught up first, then paused: a write from now on is the primary's alone."""
        with self.connect(self.replica_port) as connection:
            connection.execute("SELECT pg_wal_replay_resume()")  # if still paused
        self.wait_until_caught_up()
        with self.connect(self.replica_port) as connection:
            connection.execute("SELECT pg_wal_replay_pause()")
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                state = connection.execute(
                    "SELECT pg_get_wal_replay_pause_state()"
                ).fetchone()[0]
                if state == "paused":
                    return
                time.sleep(0.05)
        pytest.fail("the replica's replay did not pause")

    def resume_replay(self) -> None:
        with self.connect(self.replica_port) as connection:
            connection.execute("SELECT pg_wal_replay_resume()")
        self.wait_until_caught_up()

    def done_on(self, port: int) -> int:
        return self.value(
            port, "SELECT count(*) FROM progress_itemprogress WHERE status = 'done'"
        )

    def log(self, name: str) -> str:
        path = self.root / f"{name}.log"
        return path.read_text() if path.exists() else ""

    def remove(self) -> None:
        for name in ("replica", "primary"):
            if (self.root / name / "postmaster.pid").exists():
                with suppress(subprocess.CalledProcessError):
                    self.stop(name, "immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def manage(environment: dict[str, str], *args: str) -> None:
    result = subprocess.run(  # noqa: S603 - this interpreter, our manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode:
        pytest.fail(f"manage.py {args[0]} failed:\n{result.stdout}{result.stderr}")


@pytest.fixture(scope="module")
def cluster():
    cluster = Cluster(postgresql_programs())
    try:
        cluster.create_primary()
        cluster.create_replica()
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture(scope="module")
def site_log(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("replica") / "gunicorn.log"


@contextmanager
def running_site(cluster, log_path: Path, redis_url: str = ""):
    """A production app server reading from the replica; its base URL. Its
    cache is the database's (in this primary), or Redis at `redis_url`."""
    port = free_port()
    environment = server_environment(port, cluster.url(cluster.primary_port))
    environment.update(
        DATABASE_REPLICA_URL=cluster.url(cluster.replica_port),
        DATABASE_REPLICA_CONNECT_TIMEOUT="1",
        WAYMARK_REPLICA_STICKY_SECONDS=str(STICKY_SECONDS),
        WAYMARK_REPLICA_RETRY_SECONDS=str(RETRY_SECONDS),
    )
    environment.pop("REDIS_URL", None)
    if redis_url:
        environment["REDIS_URL"] = redis_url
    manage(environment, "migrate", "--no-input")
    manage(environment, "createcachetable")
    manage(environment, "shell", "-c", SETUP)
    cluster.wait_until_caught_up()

    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
            [str(GUNICORN), "-c", "config/gunicorn.py", "config.wsgi"],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_ready(base, process, log_path)
            yield base, environment
        finally:
            process.terminate()
            process.wait(timeout=20)


@pytest.fixture(scope="module")
def site(cluster, site_log):
    """A production app server reading from the replica, with the database
    cache (in this primary, not a cache shared with other tests)."""
    with running_site(cluster, site_log) as (base, _environment):
        yield base


@pytest.fixture
def reader(site):
    """The learner, signed in, past the pin their sign-in set."""
    browser = Browser()
    token = browser.csrf_token(f"{site}/accounts/login/")
    status, _ = browser.post(
        f"{site}/accounts/login/",
        {"csrfmiddlewaretoken": token, "login": "reader", "password": PASSWORD},
    )
    assert status == 302
    time.sleep(STICKY_SECONDS + 0.5)
    return browser


def shown_status(browser: Browser, site: str, step: str) -> str:
    status, page = browser.get(f"{site}/items/step/{step}/")
    assert status == 200, page
    return SHOWN_STATUS.search(page).group(1)


def set_status(browser: Browser, site: str, step: str, value: str, htmx=False):
    """Clicks a status button of the step's page: the form's own fields."""
    url = f"{site}/items/step/{step}/"
    token = browser.csrf_token(url)
    headers = {"HX-Request": "true"} if htmx else None
    return browser.post(
        f"{url}status/",
        {"csrfmiddlewaretoken": token, "status": value},
        headers=headers,
    )


def test_pages_read_the_replica_and_a_learner_reads_their_own_change_at_once(
    cluster, site, reader
):
    assert cluster.value(cluster.replica_port, "SELECT pg_is_in_recovery()") is True
    cluster.pause_replay()

    status, _ = set_status(reader, site, "s1", "done")
    assert status == 302
    assert reader.cookie("waymark-primary")
    # On the primary only: the replica has not replayed it.
    assert cluster.done_on(cluster.primary_port) == 1
    assert cluster.done_on(cluster.replica_port) == 0
    # The learner sees it at once, read from the primary.
    assert shown_status(reader, site, "s1") == "done"

    # Once the pin has expired the learner's pages are read from the replica,
    # which (paused) does not have the change.
    time.sleep(STICKY_SECONDS + 0.5)
    assert shown_status(reader, site, "s1") == "not_started"

    # The same through htmx: the fragment and the next page show the change.
    status, fragment = set_status(reader, site, "s1", "learning", htmx=True)
    assert status == 200
    assert 'value="learning" aria-pressed="true"' in fragment
    assert shown_status(reader, site, "s1") == "learning"

    # Replay resumed, the replica catches up and the pages read it.
    cluster.resume_replay()
    time.sleep(STICKY_SECONDS + 0.5)
    assert shown_status(reader, site, "s1") == "learning"


def test_a_stopped_replica_costs_no_error_page_and_is_read_again_once_back(
    cluster, site, site_log, reader
):
    cluster.pause_replay()
    status, _ = set_status(reader, site, "s2", "done", htmx=True)
    assert status == 200
    time.sleep(STICKY_SECONDS + 0.5)
    assert shown_status(reader, site, "s2") == "not_started"  # the replica

    cluster.stop("replica", "immediate")
    anonymous = Browser()
    for _ in range(3):
        started = time.monotonic()
        # Read from the primary, which has the change.
        assert shown_status(reader, site, "s2") == "done"
        status, page = anonymous.get(f"{site}/roles/small/")
        assert status == 200, page
        assert "Small role" in page
        assert time.monotonic() - started < 5
    assert "The replica does not answer" in site_log.read_text()

    cluster.start("replica", cluster.replica_port)
    cluster.pause_replay()  # after replaying the change it missed
    status, _ = set_status(reader, site, "s2", "skipped", htmx=True)
    assert status == 200
    assert cluster.done_on(cluster.replica_port) == 1
    time.sleep(max(STICKY_SECONDS, RETRY_SECONDS) + 0.5)
    # The replica is read again: it shows the step done, not yet skipped.
    assert shown_status(reader, site, "s2") == "done"
    assert "The replica answers again" in site_log.read_text()
    cluster.resume_replay()
    assert shown_status(reader, site, "s2") == "skipped"


RENAME = """
from roadmap import page_cache
from roadmap.models import Role
role = Role.objects.get(slug="small")
role.title = "{title}"
role.save()
page_cache.content_changed()
"""
REDIS_TEST_URL = "redis://127.0.0.1:6379/13"  # a database of its own, emptied


def redis_or_skip(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()
    except redis.RedisError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is needed in CI: {error}")
        pytest.skip(f"no Redis at {url}: {error}")


def test_what_the_shared_cache_keeps_is_never_older_than_its_generation(
    cluster, tmp_path
):
    """With Redis, a content change bumps the generation at once, while a
    lagging replica still has the old rows: a page rendered for the cache is
    read from the primary, so it is never the old page under the new
    generation (which would be served to everyone until it expired)."""
    redis_or_skip(REDIS_TEST_URL)
    with running_site(cluster, tmp_path / "redis.log", REDIS_TEST_URL) as (
        base,
        environment,
    ):
        anonymous = Browser()
        status, page = anonymous.get(f"{base}/roles/small/")
        assert status == 200 and "Small role" in page
        cluster.pause_replay()
        # A curator renames the role in the shell and retires the content's
        # caches, as docs/architecture.md says a change from the shell does.
        manage(environment, "shell", "-c", RENAME.format(title="Renamed role"))
        title = "SELECT title FROM roadmap_role WHERE slug = 'small'"
        assert cluster.value(cluster.replica_port, title) == "Small role"
        status, page = anonymous.get(f"{base}/roles/small/")
        assert status == 200
        assert "Renamed role" in page and "Small role" not in page
        cluster.resume_replay()
        manage(environment, "shell", "-c", RENAME.format(title="Small role"))
        cluster.wait_until_caught_up()


def test_a_replica_needs_a_postgresql_primary():
    """A SQLite site with a replica address is a mistake: said in one line."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "WAYMARK_", "DATABASE_"))
    }
    environment.update(
        DJANGO_SECRET_KEY="x" * 60,
        DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:5432/waymark",
    )
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert result.stderr.strip() == (
        "Waymark refuses to start: DATABASE_REPLICA_URL needs DATABASE_URL and "
        "DATABASE_REPLICA_URL to be PostgreSQL (postgres://...): a replica of the "
        "primary."
    )
