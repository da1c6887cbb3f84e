"""Requests that carry a NUL character are refused before any view runs.

No page takes one: Django's form fields refuse it, but a view that reads
`request.GET` or `request.POST` directly would pass it to the database, and
PostgreSQL refuses NUL in text (a server error). One check here covers the path,
every query parameter, every form field and every string of a JSON body (the
API's), names and values.
"""

from __future__ import annotations

import json

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

NUL = "\x00"
FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
JSON_TYPE = "application/json"


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
    if request.content_type == JSON_TYPE:
        field = _json_nul_field(request)
        if field is not None:
            return f"the JSON field {field!r}" if field else "the JSON body"
    return None


def _json_nul_field(request: HttpRequest) -> str | None:
    """Where a JSON body holds a NUL, raw or written `\\u0000`: the field's
    dotted name ("message", "items.0.title"), "" when it is not a field's
    value (a key, or a body that is not JSON), or None when it holds none. A
    body too large, or not JSON, is left to the endpoint to refuse (413, 400)."""
    try:
        body = request.body
    except RequestDataTooBig:
        return None
    if b"\\u0000" not in body and b"\x00" not in body:
        return None  # the common case, with no parsing
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return "" if b"\x00" in body else None
    pending: list[tuple[str, object]] = [("", data)]
    while pending:
        where, value = pending.pop()
        if isinstance(value, str) and NUL in value:
            return where
        if isinstance(value, dict):
            if any(NUL in key for key in value):
                return ""
            pending.extend((f"{where}.{k}".lstrip("."), v) for k, v in value.items())
        elif isinstance(value, list):
            pending.extend((f"{where}.{i}".lstrip("."), v) for i, v in enumerate(value))
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
