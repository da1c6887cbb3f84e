"""Every status code the schema documents for an endpoint is one it gives: a
request that reaches each, per endpoint, and the table is the schema's."""

import datetime
import json

import pytest
from django.core.cache import cache
from django.utils import timezone

from api import tokens
from api.v1 import api
from mentoring.models import Mentorship
from progress.models import (
    EVIDENCE_PER_ITEM,
    BulkChange,
    Evidence,
    ItemProgress,
    RoleFollow,
)
from roadmap.models import LearningStep, Role
from tests.factories import UserFactory

STEP = "/api/v1/me/statuses/step/choose-a-backend-language"
NUL = "%00"
REVIEWED = "write-server-side-logic"  # done a day ago: due for review
REVIEW = f"/api/v1/me/reviews/step/{REVIEWED}"
NOT_DONE = "choose-a-backend-language"
CHANGED = f"/api/v1/me/changes/step/{NOT_DONE}/reviewed"
KNOWN = "/api/v1/me/roles/backend-engineer/known/stage/learn-a-backend-language"
NOTE = f"/api/v1/me/notes/step/{NOT_DONE}"
FULL = f"/api/v1/me/notes/step/{REVIEWED}/evidence"  # holds the most it may
GOAL = "/api/v1/me/roles/backend-engineer/goal"
SKILL = "backend-programming-languages"


HUGE = "x" * 3_000_000  # over the request body's limit


def report(**fields) -> str:
    """The body of a report on a step, as `POST /me/reports` takes it."""
    body = {"kind": "step", "slug": NOT_DONE, "problem": "wrong", **fields}
    return json.dumps(body)


