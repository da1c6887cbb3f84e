"""Requests that carry a NUL character are refused before any view runs.

No page takes one: Django's form fields refuse it, but a view that reads
`request.GET` or `request.POST` directly would pass it to the database, and
PostgreSQL refuses NUL in text (a server error). One check here covers the path,
every query parameter and every form field, names and values.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

NUL = "\x00"
FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def where_nul(request: HttpRequest) -> str | None:
    """Which part of the request holds a NUL character, or None."""
    if NUL in request.path:
        return "the address"
    parts = [("query parameter", request.GET)]
    if request.method == "POST" and request.content_type in FORM_TYPES:
        parts.append(("form field", request.POST))
    for kind, data in parts:
        for name, values in data.lists():
            if NUL in name or any(NUL in value for value in values):
                return f"the {kind} {name.replace(NUL, '')!r}"
    return None


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        where = where_nul(request)
        if where is not None:
            return HttpResponseBadRequest(
                f"Bad request: {where} holds a NUL character, which no page of "
                "Waymark accepts.",
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
