from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from outbox.health import queue_state


@never_cache
@require_GET
def queue_health(request: HttpRequest) -> JsonResponse:
    """200 while the queue moves, 503 when a task has waited too long: for the
    operators' monitoring, not the load balancer (the site serves without it)."""
    state = queue_state()
    return JsonResponse(state, status=503 if state["status"] == "stuck" else 200)
