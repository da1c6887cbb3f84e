"""The delivery task moved from `outbox.tasks` to `outbox.sending`: an email
queued before the move, under the old path, is still delivered once the
database is migrated."""

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_tasks_db.models import DBTaskResult

from outbox import sending
from outbox.models import Message
from tests.queue import run_tasks

BEFORE = ("outbox", "0001_initial")
AFTER = ("outbox", "0002_deliveries_queued_under_the_new_task_path")


def migrate(target) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([target])


@pytest.mark.django_db(transaction=True)
def test_an_email_queued_under_the_old_path_is_delivered_after_the_migration():
    message = sending.queue_email(
        EmailMessage("Queued before the move", "Hello.", to=["lea@example.com"]),
        kind="test",
    )
    DBTaskResult.objects.update(task_path="outbox.tasks.deliver_message")
    migrate(BEFORE)
    migrate(AFTER)
    assert DBTaskResult.objects.get().task_path == "outbox.sending.deliver_message"
    assert run_tasks() == 1
    assert [sent.subject for sent in mail.outbox] == ["Queued before the move"]
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    # Leave the database as the rest of the suite expects it: every app latest.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_an_email_an_old_server_queues_after_the_migration_is_delivered():
    """During a deploy an old server, not yet replaced, queues under the old
    path after the migration ran: the worker still delivers it."""
    message = sending.queue_email(
        EmailMessage("Queued by an old server", "Hello.", to=["lea@example.com"]),
        kind="test",
    )
    DBTaskResult.objects.update(task_path="outbox.tasks.deliver_message")
    assert run_tasks() == 1
    assert [sent.subject for sent in mail.outbox] == ["Queued by an old server"]
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
