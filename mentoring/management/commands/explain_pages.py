"""Run EXPLAIN (ANALYZE, BUFFERS) on the queries behind the pages that grow with
the data: a learner's dashboard and role page, a mentor's dashboard, and the
curators' drop-off counts. Used on the small and the generated large dataset to
show that the plans use indexes and the time does not grow (docs/performance.md).

    manage.py explain_pages --learner gen-learner000001 --mentor gen-mentor000050
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from config import caching
from mentoring.models import Mentorship
from progress.admin import StepDropOff

SKIPPED = ("SAVEPOINT", "RELEASE", "waymark_cache", "django_session")


class Command(BaseCommand):
    help = "EXPLAIN ANALYZE the queries of the pages that grow with the data."

    def add_arguments(self, parser):
        parser.add_argument("--learner", default="gen-learner000001")
        parser.add_argument("--mentor", default="gen-mentor000050")
        parser.add_argument("--role", default="backend-engineer")
        parser.add_argument("--repeat", type=int, default=5)
        parser.add_argument("--plans", type=Path, help="write each plan here")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("explain_pages needs PostgreSQL.")
        users = get_user_model().objects
        try:
            learner = users.get(username=options["learner"])
            mentor = users.get(username=options["mentor"])
        except get_user_model().DoesNotExist as error:
            raise CommandError(f"{error} Run generate_dataset first.") from error
        pages = {
            "dashboard": self.page_queries(learner, "/dashboard/"),
            "role page with progress": self.page_queries(
                learner, f"/roles/{options['role']}/"
            ),
            "mentor dashboard": self.page_queries(mentor, "/mentoring/"),
            "search": self.page_queries(learner, "/search/?q=database+query"),
            "drop-off counts": self.dropoff_queries(),
        }
        if options["plans"]:
            options["plans"].mkdir(parents=True, exist_ok=True)
        self.stdout.write(
            "| page | queries | execution ms (median) | buffers hit | read "
            "| sequential scans |"
        )
        self.stdout.write("|---|--:|--:|--:|--:|---|")
        for name, queries in pages.items():
            runs = [self.explain_all(queries) for _ in range(options["repeat"])]
            times = [sum(plan["time"] for plan in run) for run in runs]
            last = runs[-1]
            scans = sorted({t for plan in last for t in plan["seq_scans"]})
            self.stdout.write(
                f"| {name} | {len(queries)} | {statistics.median(times):.2f} "
                f"| {sum(p['hit'] for p in last)} | {sum(p['read'] for p in last)} "
                f"| {', '.join(scans) or 'none'} |"
            )
            if options["plans"]:
                text = "\n\n".join(f"-- {plan['sql']}\n{plan['text']}" for plan in last)
                slug = name.replace(" ", "-")
                (options["plans"] / f"{slug}.txt").write_text(text)

    def page_queries(self, user, path: str) -> list[str]:
        client = Client()
        client.force_login(user)
        client.get(path)  # fill the shared caches first, as on a running server
        # ...then retire the figures that depend on progress, so the queries
        # that read progress run (as after any learner's change).
        caching.bump("learner", user.pk)
        for mentee in Mentorship.objects.mentees_of(user):
            caching.bump("learner", mentee.pk)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        if response.status_code != 200:
            raise CommandError(f"{path} answered {response.status_code}")
        return [
            query["sql"]
            for query in captured.captured_queries
            if query["sql"].startswith("SELECT")
            and not any(word in query["sql"] for word in SKIPPED)
        ]

    def dropoff_queries(self) -> list[str]:
        request = RequestFactory().get("/admin/progress/stepdropoff/")
        request.user = get_user_model()(is_staff=True, is_superuser=True)
        model_admin = admin.site.get_model_admin(StepDropOff)
        queryset = model_admin.get_queryset(request)
        with CaptureQueriesContext(connection) as captured:
            queryset.count()
            list(queryset[:100])
        return [query["sql"] for query in captured.captured_queries]

    def explain_all(self, queries: list[str]) -> list[dict]:
        plans = []
        with connection.cursor() as cursor:
            for sql in queries:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}")
                (plan,) = cursor.fetchone()[0]
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                text = "\n".join(row[0] for row in cursor.fetchall())
                plans.append(
                    {
                        "sql": sql,
                        "time": plan["Execution Time"] + plan["Planning Time"],
                        "hit": plan["Plan"].get("Shared Hit Blocks", 0),
                        "read": plan["Plan"].get("Shared Read Blocks", 0),
                        "seq_scans": list(_seq_scans(plan["Plan"])),
                        "text": text,
                        "json": json.dumps(plan),
                    }
                )
        return plans


def _seq_scans(node: dict):
    """Tables read whole: any sequential scan over more than 1,000 rows."""
    if (
        node.get("Node Type") == "Seq Scan"
        and node.get("Actual Rows", 0) * node.get("Actual Loops", 1)
        + node.get("Rows Removed by Filter", 0)
        > 1000
    ):
        yield node["Relation Name"]
    for child in node.get("Plans", []):
        yield from _seq_scans(child)
