"""Every refusal under /api/ is problem+json: the API's handlers answer so
themselves (api/v1.py); this turns the rest (a method the endpoint does not
take, an address that names no endpoint) into the same shape, so a client
never has to read HTML."""

from http import HTTPStatus

from django.urls import reverse

from api import problems

JSON_TYPES = ("application/json", problems.CONTENT_TYPE)


class ProblemResponses:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path.startswith("/api/")
            or request.path == reverse("api_docs")
            or response.get("Content-Type", "").startswith(JSON_TYPES)
        ):
            return response
        status = response.status_code
        if response.get("Content-Type", "").startswith("text/plain"):
            detail = response.content.decode(errors="replace")  # a reason given
        else:
            detail = {
                404: "No endpoint at this address: see /api/v1/docs.",
                405: f"This endpoint takes {response.get('Allow', 'other methods')}.",
            }.get(status, HTTPStatus(status).phrase + ".")
        headers = {"Allow": response["Allow"]} if response.has_header("Allow") else {}
        return problems.problem(status, detail, headers=headers)
