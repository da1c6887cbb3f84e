"""`make bench`: Waymark's production server against a bare Django view.

Starts gunicorn (config/gunicorn.py, debug off, two workers) on PostgreSQL with a
generated dataset, drives each endpoint with wrk from a second process on
loopback, and prints requests per second and p50/p99 latency. An endpoint's
figure is its ratio to a bare view (a fixed short response behind the same
middleware) measured by the same server in the same round; three rounds are
interleaved, so that a machine busy with something else for a while lowers one
round rather than one endpoint, and the table shows each endpoint's median and
its spread. Also the queries each page runs and its size, plain and compressed
with everything it loads. Method and latest figures: docs/performance.md.
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
import statistics
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
DATABASE_URL = "postgres://postgres@127.0.0.1:5432/waymark_bench"
# Names the generator gives in both datasets: learner 1 has 200 progress rows,
# and mentor n has (n - 1) % 50 + 1 mentees, so mentor 50 has 50 in both.
LEARNER = "gen-learner000001"
MENTOR = "gen-mentor000050"
ROLE = "backend-engineer"
# Two words that the seed roadmap matches in several places (16 results: skills,
# concepts, steps and source texts); search requires every word.
SEARCH_QUERY = "database query"
SEARCH_MIN_RESULTS = 5
# The large dataset is generate_dataset's defaults: 100,000 learners and 2,000
# mentors (20 million progress rows, about 5 minutes and 4.5 GB to make).
LARGE_USERS = 100_000 + 2_000
# Ratios of requests per second to the bare view that the pages must reach.
TARGETS = {
    "role page, anonymous": 0.35,
    "role page, signed in with progress": 0.18,
    "dashboard": 0.18,
    "HTMX status change": 0.12,
    "mentor dashboard, 50 mentees": 0.15,
    "search": 0.15,
}
TAIL_LIMIT = 4.0  # an endpoint's p99 within this multiple of its own p50
# The signed-in role page: its HTML as sent, and gzipped with its assets.
HTML_LIMIT_KB = 150
WEIGHT_LIMIT_KB = 40
SIZED = "role page, signed in with progress"
ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')


@dataclass
class Run:
    """One wrk run of one endpoint."""

    rps: float
    p50_ms: float
    p99_ms: float
    errors: int = 0


@dataclass
class Endpoint:
    name: str
    path: str
    user: str | None = None
    post: dict | None = None  # a status change's form fields
    runs: list[Run] = field(default_factory=list)  # one a round
    ratios: list[float] = field(default_factory=list)  # to that round's bare view
    queries: int = 0
    html_bytes: int = 0
    html_gzip_bytes: int = 0
    asset_bytes: int = 0
    assets: list[str] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return statistics.median(run.rps for run in self.runs)

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)

    @property
    def p50_ms(self) -> float:
        return statistics.median(run.p50_ms for run in self.runs)

    @property
    def p99_ms(self) -> float:
        return statistics.median(run.p99_ms for run in self.runs)

    @property
    def tail(self) -> float:
        """The median p99 as a multiple of the median p50."""
        return self.p99_ms / self.p50_ms

    @property
    def errors(self) -> int:
        return sum(run.errors for run in self.runs)

    @property
    def html_kb(self) -> float:
        return self.html_bytes / 1024

    @property
    def weight_kb(self) -> float:
        return (self.html_gzip_bytes + self.asset_bytes) / 1024

    def medians(self) -> dict:
        return {
            "rps": self.rps,
            "ratio": self.ratio if self.ratios else None,
            "ratio_min": min(self.ratios, default=None),
            "ratio_max": max(self.ratios, default=None),
            "p50_ms": self.p50_ms,
            "p99_ms": self.p99_ms,
            "p99_over_p50": self.tail,
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--duration", type=int, default=10, help="seconds per run (default 10)"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="interleaved rounds, each driving every endpoint once (default 3)",
    )
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--dataset",
        choices=["small", "large"],
        default=os.environ.get("BENCH_DATASET", "small"),
        help="small: 2,000 learners, made afresh each run; large: generate_dataset's "
        "defaults (100,000 learners, 20 million progress rows) in a database of "
        "its own, made once (default: $BENCH_DATASET, else small)",
    )
    parser.add_argument(
        "--database-url",
        help="default: $BENCH_DATABASE_URL, else " + DATABASE_URL + "; the large "
        "dataset uses the same server and the name with _large appended",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/2"),
    )
    parser.add_argument(
        "--learners", type=int, default=2000, help="the small dataset's learners"
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    options = parser.parse_args()
    if options.rounds < 1 or options.duration < 1:
        parser.error("--rounds and --duration must be at least 1.")
    if options.dataset not in ("small", "large"):  # from BENCH_DATASET, unchecked
        parser.error(f"the dataset is small or large, not {options.dataset!r}.")
    options.database_url = options.database_url or database_url(options.dataset)

    if not shutil.which("wrk"):
        sys.exit("make bench needs wrk (apt-get install wrk).")
    environment = server_environment(options)
    os.environ.update(environment)
    prepare_database(options)

    import django

    django.setup()
    from django.core.cache import cache

    # The bench's own cache: figures cached from another dataset, whose users
    # share primary keys with this one's, must not be served.
    cache.clear()
    endpoints = endpoints_for_dataset()
    check_search_finds_results()
    cookies = sign_in({e.user for e in endpoints if e.user})
    count_queries(endpoints)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = ROOT / "bench" / "server.log"
    bare = Endpoint("bare view (the ceiling)", "/bench/bare")
    bare_signed_in = Endpoint("bare view, signed in", "/bench/bare", LEARNER)
    measured = [bare_signed_in, *endpoints]
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
            measure_size(base, endpoints, cookies)
            for endpoint in [bare, *measured]:
                load(base, endpoint, cookies, options, warmup=True)
            ends = [
                measure_round(base, bare, measured, cookies, options, number)
                for number in range(1, options.rounds + 1)
            ]
        finally:
            server.terminate()
            server.wait(timeout=30)
    ok = report(bare, measured, ends, options)
    if options.json:
        options.json.write_text(json.dumps(figures(bare, measured, ends, options)))
    return 0 if ok else 1


def database_url(dataset: str) -> str:
    """The small dataset's database, or for the large one its namesake with
    `_large` appended, so that neither replaces the other."""
    url = os.environ.get("BENCH_DATABASE_URL", DATABASE_URL)
    if dataset == "large":
        server, name = url.rsplit("/", 1)
        url = f"{server}/{name}_large"
    return url


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
    options.cache = "Redis"
    if redis_reachable(options.redis_url):
        environment["REDIS_URL"] = options.redis_url
    else:
        options.cache = "the database as cache"
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


def manage(*args: str) -> str:
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


def prepare_database(options) -> None:
    name = options.database_url.rsplit("/", 1)[1]
    create_database(options.database_url)
    print(f"Preparing {name}: migrate, seed content, static files, dataset...")
    manage("migrate", "--no-input")
    manage("createcachetable")
    # Without retiring: the generated roles are in no content file, and a second
    # run would otherwise unpublish them and bench another dataset than the first.
    manage("load_roadmaps", "--no-retire")
    manage("collectstatic", "--no-input", "--clear")
    if options.dataset == "large":
        prepare_large_dataset(options.database_url)
    else:
        output = manage(
            "generate_dataset",
            "--replace",
            "--learners",
            str(options.learners),
            "--mentors",
            "50",
        )
        print(output.splitlines()[-1])
    # The daily jobs, as in production: the time learners took is measured.
    print(manage("run_schedule").strip())


def create_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    try:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if not exists:
                connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        sys.exit(f"make bench needs PostgreSQL ({url}): {error}")


def prepare_large_dataset(url: str) -> None:
    """Generate the large dataset only when it is not already there: it takes
    about five minutes and 4.5 GB. It is written in one transaction, so its
    users are there only when all its rows are."""
    import psycopg

    with psycopg.connect(url) as connection:
        users = connection.execute(
            "SELECT count(*) FROM accounts_user WHERE username LIKE %s", ["gen-%"]
        ).fetchone()[0]
    if users == LARGE_USERS:
        print(f"The large dataset is here ({users:,} generated users): kept.")
        return
    print(
        "Generating the large dataset (100,000 learners, 20 million progress rows; "
        "about 5 minutes and 4.5 GB)..."
    )
    # generate_dataset's defaults are the large dataset; --replace clears another.
    print(
        manage("generate_dataset", *(["--replace"] if users else [])).splitlines()[-1]
    )


def endpoints_for_dataset() -> list[Endpoint]:
    from urllib.parse import urlencode

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
        Endpoint("search", "/search/?" + urlencode({"q": SEARCH_QUERY})),
    ]


def check_search_finds_results() -> None:
    """A search that finds nothing is the cheapest page there is: make sure the
    bench's query still finds what it is meant to rank."""
    from django.contrib.auth.models import AnonymousUser

    from roadmap.search import search

    found = search(SEARCH_QUERY, AnonymousUser()).count
    if found < SEARCH_MIN_RESULTS:
        sys.exit(
            f"search: {SEARCH_QUERY!r} finds {found} results on this dataset, "
            f"fewer than {SEARCH_MIN_RESULTS}; pick another query (bench/run.py)."
        )


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


