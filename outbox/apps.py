from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = "Outgoing email and background work"

    def ready(self) -> None:
        from django.tasks.signals import task_finished, task_started

        from outbox import logs

        # Every task the worker runs is logged by name, outcome and duration.
        task_started.connect(logs.started, dispatch_uid="outbox_task_started")
        task_finished.connect(logs.finished, dispatch_uid="outbox_task_finished")
