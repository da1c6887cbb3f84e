"""Running the task queue inside a test, as `manage.py db_worker` would.

The HTTP request only records tasks; a test that reads an email runs the queue
first (`delivered()`), in its own process and transaction."""

from django.core import mail
from django.db import transaction


def run_tasks(limit: int = 500) -> int:
    """Run every task that is ready now, one at a time like a worker: claimed,
    run, marked successful or failed. How many ran."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="tests",
        excluded_queue_names=[],
    )
    ran = 0
    while ran < limit:
        with transaction.atomic():
            result = DBTaskResult.objects.ready().get_locked()
            if result is None:
                break
            result.claim("tests")
        worker.run_task(result)
        ran += 1
    return ran


def delivered() -> list:
    """The emails sent so far, once the queue has run."""
    run_tasks()
    return mail.outbox
