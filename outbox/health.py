"""Is the queue moving? A task ready for longer than WAYMARK_QUEUE_STUCK_MINUTES
means no worker is running, or the workers cannot keep up."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone


def queue_state() -> dict:
    from django_tasks_db.models import DBTaskResult

    oldest = DBTaskResult.objects.ready().order_by("enqueued_at").first()
    waited = (timezone.now() - oldest.enqueued_at).total_seconds() if oldest else 0
    limit = settings.WAYMARK_QUEUE_STUCK_MINUTES * 60
    return {
        "status": "stuck" if waited > limit else "ok",
        "ready": DBTaskResult.objects.ready().count(),
        "oldest_ready_seconds": int(waited),
        "stuck_after_seconds": limit,
    }
