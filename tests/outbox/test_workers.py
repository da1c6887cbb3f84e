"""Several workers on several machines share one queue, and each task runs once:
two `manage.py db_worker` processes against the test PostgreSQL database take
200 tasks between them."""

import subprocess
import sys

import pytest
from django_tasks_db.models import DBTaskResult

from outbox.models import ScheduledRun
from tests.outbox.worker_tasks import record_run
from tests.serving.servers import ROOT, require_postgresql, server_environment

TASKS = 200


@pytest.mark.django_db(transaction=True)
def test_two_workers_run_each_of_200_tasks_exactly_once(tmp_path):
    require_postgresql()
    for number in range(TASKS):
        record_run.enqueue(number)
    environment = server_environment(port=0)
    logs = [(tmp_path / f"worker-{n}.log").open("wb") for n in (1, 2)]
    workers = [
        subprocess.Popen(  # noqa: S603 - our own manage.py, fixed arguments
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--batch",
                "--queue-name",
                "*",
                "--interval",
                "0.05",
                "--no-startup-delay",
                "--worker-id",
                f"worker-{n}",
            ],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for n, log in zip((1, 2), logs, strict=True)
    ]
    for worker in workers:
        worker.wait(timeout=180)
    for log in logs:
        log.close()
    output = "\n".join(p.read_text() for p in sorted(tmp_path.glob("worker-*.log")))

    results = list(DBTaskResult.objects.all())
    assert len(results) == TASKS, output
    assert {result.status for result in results} == {"SUCCESSFUL"}, output
    assert all(len(result.worker_ids) == 1 for result in results)
    runs = ScheduledRun.objects.filter(job__startswith="exactly-once-")
    assert runs.count() == TASKS  # one row per task: none ran twice
    assert runs.values("job").distinct().count() == TASKS
    # Both workers took a share.
    assert {worker for r in results for worker in r.worker_ids} == {
        "worker-1",
        "worker-2",
    }, output
