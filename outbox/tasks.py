"""The outbox's tasks, run by `manage.py db_worker` on the `email` queue."""

from django.tasks import task

from outbox import sending


@task(queue_name="email")
def deliver_message(message_id: int, attempt: int = 1) -> str:
    return sending.deliver(message_id, attempt)