def requests_for(read: str, write: str) -> dict:
    """(METHOD path) -> {status: (method, url, headers, body)}."""
    reader = {"Authorization": f"Bearer {read}"}
    writer = {"Authorization": f"Bearer {write}"}
    done = json.dumps({"status": "done"})
    good = json.dumps({"rating": "good"})
    note = json.dumps({"note": "Chose Go.", "shared": False})
    link = json.dumps({"url": "https://example.com/my-api"})
    rating = json.dumps({"skill": SKILL, "level": "competent"})
    goal = json.dumps({"hours_per_week": 3, "reviews": True})
    return {
        "GET /api/v1/roles": {
            200: ("get", "/api/v1/roles", {}, None),
            400: ("get", "/api/v1/roles?page=0", {}, None),
            404: ("get", "/api/v1/roles?page=9", {}, None),
        },
        "GET /api/v1/roles/{slug}": {
            200: ("get", "/api/v1/roles/backend-engineer", {}, None),
            400: ("get", f"/api/v1/roles/backend{NUL}", {}, None),
            404: ("get", "/api/v1/roles/no-such-role", {}, None),
        },
        "GET /api/v1/roles/{slug}/revisions": {
            200: ("get", "/api/v1/roles/backend-engineer/revisions", {}, None),
            400: ("get", "/api/v1/roles/backend-engineer/revisions?page=x", {}, None),
            404: ("get", "/api/v1/roles/no-such-role/revisions", {}, None),
        },
        "GET /api/v1/sources": {
            200: ("get", "/api/v1/sources", {}, None),
            400: ("get", "/api/v1/sources?page=0", {}, None),
            404: ("get", "/api/v1/sources?page=9", {}, None),
        },
        "GET /api/v1/sources/{slug}": {
            200: ("get", "/api/v1/sources/essay-backend-fundamentals", {}, None),
            400: ("get", f"/api/v1/sources/essay{NUL}", {}, None),
            404: ("get", "/api/v1/sources/no-such-source", {}, None),
        },
        "GET /api/v1/me/roles": {
            200: ("get", "/api/v1/me/roles", reader, None),
            400: ("get", f"/api/v1/me/roles?q={NUL}", reader, None),
            401: ("get", "/api/v1/me/roles", {}, None),
        },
        "GET /api/v1/me/statuses": {
            200: ("get", "/api/v1/me/statuses", reader, None),
            400: ("get", "/api/v1/me/statuses?page=-1", reader, None),
            401: ("get", "/api/v1/me/statuses", {}, None),
            404: ("get", "/api/v1/me/statuses?page=2", reader, None),
        },
        "GET /api/v1/mentees": {
            200: ("get", "/api/v1/mentees", reader, None),
            400: ("get", "/api/v1/mentees?page=0", reader, None),
            401: ("get", "/api/v1/mentees", {}, None),
            404: ("get", "/api/v1/mentees?page=2", reader, None),
        },
        "GET /api/v1/mentees/{username}/roles": {
            200: ("get", "/api/v1/mentees/mentee/roles", reader, None),
            400: ("get", f"/api/v1/mentees/mentee/roles?q={NUL}", reader, None),
            401: ("get", "/api/v1/mentees/mentee/roles", {}, None),
            404: ("get", "/api/v1/mentees/stranger/roles", reader, None),
        },
        "GET /api/v1/mentees/{username}/statuses": {
            200: ("get", "/api/v1/mentees/mentee/statuses", reader, None),
            400: ("get", "/api/v1/mentees/mentee/statuses?page=0", reader, None),
            401: ("get", "/api/v1/mentees/mentee/statuses", {}, None),
            404: ("get", "/api/v1/mentees/stranger/statuses", reader, None),
        },
        "POST /api/v1/me/roles/{role}/known/{part}/{slug}": {
            200: ("post", KNOWN, writer, None),
            400: ("post", "/api/v1/me/roles/backend-engineer/known/x/y", writer, None),
            401: ("post", KNOWN, {}, None),
            403: ("post", KNOWN, reader, None),
            404: ("post", "/api/v1/me/roles/nope/known/stage/y", writer, None),
        },
        "POST /api/v1/me/known/{change_id}/undo": {
            404: ("post", "/api/v1/me/known/999999/undo", writer, None),
            400: ("post", "/api/v1/me/known/x/undo", writer, None),
            401: ("post", "/api/v1/me/known/1/undo", {}, None),
            403: ("post", "/api/v1/me/known/1/undo", reader, None),
            200: ("post", "/api/v1/me/known/{change}/undo", writer, None),
            409: ("post", "/api/v1/me/known/{change}/undo", writer, None),
        },
        "GET /api/v1/me/reviews": {
            200: ("get", "/api/v1/me/reviews", reader, None),
            400: ("get", f"/api/v1/me/reviews?q={NUL}", reader, None),
            401: ("get", "/api/v1/me/reviews", {}, None),
        },
        "GET /api/v1/me/reviews/forecast": {
            200: ("get", "/api/v1/me/reviews/forecast", reader, None),
            400: ("get", f"/api/v1/me/reviews/forecast?q={NUL}", reader, None),
            401: ("get", "/api/v1/me/reviews/forecast", {}, None),
        },
        "POST /api/v1/me/reviews/{kind}/{slug}": {
            200: ("post", REVIEW, writer, good),
            400: ("post", REVIEW, writer, json.dumps({"rating": "perfect"})),
            401: ("post", REVIEW, {}, good),
            403: ("post", REVIEW, reader, good),
            404: ("post", "/api/v1/me/reviews/step/no-such-step", writer, good),
            409: ("post", f"/api/v1/me/reviews/step/{NOT_DONE}", writer, good),
            413: ("post", REVIEW, writer, json.dumps({"rating": "x" * 3_000_000})),
        },
        "GET /api/v1/me/changes": {
            200: ("get", "/api/v1/me/changes", reader, None),
            400: ("get", f"/api/v1/me/changes?q={NUL}", reader, None),
            401: ("get", "/api/v1/me/changes", {}, None),
        },
        "POST /api/v1/me/changes/{kind}/{slug}/reviewed": {
            200: ("post", CHANGED, writer, None),
            400: (
                "post",
                f"/api/v1/me/changes/skill/{NOT_DONE}/reviewed",
                writer,
                None,
            ),
            401: ("post", CHANGED, {}, None),
            403: ("post", CHANGED, reader, None),
            404: (
                "post",
                "/api/v1/me/changes/step/no-such-step/reviewed",
                writer,
                None,
            ),
        },
        "GET /api/v1/me/reports": {
            200: ("get", "/api/v1/me/reports", reader, None),
            400: ("get", "/api/v1/me/reports?page=0", reader, None),
            401: ("get", "/api/v1/me/reports", {}, None),
            404: ("get", "/api/v1/me/reports?page=2", reader, None),
        },
        "POST /api/v1/me/reports": {
            201: ("post", "/api/v1/me/reports", writer, report()),
            400: ("post", "/api/v1/me/reports", writer, report(problem="rude")),
            401: ("post", "/api/v1/me/reports", {}, report()),
            403: ("post", "/api/v1/me/reports", reader, report()),
            404: ("post", "/api/v1/me/reports", writer, report(slug="nope")),
            413: (
                "post",
                "/api/v1/me/reports",
                writer,
                report(message="x" * 3_000_000),
            ),
        },
        "GET /api/v1/me/notes": {
            200: ("get", "/api/v1/me/notes", reader, None),
            400: ("get", "/api/v1/me/notes?page=0", reader, None),
            401: ("get", "/api/v1/me/notes", {}, None),
            404: ("get", "/api/v1/me/notes?page=2", reader, None),
        },
        "GET /api/v1/me/ratings": {
            200: ("get", "/api/v1/me/ratings", reader, None),
            400: ("get", "/api/v1/me/ratings?page=0", reader, None),
            401: ("get", "/api/v1/me/ratings", {}, None),
            404: ("get", "/api/v1/me/ratings?page=2", reader, None),
        },
        "PUT /api/v1/me/notes/{kind}/{slug}": {
            200: ("put", NOTE, writer, note),
            400: ("put", NOTE, writer, json.dumps({"note": "x" * 5001})),
            401: ("put", NOTE, {}, note),
            403: ("put", NOTE, reader, note),
            404: ("put", "/api/v1/me/notes/step/no-such-step", writer, note),
            413: ("put", NOTE, writer, json.dumps({"note": HUGE})),
        },
        "POST /api/v1/me/notes/{kind}/{slug}/evidence": {
            201: ("post", f"{NOTE}/evidence", writer, link),
            400: ("post", f"{NOTE}/evidence", writer, json.dumps({"url": "ftp://x"})),
            401: ("post", f"{NOTE}/evidence", {}, link),
            403: ("post", f"{NOTE}/evidence", reader, link),
            404: ("post", "/api/v1/me/notes/step/nope/evidence", writer, link),
            409: ("post", FULL, writer, link),
            413: ("post", f"{NOTE}/evidence", writer, json.dumps({"url": HUGE})),
        },
        "DELETE /api/v1/me/notes/{kind}/{slug}/evidence/{evidence_id}": {
            204: ("delete", f"{FULL}/{{evidence}}", writer, None),
            400: ("delete", f"{FULL}/x", writer, None),
            401: ("delete", f"{FULL}/1", {}, None),
            403: ("delete", f"{FULL}/1", reader, None),
            404: ("delete", f"{FULL}/999999", writer, None),
        },
        "POST /api/v1/me/ratings": {
            201: ("post", "/api/v1/me/ratings", writer, rating),
            200: ("post", "/api/v1/me/ratings", writer, rating),
            400: (
                "post",
                "/api/v1/me/ratings",
                writer,
                json.dumps({"skill": SKILL, "level": "guru"}),
            ),
            401: ("post", "/api/v1/me/ratings", {}, rating),
            403: ("post", "/api/v1/me/ratings", reader, rating),
            404: (
                "post",
                "/api/v1/me/ratings",
                writer,
                json.dumps({"skill": "nope", "level": "expert"}),
            ),
            413: (
                "post",
                "/api/v1/me/ratings",
                writer,
                json.dumps({"skill": HUGE, "level": "expert"}),
            ),
        },
        "GET /api/v1/me/roles/{role}/goal": {
            200: ("get", GOAL, reader, None),
            400: ("get", f"{GOAL}?q={NUL}", reader, None),
            401: ("get", GOAL, {}, None),
            404: ("get", "/api/v1/me/roles/nope/goal", reader, None),
        },
        "PUT /api/v1/me/roles/{role}/goal": {
            200: ("put", GOAL, writer, goal),
            400: ("put", GOAL, writer, json.dumps({"hours_per_week": 0})),
            401: ("put", GOAL, {}, goal),
            403: ("put", GOAL, reader, goal),
            404: ("put", "/api/v1/me/roles/nope/goal", writer, goal),
            413: ("put", GOAL, writer, json.dumps({"reviews": True, "x": HUGE})),
        },
        "PUT /api/v1/me/statuses/{kind}/{slug}": {
            200: ("put", STEP, writer, done),
            400: ("put", STEP, writer, json.dumps({"status": "finished"})),
            401: ("put", STEP, {}, done),
            403: ("put", STEP, reader, done),
            404: ("put", "/api/v1/me/statuses/step/no-such-step", writer, done),
            413: ("put", STEP, writer, json.dumps({"status": "x" * 3_000_000})),
        },
    }


