"""CSRF and methods: every URL refuses a POST without a valid CSRF token (403) and
changes nothing; state-changing endpoints refuse GET (405); no view is exempt."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.security.test_access_matrix import EXPECTED, POST_ONLY, fingerprint
from tests.security.world import (
    build_world,
    concrete_url,
    remember_routes,
    url_patterns,
)

STATE_CHANGING = sorted(
    name for name, expected in EXPECTED.items() if expected == POST_ONLY
)


# The one view a request reaches without a CSRF token: the weekly email's
# unsubscribe link, which mail apps post to without cookies (RFC 8058). It reads
# no session or cookie: the signed token in its URL is the whole authority, so a
# cross-site form cannot forge it (tests/progress/test_weekly_email.py: forged
# and other-purpose tokens get 404 and change nothing).
KEYED_BY_THE_URL = {"weekly_email_unsubscribe"}
# The API's endpoints: CSRF does not apply, because nothing there reads a
# session or cookie. A learner's data opens only to a personal access token
# sent in the Authorization header, which a cross-site form cannot send; the
# rest is public and read-only (tests/api/test_api.py: a session opens and
# writes nothing).
TOKEN_ONLY = {
    "api_v1:list_roles",
    "api_v1:get_role",
    "api_v1:list_revisions",
    "api_v1:list_sources",
    "api_v1:get_source",
    "api_v1:my_roles",
    "api_v1:my_statuses",
    "api_v1:set_status",
    "api_v1:mark_known",
    "api_v1:due_today",
    "api_v1:forecast",
    "api_v1:rate",
    "api_v1:my_changes",
    "api_v1:my_notes",
    "api_v1:my_ratings",
    "api_v1:rate_skill",
    "api_v1:save_note",
    "api_v1:add_evidence",
    "api_v1:remove_evidence",
    "api_v1:get_goal",
    "api_v1:set_goal",
    "api_v1:mark_reviewed",
    "api_v1:my_reports",
    "api_v1:file_report",
    "api_v1:undo_known",
    "api_v1:list_mentees",
    "api_v1:mentee_roles",
    "api_v1:mentee_statuses",
}


def test_no_view_is_csrf_exempt_but_those_keyed_by_the_url_or_a_token():
    exempt = [
        name
        for _route, name, pattern in url_patterns()
        if getattr(pattern.callback, "csrf_exempt", False)
    ]
    assert set(exempt) == KEYED_BY_THE_URL | TOKEN_ONLY


@pytest.mark.django_db
def test_every_url_refuses_a_post_without_a_valid_token(small_role, steps):
    world = build_world(small_role, steps)
    patterns = url_patterns()
    remember_routes(world, patterns)
    clients = {}
    for actor in ("owner", "superuser"):
        client = Client(enforce_csrf_checks=True, raise_request_exception=False)
        client.force_login(world.users[actor])
        client.cookies["csrftoken"] = "A" * 32  # a cookie, but no token in the form
        clients[actor] = client
    before = fingerprint()
    tried = 0
    for route, name, pattern in patterns:
        if name in KEYED_BY_THE_URL | TOKEN_ONLY:
            continue
        url = concrete_url(name, pattern, world)
        client = clients["superuser" if route.startswith("admin/") else "owner"]
        for data in ({}, {"csrfmiddlewaretoken": "B" * 32}):
            response = client.post(url, {"status": "done", "body": "x", **data})
            tried += 1
            assert response.status_code == 403, (url, data, response.status_code)
        response = client.post(
            url, {"status": "done"}, headers={"X-CSRFToken": "not-a-token"}
        )
        tried += 1
        assert response.status_code == 403, (url, "header", response.status_code)
    assert fingerprint() == before
    print(f"\ncsrf: {len(patterns)} URL patterns, {tried} forged posts, all 403")


@pytest.mark.django_db
@pytest.mark.parametrize("name", STATE_CHANGING)
def test_state_changing_endpoints_refuse_other_methods(name, small_role, steps):
    world = build_world(small_role, steps)
    patterns = url_patterns()
    remember_routes(world, patterns)
    (pattern,) = [p for _route, n, p in patterns if n == name]
    url = concrete_url(name, pattern, world)
    client = Client()
    client.force_login(world.users["owner"])
    before = fingerprint()
    for method in ("get", "head", "put", "patch", "delete"):
        assert getattr(client, method)(url).status_code == 405, (url, method)
    assert fingerprint() == before


@pytest.mark.django_db
def test_a_post_with_the_token_goes_through(learner, steps):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    page = client.get(reverse("progress_item", args=["step", steps[0].slug]))
    token = page.context["csrf_token"]
    response = client.post(
        reverse("progress_set_status", args=["step", steps[0].slug]),
        {"status": "done", "csrfmiddlewaretoken": str(token)},
    )
    assert response.status_code == 302
