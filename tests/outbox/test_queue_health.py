"""`/healthz/queue` says when the queue is stuck: a task has waited too long."""

import pytest
from django.core.mail import EmailMessage

from outbox import sending
from tests.queue import run_tasks


@pytest.mark.django_db
def test_the_queue_is_stuck_when_a_task_waits_too_long(client, clock, settings):
    assert client.get("/healthz/queue").json() == {
        "status": "ok",
        "ready": 0,
        "oldest_ready_seconds": 0,
        "stuck_after_seconds": settings.WAYMARK_QUEUE_STUCK_MINUTES * 60,
    }
    sending.queue_email(EmailMessage("a", "b", to=["a@x.org"]), kind="t")
    clock.advance(minutes=settings.WAYMARK_QUEUE_STUCK_MINUTES - 1)
    response = client.get("/healthz/queue")
    assert (response.status_code, response.json()["ready"]) == (200, 1)
    clock.advance(minutes=2)  # no worker has taken it
    response = client.get("/healthz/queue")
    assert response.status_code == 503
    assert response.json()["status"] == "stuck"
    assert response["Cache-Control"].startswith("max-age=0")
    run_tasks()
    assert client.get("/healthz/queue").status_code == 200
