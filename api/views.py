"""The API's readable documentation page: the OpenAPI schema rendered by the
site's own template, server-side, so it needs no script and no CDN and works
under the Content Security Policy."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from api.v1 import api

METHODS = ("get", "put", "post", "patch", "delete")


@require_GET
def docs(request: HttpRequest) -> HttpResponse:
    schema = api.get_openapi_schema()
    operations = []
    for path, item in schema["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "tag": (operation.get("tags") or [""])[0],
                    "token": bool(operation.get("security")),
                    "parameters": operation.get("parameters", []),
                    "responses": sorted(operation.get("responses", {}).items()),
                }
            )
    return render(
        request,
        "api/docs.html",
        {"schema": schema, "operations": operations},
    )
