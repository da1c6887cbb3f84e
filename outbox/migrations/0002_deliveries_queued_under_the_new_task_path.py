"""The delivery task moved from `outbox.tasks` to `outbox.sending` (one module
queues and delivers, and no two import each other): deliveries queued before
the move are pointed at its new path, so the worker still runs them."""

from django.db import migrations

OLD = "outbox.tasks.deliver_message"
NEW = "outbox.sending.deliver_message"


def point(apps, old: str, new: str) -> None:
    results = apps.get_model("django_tasks_database", "DBTaskResult")
    results.objects.filter(task_path=old).update(task_path=new)


def forwards(apps, schema_editor):
    point(apps, OLD, NEW)


def backwards(apps, schema_editor):
    point(apps, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("outbox", "0001_initial"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
