"""Probes for load balancers and orchestrators; they render no templates."""

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and answering."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """The process can reach its database."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse(
            {"status": "unavailable", "database": "unreachable"}, status=503
        )
    return JsonResponse({"status": "ok", "database": "ok"})


@require_GET
def bare(request: HttpRequest) -> HttpResponse:
    """A fixed short response behind the full middleware stack: the benchmark's
    ceiling (`make bench`). Routed only when WAYMARK_BARE_VIEW is set."""
    return HttpResponse(b"ok", content_type="text/plain")
