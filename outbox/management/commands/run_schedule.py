import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from outbox import schedule


class Command(BaseCommand):
    help = (
        "Run every periodic job that is due (each at most once per hour, day or week). "
        "Run it from cron or a systemd timer every few minutes, or with --every."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=int,
            metavar="SECONDS",
            help="Keep running, checking for due jobs this often (make run uses it).",
        )
        parser.add_argument(
            "--list", action="store_true", dest="list_jobs", help="List the jobs."
        )

    def handle(self, *args, every, list_jobs, **options):
        if list_jobs:
            for job in schedule.JOBS.values():
                self.stdout.write(f"{job.name:<26} every {job.every:<5} {job.doc}")
            return
        while True:
            for name, period, outcome in schedule.run_due():
                self.stdout.write(f"{name} {period}: {outcome}")
            if not every:
                return
            close_old_connections()
            time.sleep(every)