def measure_size(base: str, endpoints: list[Endpoint], cookies) -> None:
    """The page's HTML as the server sends it, and gzipped as a front proxy
    would, plus every stylesheet, script and icon it loads, as whitenoise serves
    them (Brotli or gzip)."""
    for endpoint in endpoints:
        if endpoint.post:
            continue
        headers = {"Accept-Encoding": "identity"}
        if endpoint.user:
            headers["Cookie"] = cookies[endpoint.user]
        html = fetch(base + endpoint.path, headers)
        endpoint.html_bytes = len(html)
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


def measure_round(base, bare, endpoints, cookies, options, number) -> tuple[Run, Run]:
    """The bare view, every endpoint in turn, the bare view again. Each
    endpoint's ratio is to the mean of this round's two bare runs; the bare
    view's own run is that mean. Returns the two bare runs, first and last."""
    print(f"Round {number} of {options.rounds}...", flush=True)
    first = load(base, bare, cookies, options)
    runs = [load(base, endpoint, cookies, options) for endpoint in endpoints]
    last = load(base, bare, cookies, options)
    ceiling = Run(
        rps=(first.rps + last.rps) / 2,
        p50_ms=(first.p50_ms + last.p50_ms) / 2,
        p99_ms=(first.p99_ms + last.p99_ms) / 2,
        errors=first.errors + last.errors,
    )
    bare.runs.append(ceiling)
    bare.ratios.append(1.0)
    for endpoint, run in zip(endpoints, runs, strict=True):
        endpoint.runs.append(run)
        endpoint.ratios.append(run.rps / ceiling.rps)
    return first, last


