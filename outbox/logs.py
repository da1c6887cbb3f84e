"""One log line per task the worker runs: its name, id, outcome and duration."""

import logging

logger = logging.getLogger("waymark.tasks")


def started(sender, task_result, **kwargs) -> None:
    logger.info("task %s id=%s started", task_result.task.module_path, task_result.id)


def finished(sender, task_result, **kwargs) -> None:
    started_at, finished_at = task_result.started_at, task_result.finished_at
    duration = (
        (finished_at - started_at).total_seconds()
        if started_at and finished_at
        else 0.0
    )
    errors = task_result.errors
    outcome = task_result.status.lower()
    detail = f" error={errors[-1].exception_class_path}" if errors else ""
    log = logger.warning if errors else logger.info
    log(
        "task %s id=%s %s in %.3fs%s",
        task_result.task.module_path,
        task_result.id,
        outcome,
        duration,
        detail,
    )
