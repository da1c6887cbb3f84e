"""`make bench`: Waymark's production server against a bare Django view.

Starts gunicorn (config/gunicorn.py, debug off, two workers) on PostgreSQL with a
generated dataset, drives each endpoint with wrk from a second process on
loopback, and prints requests per second and p50/p99 latency, each as a ratio to
a bare view (a fixed short response behind the same middleware) measured by the
same server in the same run. Also the queries each page runs and its compressed
weight with everything it loads. Method and latest figures: docs/performance.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
BIN = Path(sys.executable).parent
LEARNER = "gen-learner000001"
MENTOR = "gen-mentor000050"  # the generator gives mentor n (n %% 50) + 1 mentees
ROLE = "backend-engineer"
# Ratios of requests per second to the bare view that the pages must reach.
TARGETS = {
    "role page, anonymous": 0.25,
    "role page, signed in with progress": 0.12,
    "dashboard": 0.12,
    "HTMX status change": 0.12,
    "mentor dashboard, 50 mentees": 0.08,
}
WEIGHT_LIMIT_KB = 60
ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')


@dataclass
class Endpoint:
    name: str
    path: str
    user: str | None = None
    post: dict | None = None  # a status change's form fields
    rps: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0
    queries: int = 0
    html_gzip_bytes: int = 0
    asset_bytes: int = 0
    assets: list[str] = field(default_factory=list)

    @property
    def weight_kb(self) -> float:
        return (self.html_gzip_bytes + self.asset_bytes) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per run")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/waymark_bench"
        ),
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/2"),
    )
    parser.add_argument("--learners", type=int, default=2000)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    options = parser.parse_args()

    if not shutil.which("wrk"):
        sys.exit("make bench needs wrk (apt-get install wrk).")
    environment = server_environment(options)
    os.environ.update(environment)
    prepare_database(options, environment)

    import django

    django.setup()
    endpoints = endpoints_for_dataset()
    cookies = sign_in({e.user for e in endpoints if e.user})
    count_queries(endpoints)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = ROOT / "bench" / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(  # noqa: S603 - our gunicorn, fixed arguments
            [str(BIN / "gunicorn"), "-c", "config/gunicorn.py", "config.wsgi"],
            cwd=ROOT,
            env={**os.environ, "GUNICORN_BIND": f"127.0.0.1:{port}"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_ready(base, server, log_path)
            measure_weight(base, endpoints, cookies)
            bare = Endpoint("bare view (the ceiling)", "/bench/bare")
            bare_signed_in = Endpoint("bare view, signed in", "/bench/bare", LEARNER)
            runs = [bare, bare_signed_in, *endpoints]
            for endpoint in runs:
                load(base, endpoint, cookies, options, warmup=True)
            for endpoint in runs:
                load(base, endpoint, cookies, options)
            # The ceiling again at the end, so a drift shows.
            bare_again = Endpoint("bare view", "/bench/bare")
            load(base, bare_again, cookies, options)
        finally:
            server.terminate()
            server.wait(timeout=30)
    bare.rps = (bare.rps + bare_again.rps) / 2
    bare.p50_ms = (bare.p50_ms + bare_again.p50_ms) / 2
    bare.p99_ms = (bare.p99_ms + bare_again.p99_ms) / 2
    ok = report(bare, [bare_signed_in, *endpoints], options)
    if options.json:
        options.json.write_text(
            json.dumps(
                [asdict(e) for e in [bare, bare_signed_in, *endpoints]], indent=2
            )
        )
    return 0 if ok else 1


def server_environment(options) -> dict[str, str]:
    environment = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-" + secrets.token_urlsafe(40),
        # TLS ends at the load balancer; the app server speaks plain HTTP.
        "DJANGO_HTTPS": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,testserver",
        "DATABASE_URL": options.database_url,
        "WAYMARK_BARE_VIEW": "true",
        "WAYMARK_STATIC_FROM_SOURCE": "false",
        "WEB_CONCURRENCY": str(options.workers),
        "LOG_LEVEL": "warning",
    }
    if redis_reachable(options.redis_url):
        environment["REDIS_URL"] = options.redis_url
    else:
        print(f"Redis not reachable at {options.redis_url}: the cache is the database.")
    return environment


def redis_reachable(url: str) -> bool:
    host, _, rest = url.removeprefix("redis://").partition(":")
    port = int(rest.split("/")[0] or 6379)
    try:
        with socket.create_connection((host, port), timeout=1) as probe:
            probe.sendall(b"PING\r\n")
            return probe.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def manage(*args: str, quiet: bool = True) -> str:
    result = subprocess.run(  # noqa: S603 - manage.py with fixed arguments
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def prepare_database(options, environment) -> None:
    import psycopg

    name = options.database_url.rsplit("/", 1)[1]
    admin_url = options.database_url.rsplit("/", 1)[0] + "/postgres"
    try:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if not exists:
                connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        sys.exit(f"make bench needs PostgreSQL ({options.database_url}): {error}")
    print(f"Preparing {name}: migrate, seed content, static files, dataset...")
    manage("migrate", "--no-input")
    manage("createcachetable")
    manage("load_roadmaps")
    manage("collectstatic", "--no-input", "--clear")
    print(
        manage(
            "generate_dataset",
            "--replace",
            "--learners",
            str(options.learners),
            "--mentors",
            "50",
        ).splitlines()[-1]
    )
    # The daily jobs, as in production: the time learners took is measured.
    print(manage("run_schedule").strip())


def endpoints_for_dataset() -> list[Endpoint]:
    from roadmap.models import LearningStep

    step = (
        LearningStep.objects.filter(stage__role__slug=ROLE)
        .order_by("stage__position", "position")
        .first()
    )
    return [
        Endpoint("role page, anonymous", f"/roles/{ROLE}/"),
        Endpoint("role page, signed in with progress", f"/roles/{ROLE}/", LEARNER),
        Endpoint("dashboard", "/dashboard/", LEARNER),
        Endpoint(
            "HTMX status change",
            f"/items/step/{step.slug}/status/",
            LEARNER,
            post={"status": "done"},
        ),
        Endpoint("mentor dashboard, 50 mentees", "/mentoring/", MENTOR),
        Endpoint("search", "/search/?q=database+index"),
    ]


def sign_in(usernames: set[str]) -> dict[str, str]:
    """A real session (in the shared cache and the database) per user."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    cookies = {}
    for username in usernames:
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        csrf = secrets.token_hex(16)  # a 32-character CSRF secret
        session = client.cookies["sessionid"].value
        cookies[username] = f"sessionid={session}; csrftoken={csrf}"
    return cookies