def documented() -> dict[str, set[int]]:
    return {
        f"{method.upper()} {path}": {int(code) for code in operation["responses"]}
        for path, item in api.get_openapi_schema()["paths"].items()
        for method, operation in item.items()
    }


@pytest.fixture
def table(seed_roadmap) -> dict:
    """A learner with a mentee, a due review and an item full of evidence,
    and the requests that reach each status (`requests_for`)."""
    user = UserFactory()
    UserFactory(username="stranger")
    Mentorship.objects.create(
        learner=UserFactory(username="mentee"),
        mentor=user,
        status="active",
        initiated_by="learner",
    )
    RoleFollow.objects.create(learner=user, role=Role.objects.get())
    ItemProgress.objects.set_status(
        user, LearningStep.objects.get(slug=REVIEWED), "done"
    )
    ItemProgress.objects.filter(learner=user, step__slug=REVIEWED).update(
        status_changed_at=timezone.now() - datetime.timedelta(days=1)
    )
    for number in range(EVIDENCE_PER_ITEM):
        ItemProgress.objects.add_evidence(
            user,
            LearningStep.objects.get(slug=REVIEWED),
            url=f"https://example.com/{number}",
        )
    read = tokens.create(user, "read", "read")[1]
    write = tokens.create(user, "write", "write")[1]
    return requests_for(read, write)


