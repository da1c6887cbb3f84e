"""Errors as `application/problem+json` (RFC 9457): one stable shape for every
refusal the API gives, never HTML and never a stack trace.

    {"type": "about:blank", "title": "Not Found", "status": 404,
     "detail": "No published role with that slug.", "errors": [...]}

`errors` is there only for invalid input: one entry per field, naming it."""

from __future__ import annotations

import json
from http import HTTPStatus

from django.http import HttpResponse
from ninja.responses import NinjaJSONEncoder

CONTENT_TYPE = "application/problem+json"


def problem(
    status: int,
    detail: str,
    *,
    errors: list[dict] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    response = HttpResponse(
        json.dumps(body, cls=NinjaJSONEncoder),
        status=status,
        content_type=CONTENT_TYPE,
    )
    for name, value in (headers or {}).items():
        response[name] = value
    response["Cache-Control"] = "no-store"
    return response


def field_errors(errors: list[dict]) -> list[dict]:
    """Pydantic's errors as {"field": "body.status", "message": "..."}: where
    the value was (path, query or body) and its name."""
    found = []
    for error in errors:
        parts = [str(part) for part in error.get("loc", ())]
        if len(parts) > 2 and parts[0] == "body" and parts[1] == "body":
            del parts[1]  # the handler's body parameter, named `body` too
        found.append(
            {"field": ".".join(parts), "message": error.get("msg", "Invalid value.")}
        )
    return found


def form_problem(form, fields: dict[str, str]) -> HttpResponse:
    """A 400 for input the site's own form refused (the rule stays the form's):
    each of its messages, naming the request's field (`fields` maps the form's
    field names to them; an error of the whole form names `body`)."""
    errors = [
        {"field": fields.get(name, "body"), "message": message}
        for name, messages in form.errors.items()
        for message in messages
    ]
    return problem(400, "The request is not valid: see `errors`.", errors=errors)