def count_queries(endpoints: list[Endpoint]) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    for endpoint in endpoints:
        client = Client()
        if endpoint.user:
            client.force_login(get_user_model().objects.get(username=endpoint.user))
        request = (
            (
                lambda c=client, e=endpoint: c.post(
                    e.path,
                    e.post,
                    headers={"HX-Request": "true"},
                )
            )
            if endpoint.post
            else (lambda c=client, e=endpoint: c.get(e.path))
        )
        request()  # warm any per-process cache first, as a running server has
        with CaptureQueriesContext(connection) as queries:
            response = request()
        if response.status_code != 200:
            sys.exit(
                f"{endpoint.name}: {endpoint.path} answered {response.status_code}"
            )
        # Session and user lookups happen in a real server too; the test client's
        # session is in the same cache, so the count matches what gunicorn runs.
        endpoint.queries = len(queries)


def measure_weight(base: str, endpoints: list[Endpoint], cookies) -> None:
    """The page's HTML, gzipped as a front proxy would, plus every stylesheet,
    script and icon it loads, as whitenoise serves them (Brotli or gzip)."""
    for endpoint in endpoints:
        if endpoint.post:
            continue
        headers = {"Accept-Encoding": "identity"}
        if endpoint.user:
            headers["Cookie"] = cookies[endpoint.user]
        html = fetch(base + endpoint.path, headers)
        endpoint.html_gzip_bytes = len(gzip.compress(html, 6))
        endpoint.assets = sorted(set(ASSET.findall(html.decode())))
        endpoint.asset_bytes = sum(
            len(fetch(base + asset, {"Accept-Encoding": "br, gzip"}))
            for asset in endpoint.assets
        )