@pytest.mark.django_db
def test_every_documented_status_is_reached(client, table, settings):
    last = Evidence.objects.last()
    changes = BulkChange.objects.all()
    schema = documented()
    assert set(table) == set(schema)
    for operation, reached in table.items():
        # 429 is reached by every operation alike: below.
        assert set(reached) | {429} == schema[operation], operation
        for status, (method, url, headers, body) in reached.items():
            url = url.replace(
                "{change}", str(changes.last().pk if changes.exists() else 0)
            ).replace("{evidence}", str(last.pk))
            response = (
                getattr(client, method)(
                    url, body, content_type="application/json", headers=headers
                )
                if body is not None
                else getattr(client, method)(url, headers=headers)
            )
            assert response.status_code == status, (
                operation,
                status,
                response.content[:300],
            )
            if status >= 400:
                assert response["Content-Type"] == "application/problem+json"
    settings.WAYMARK_API_PER_ADDRESS = 0
    cache.clear()
    for operation, reached in table.items():
        method, url, headers, body = reached[min(reached)]
        response = getattr(client, method)(url, headers=headers)
        assert response.status_code == 429, operation


@pytest.mark.django_db
def test_a_nul_in_any_string_of_a_json_body_is_refused(client, table):
    """PostgreSQL takes no NUL in text: in a JSON body, written raw or as
    `\\u0000`, it is refused before any endpoint runs, and nothing is written."""
    before = {model: model.objects.count() for model in (ItemProgress, Evidence)}
    tried = 0
    for operation, reached in table.items():
        method, url, headers, body = reached[min(reached)]
        if body is None or len(body) > 10_000:
            continue
        data = json.loads(body)
        for key, value in data.items():
            if not isinstance(value, str):
                continue
            for nul in ("\x00", "a\x00b"):
                sent = json.dumps({**data, key: nul})
                response = getattr(client, method)(
                    url.replace("{evidence}", "1"),
                    sent,
                    content_type="application/json",
                    headers=headers,
                )
                tried += 1
                assert response.status_code == 400, (operation, key)
                assert response["Content-Type"] == "application/problem+json"
                assert f"field '{key}' holds a NUL" in response.json()["detail"]
        key_nul = json.dumps({**data, "a\x00": 1})
        response = getattr(client, method)(
            url, key_nul, content_type="application/json", headers=headers
        )
        assert response.status_code == 400, (operation, "a key")
    assert tried >= 14
    assert before == {model: model.objects.count() for model in before}