def drift(ends: list[tuple[Run, Run]]) -> list[float]:
    """Each round's last bare run's requests per second over its first's."""
    return [last.rps / first.rps for first, last in ends]


def load(base, endpoint: Endpoint, cookies, options, warmup=False) -> Run | None:
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
        return None
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    if socket_errors:
        print(f"{endpoint.name}: socket errors {socket_errors.group(1)}")
    return Run(
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        p50_ms=latency(output, "50%"),
        p99_ms=latency(output, "99%"),
        errors=int(errors.group(1)) if errors else 0,
    )


def latency(output: str, percentile: str) -> float:
    value, unit = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)", output).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def spread(values: list[float]) -> str:
    return f"{min(values):.2f}\N{EN DASH}{max(values):.2f}"


def mark(met: bool) -> str:
    return "✓" if met else "✗"


def report(bare: Endpoint, endpoints: list[Endpoint], ends, options) -> bool:
    """The whole table, then whether every target is met."""
    ok = True
    print()
    print(
        f"PostgreSQL ({options.dataset} dataset) and {options.cache}, gunicorn with "
        f"{options.workers} sync workers, wrk 1 thread {options.connections} "
        f"connections; {options.rounds} interleaved rounds of {options.duration} s "
        f"per endpoint. Medians of the rounds; spread: the rounds' lowest and "
        f"highest ratio."
    )
    print(
        "| endpoint | req/s | ratio | spread | target | p50 ms | p99 ms "
        f"| p99 ÷ p50 (≤ {TAIL_LIMIT:.0f}) | queries | HTML KB | gzip + assets KB |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    print(
        f"| {bare.name} | {bare.rps:.0f} | 1.00 "
        f"| drift {spread(drift(ends))} | "
        f"| {bare.p50_ms:.2f} | {bare.p99_ms:.2f} | {bare.tail:.1f} | | | |"
    )
    for endpoint in endpoints:
        target = TARGETS.get(endpoint.name)
        cell = ""
        if target is not None:
            met = endpoint.ratio >= target
            cell = f"≥ {target:.2f} {mark(met)}"
            ok &= met
        if endpoint.errors:
            ok = False
            cell += f" ({endpoint.errors} errors ✗)"
        tail = f"{endpoint.tail:.1f}"
        if not endpoint.name.startswith("bare"):
            within = endpoint.tail <= TAIL_LIMIT
            tail += f" {mark(within)}"
            ok &= within
        html = weight = ""
        if endpoint.html_bytes:
            html, weight = f"{endpoint.html_kb:.1f}", f"{endpoint.weight_kb:.1f}"
        if endpoint.name == SIZED:
            html_ok = endpoint.html_kb <= HTML_LIMIT_KB
            weight_ok = endpoint.weight_kb <= WEIGHT_LIMIT_KB
            html += f" ≤ {HTML_LIMIT_KB} {mark(html_ok)}"
            weight += f" ≤ {WEIGHT_LIMIT_KB} {mark(weight_ok)}"
            ok &= html_ok and weight_ok
        queries = "" if endpoint.name.startswith("bare") else endpoint.queries
        print(
            f"| {endpoint.name} | {endpoint.rps:.0f} | {endpoint.ratio:.2f} "
            f"| {spread(endpoint.ratios)} | {cell} "
            f"| {endpoint.p50_ms:.2f} | {endpoint.p99_ms:.2f} | {tail} "
            f"| {queries} | {html} | {weight} |"
        )
    sized = next(e for e in endpoints if e.name == SIZED)
    print(
        f"\nSigned-in role page: {sized.html_kb:.1f} KB of HTML (limit "
        f"{HTML_LIMIT_KB} KB), {sized.weight_kb:.1f} KB gzipped with its "
        f"{len(sized.assets)} assets (limit {WEIGHT_LIMIT_KB} KB)."
    )
    print("All targets met." if ok else "Some targets are not met (✗).")
    return ok


def figures(bare: Endpoint, endpoints: list[Endpoint], ends, options) -> dict:
    """Every run's figures and the medians, for --json."""
    return {
        "dataset": options.dataset,
        "cache": options.cache,
        "workers": options.workers,
        "connections": options.connections,
        "duration_s": options.duration,
        "rounds": options.rounds,
        "bare_runs": [
            {"first": asdict(first), "last": asdict(last)} for first, last in ends
        ],
        "bare_drift": drift(ends),
        "targets": TARGETS,
        "limits": {
            "p99_over_p50": TAIL_LIMIT,
            "html_kb": HTML_LIMIT_KB,
            "gzip_with_assets_kb": WEIGHT_LIMIT_KB,
        },
        "endpoints": [
            {**asdict(endpoint), "medians": endpoint.medians()}
            for endpoint in [bare, *endpoints]
        ],
    }


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
