"""A task for the two-worker test: each run leaves one row, named by the task's
number and the worker process that ran it."""

import os
import time

from django.tasks import task

from outbox.models import ScheduledRun


@task
def record_run(number: int) -> int:
    time.sleep(0.02)  # long enough that both workers take a share
    # Unique per (job, period): a second run in the same worker would fail, a
    # run in the other worker would leave a second row. Either shows.
    ScheduledRun.objects.create(job=f"exactly-once-{number}", period=str(os.getpid()))
    return os.getpid()