def fetch(url: str, headers: dict) -> bytes:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.read()


def load(base, endpoint: Endpoint, cookies, options, warmup=False) -> None:
    command = [
        "wrk",
        "-t1",
        f"-c{options.connections}",
        f"-d{2 if warmup else options.duration}s",
        "--latency",
    ]
    environment = dict(os.environ)
    if endpoint.user:
        command += ["-H", f"Cookie: {cookies[endpoint.user]}"]
    if endpoint.post:
        csrf = cookies[endpoint.user].rsplit("csrftoken=", 1)[1]
        command += ["-s", str(ROOT / "bench" / "status.lua")]
        environment.update(
            BENCH_PATH=endpoint.path,
            BENCH_CSRF=csrf,
        )
    command.append(base + endpoint.path)
    output = subprocess.run(  # noqa: S603 - wrk with fixed arguments
        command, capture_output=True, text=True, env=environment, check=True
    ).stdout
    if warmup:
        return
    endpoint.rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    endpoint.p50_ms = latency(output, "50%")
    endpoint.p99_ms = latency(output, "99%")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    endpoint.errors = int(errors.group(1)) if errors else 0
    if socket_errors:
        print(f"{endpoint.name}: socket errors {socket_errors.group(1)}")


def latency(output: str, percentile: str) -> float:
    value, unit = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)", output).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def report(bare: Endpoint, endpoints: list[Endpoint], options) -> bool:
    ok = True
    print()
    print(
        f"PostgreSQL, gunicorn with {options.workers} sync workers, wrk 1 thread "
        f"{options.connections} connections {options.duration} s per endpoint."
    )
    print(
        "| endpoint | req/s | ratio | target | p50 ms | p99 ms | p50 x bare "
        "| p99 x bare | queries | weight KB |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    print(
        f"| {bare.name} | {bare.rps:.0f} | 1.00 | | {bare.p50_ms:.2f} "
        f"| {bare.p99_ms:.2f} | 1.0 | 1.0 | 0 | |"
    )
    for endpoint in endpoints:
        ratio = endpoint.rps / bare.rps
        target = TARGETS.get(endpoint.name)
        mark = ""
        if target is not None:
            mark = f"≥ {target:.2f} {'✓' if ratio >= target else '✗'}"
            ok &= ratio >= target
        weight = f"{endpoint.weight_kb:.1f}" if endpoint.html_gzip_bytes else ""
        if endpoint.errors:
            ok = False
            mark += f" ({endpoint.errors} errors)"
        print(
            f"| {endpoint.name} | {endpoint.rps:.0f} | {ratio:.2f} | {mark} "
            f"| {endpoint.p50_ms:.2f} | {endpoint.p99_ms:.2f} "
            f"| {endpoint.p50_ms / bare.p50_ms:.1f} "
            f"| {endpoint.p99_ms / bare.p99_ms:.1f} "
            f"| {endpoint.queries if not endpoint.name.startswith('bare') else ''} "
            f"| {weight} |"
        )
    role = next(e for e in endpoints if e.name.startswith("role page, signed in"))
    heavy = max(
        (e for e in endpoints if e.name.startswith("role page")),
        key=lambda e: e.weight_kb,
    )
    within = heavy.weight_kb < WEIGHT_LIMIT_KB
    ok &= within
    print(
        f"\nRole page weight (HTML gzip + {len(role.assets)} assets): "
        f"{heavy.weight_kb:.1f} KB, limit {WEIGHT_LIMIT_KB} KB "
        f"{'✓' if within else '✗'}"
    )
    print("All targets met." if ok else "Some targets are not met (✗).")
    return ok


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_ready(base: str, server: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited:\n{log_path.read_text()}")
        try:
            fetch(base + "/readyz", {})
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.3)
    sys.exit(f"gunicorn did not start:\n{log_path.read_text()}")


if __name__ == "__main__":
    sys.exit(main())
