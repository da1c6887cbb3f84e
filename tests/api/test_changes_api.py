"""The changed-since flags and reports through the API (api/changes_api.py):
the dashboard's list and the item page's flag, "mark as reviewed" as the
item page's button, and reports filed under the item page's daily limit."""

import datetime
import json

import pytest
from django.test import Client
from django.urls import reverse
from ninja.responses import NinjaJSONEncoder

from api import tokens
from progress import content_changes, reports
from progress.models import ItemProgress, ItemReport
from roadmap import revisions
from roadmap.models import Concept, LearningStep, Revision
from tests.api.helpers import bearer
from tests.factories import RoleFactory, StageFactory, StepFactory
from tests.progress.test_changed_since import FLAG, edit_step
from tests.progress.test_reviewable import mark

PROBLEM = "application/problem+json"
CHANGES = "/api/v1/me/changes"
REPORTS = "/api/v1/me/reports"


def reviewed_url(kind: str = "step", slug: str = "s1") -> str:
    return f"{CHANGES}/{kind}/{slug}/reviewed"


def as_json(value) -> str:
    return NinjaJSONEncoder().default(value)


def item_page(client, kind: str = "step", slug: str = "s1") -> str:
    response = client.get(reverse("progress_item", args=[kind, slug]))
    assert response.status_code == 200
    return response.content.decode()


def dashboard(client) -> str:
    return client.get(reverse("dashboard")).content.decode()


def post_report(client, plain: str, **fields):
    body = {"kind": "step", "slug": "s1", "problem": "outdated", **fields}
    return client.post(
        REPORTS,
        json.dumps(body),
        content_type="application/json",
        headers=bearer(plain),
    )


@pytest.fixture
def web(learner, small_role):
    """The learner, signed in on the site, following the small role."""
    client = Client()
    client.force_login(learner)
    client.post(reverse("progress_follow", args=["small"]))
    return client


@pytest.fixture
def other_web(other_learner, small_role):
    client = Client()
    client.force_login(other_learner)
    return client


@pytest.fixture
def curator_client(group_curator):
    client = Client()
    client.force_login(group_curator)
    return client


@pytest.fixture
def reader(learner):
    return tokens.create(learner, "dashboard", "read")[1]


@pytest.fixture
def writer(learner):
    return tokens.create(learner, "notes app", "write")[1]


@pytest.fixture
def other_reader(other_learner):
    return tokens.create(other_learner, "theirs", "read")[1]


# --- Changed since you marked them ------------------------------------------------


@pytest.mark.django_db
class TestChanges:
    def test_the_list_is_the_dashboards_with_what_the_item_page_shows(
        self, client, web, learner, curator_client, steps, reader
    ):
        # A role the learner does not follow: the dashboard lists its items too.
        elsewhere = StepFactory(
            stage=StageFactory(role=RoleFactory(slug="elsewhere")),
            slug="far",
            title="Far step",
        )
        mark(web, "step", "s1")
        mark(web, "step", "s2", "learning")
        mark(web, "concept", "c1")
        mark(web, "step", "far")
        assert client.get(CHANGES, headers=bearer(reader)).json() == []

        edit_step(curator_client, steps[0], title="Step one, reworded")
        with revisions.recorded(origin="admin", note="Clearer."):
            Concept.objects.filter(slug="c1").update(name="Concept one, renamed")
            LearningStep.objects.filter(pk=elsewhere.pk).update(summary="New aim.")

        response = client.get(CHANGES, headers=bearer(reader))
        assert response.status_code == 200
        assert response["Cache-Control"].startswith("max-age=0")
        body = response.json()
        expected = content_changes.changed_since_marked(learner)
        assert [(e["kind"], e["slug"]) for e in body] == [
            (entry.kind, entry.item.slug) for entry in expected
        ]
        assert {(e["kind"], e["slug"]) for e in body} == {
            ("step", "s1"),
            ("concept", "c1"),
            ("step", "far"),
        }
        page = dashboard(web)
        for entry in body:
            link = reverse("progress_item", args=[entry["kind"], entry["slug"]])
            assert f'href="{link}#changed-since">{entry["title"]}</a>' in page
            assert FLAG in item_page(web, entry["kind"], entry["slug"])
        assert FLAG not in item_page(web, "step", "s2")  # not changed: not listed

        step = next(e for e in body if e["slug"] == "s1")
        assert step["title"] == "Step one, reworded" and step["status"] == "done"
        assert step["url"] == "http://testserver" + reverse(
            "progress_item", args=["step", "s1"]
        )
        [change] = step["changes"]
        assert {"field": "title", "old": "Step one", "new": "Step one, reworded"} in (
            change["fields"]
        )
        assert "<del>Step one</del> → <ins>Step one, reworded</ins>" in item_page(web)
        concept = next(e for e in body if e["kind"] == "concept")
        assert concept["changes"][0]["note"] == "Clearer."

    def test_each_items_changes_are_what_changed_gives_its_page(
        self, client, web, learner, curator_client, steps, reader
    ):
        mark(web, "step", "s1")
        edit_step(curator_client, steps[0], title="First wording")
        mark(web, "step", "s2")
        edit_step(curator_client, steps[1], summary="Second aim.")
        edit_step(curator_client, steps[0], summary="Another aim.")
        body = client.get(CHANGES, headers=bearer(reader)).json()
        assert len(body) == 2
        for entry in content_changes.changed_since_marked(learner):
            shown = next(e for e in body if e["slug"] == entry.item.slug)
            page = content_changes.what_changed(entry.kind, entry.item, entry.marked_at)
            assert shown["changes"] == [
                {
                    "at": as_json(change["at"]),
                    "action": change["action"],
                    "note": change["note"],
                    "fields": [
                        {"field": name, "old": old, "new": new}
                        for name, old, new in change["rows"]
                    ],
                }
                for change in page
            ]
        assert len(next(e for e in body if e["slug"] == "s1")["changes"]) == 2

    def test_other_learners_flags_never_show(
        self, client, web, other_web, curator_client, steps, other_reader
    ):
        mark(web, "step", "s1")
        edit_step(curator_client, steps[0], title="Renamed")
        assert client.get(CHANGES, headers=bearer(other_reader)).json() == []

    def test_no_token_is_401(self, client, web):
        response = client.get(CHANGES)
        assert response.status_code == 401 and response["Content-Type"] == PROBLEM
        assert client.get(CHANGES, headers=bearer("wm_nope_nope")).status_code == 401


@pytest.mark.django_db
class TestReviewed:
    def test_it_clears_the_flag_for_that_learner_only_and_keeps_the_status(
        self,
        client,
        web,
        other_web,
        learner,
        other_learner,
        curator_client,
        steps,
        writer,
        other_reader,
    ):
        mark(web, "step", "s1")
        mark(other_web, "step", "s1", "learning")
        edit_step(curator_client, steps[0], summary="What to do now.")

        response = client.post(reviewed_url(), headers=bearer(writer))
        assert response.status_code == 200
        state = response.json()
        assert state["flagged"] is False and state["status"] == "done"
        assert state["reviewed_at"] is not None
        assert state["changed_at"] is not None

        assert FLAG not in item_page(web)
        assert "Changed since you marked them" not in dashboard(web)
        assert client.get(CHANGES, headers=bearer(writer)).json() == []
        assert ItemProgress.objects.get(learner=learner, step=steps[0]).status == (
            "done"
        )
        assert FLAG in item_page(other_web)
        theirs = client.get(CHANGES, headers=bearer(other_reader)).json()
        assert [e["slug"] for e in theirs] == ["s1"]
        assert ItemProgress.objects.get(
            learner=other_learner, step=steps[0]
        ).status == ("learning")

        edit_step(curator_client, steps[0], summary="Changed again.")
        assert FLAG in item_page(web)  # a new change flags it again
        assert [e["slug"] for e in client.get(CHANGES, headers=bearer(writer)).json()]

    def test_it_is_idempotent_and_writes_nothing_when_not_flagged(
        self, client, web, learner, curator_client, steps, writer
    ):
        mark(web, "step", "s1")
        edit_step(curator_client, steps[0], title="Renamed")
        first = client.post(reviewed_url(), headers=bearer(writer)).json()
        seen = ItemProgress.objects.get(learner=learner, step=steps[0]).change_seen_at
        again = client.post(reviewed_url(), headers=bearer(writer))
        assert again.status_code == 200 and again.json() == first
        row = ItemProgress.objects.get(learner=learner, step=steps[0])
        assert row.change_seen_at == seen and row.status == "done"

    def test_an_item_without_a_status_answers_its_state(
        self, client, web, learner, writer
    ):
        response = client.post(reviewed_url("concept", "c2"), headers=bearer(writer))
        assert response.status_code == 200
        assert response.json() == {
            "kind": "concept",
            "slug": "c2",
            "title": "Concept two",
            "status": "not_started",
            "flagged": False,
            "changed_at": None,
            "reviewed_at": None,
        }
        assert not ItemProgress.objects.filter(learner=learner).exists()

    def test_a_nul_is_refused_naming_the_field(self, client, small_role, writer):
        response = post_report(client, writer, message="nul\u0000here")
        assert response.status_code == 400 and response["Content-Type"] == PROBLEM
        assert "'message' holds a NUL character" in response.json()["detail"]
        assert not ItemReport.objects.exists()

    def test_unknown_and_draft_items_are_404(self, client, small_role, writer):
        StepFactory(stage=small_role.stages.first(), slug="draft", is_published=False)
        for url in [reviewed_url("step", "nope"), reviewed_url("step", "draft")]:
            response = client.post(url, headers=bearer(writer))
            assert response.status_code == 404 and response["Content-Type"] == PROBLEM
        assert client.post(
            reviewed_url("skill"), headers=bearer(writer)
        ).status_code == (400)

    def test_a_read_token_cannot_and_no_token_is_401(
        self, client, web, learner, curator_client, steps, reader
    ):
        mark(web, "step", "s1")
        edit_step(curator_client, steps[0], title="Renamed")
        response = client.post(reviewed_url(), headers=bearer(reader))
        assert response.status_code == 403 and response["Content-Type"] == PROBLEM
        assert client.post(reviewed_url()).status_code == 401
        assert FLAG in item_page(web)
        assert ItemProgress.objects.get(
            learner=learner, step=steps[0]
        ).change_seen_at is (None)

    def test_a_session_opens_nothing(self, web, curator_client, steps):
        mark(web, "step", "s1")
        edit_step(curator_client, steps[0], title="Renamed")
        assert web.post(reviewed_url()).status_code == 401
        assert web.get(CHANGES).status_code == 401
        assert FLAG in item_page(web)


# --- Reports ---------------------------------------------------------------------


@pytest.mark.django_db
class TestReports:
    def test_a_report_shows_on_the_item_page_for_its_author_only(
        self, client, web, other_web, learner, writer, other_reader
    ):
        response = post_report(client, writer, message="  The link moved.  ")
        assert response.status_code == 201
        body = response.json()
        stored = ItemReport.objects.get()
        assert (stored.learner, stored.step.slug, stored.kind, stored.message) == (
            learner,
            "s1",
            "outdated",
            "The link moved.",  # trimmed, as the page's form does
        )
        assert body == {
            "id": stored.pk,
            "kind": "step",
            "slug": "s1",
            "title": "Step one",
            "problem": "outdated",
            "message": "The link moved.",
            "state": "open",
            "reply": "",
            "created_at": body["created_at"],
            "fixed_by": None,
        }
        assert "The link moved." in item_page(web)
        assert "The link moved." not in item_page(other_web)
        listed = client.get(REPORTS, headers=bearer(writer)).json()
        assert listed["count"] == 1 and listed["items"] == [body]
        theirs = client.get(REPORTS, headers=bearer(other_reader)).json()
        assert theirs["count"] == 0 and theirs["items"] == []

    def test_the_list_shows_the_curators_answer_and_the_fixing_change(
        self, client, learner, small_role, reader
    ):
        report = reports.report(learner, small_role.test_steps[1], "wrong", "Typo.")
        revision = Revision.objects.create(origin="admin", changes=[])
        report.reply = "Thanks, fixed."
        reports.mark_fixed(report, fixed_by=revision)
        [item] = client.get(REPORTS, headers=bearer(reader)).json()["items"]
        assert item["state"] == "fixed" and item["reply"] == "Thanks, fixed."
        assert item["fixed_by"]["revision"] == revision.pk
        assert item["fixed_by"]["created_at"]
        assert item["slug"] == "s2" and item["problem"] == "wrong"

    def test_reports_on_items_no_longer_shown_are_left_out(
        self, client, learner, small_role, reader
    ):
        reports.report(learner, small_role.test_steps[0], "wrong")
        LearningStep.objects.filter(slug="s1").update(is_published=False)
        assert client.get(REPORTS, headers=bearer(reader)).json()["count"] == 0

    def test_the_daily_limit_is_the_item_pages(
        self, client, web, learner, writer, steps
    ):
        for _ in range(reports.DAILY_LIMIT - 1):  # sent from the item page
            page = web.post(
                reverse("progress_report", args=["step", "s1"]), {"kind": "unclear"}
            )
            assert page.status_code == 302
        assert post_report(client, writer).status_code == 201  # the last that fits

        response = post_report(client, writer, message="One too many.")
        assert response.status_code == 429 and response["Content-Type"] == PROBLEM
        assert "10 reports in the last 24 hours" in response.json()["detail"]
        assert 0 < int(response["Retry-After"]) <= 24 * 3600
        assert ItemReport.objects.count() == reports.DAILY_LIMIT
        assert not ItemReport.objects.filter(message="One too many.").exists()
        # And the page refuses too: one limit.
        page = web.post(
            reverse("progress_report", args=["step", "s1"]), {"kind": "unclear"}
        )
        assert page.status_code == 429

    def test_the_limit_counts_24_hours(self, client, learner, small_role, writer):
        old = datetime.timedelta(hours=25)
        for _ in range(reports.DAILY_LIMIT):
            made = reports.report(learner, small_role.test_steps[0], "wrong")
            ItemReport.objects.filter(pk=made.pk).update(
                created_at=made.created_at - old
            )
        assert post_report(client, writer).status_code == 201

    @pytest.mark.parametrize(
        "fields, field",
        [
            ({"problem": "rude"}, "body.problem"),
            ({"message": "x" * 2001}, "body.message"),
            ({"kind": "skill"}, "body.kind"),
            ({"slug": None}, "body.slug"),
        ],
    )
    def test_bad_input_names_the_field_and_stores_nothing(
        self, client, small_role, writer, fields, field
    ):
        response = post_report(client, writer, **fields)
        assert response.status_code == 400 and response["Content-Type"] == PROBLEM
        assert field in [error["field"] for error in response.json()["errors"]]
        assert not ItemReport.objects.exists()

    def test_a_nul_is_refused_naming_the_field(self, client, small_role, writer):
        response = post_report(client, writer, message="nul\u0000here")
        assert response.status_code == 400 and response["Content-Type"] == PROBLEM
        assert "'message' holds a NUL character" in response.json()["detail"]
        assert not ItemReport.objects.exists()

    def test_unknown_and_draft_items_are_404(self, client, small_role, writer):
        StepFactory(stage=small_role.stages.first(), slug="draft", is_published=False)
        for slug in ["nope", "draft"]:
            response = post_report(client, writer, slug=slug)
            assert response.status_code == 404 and response["Content-Type"] == PROBLEM
        assert not ItemReport.objects.exists()

    def test_a_read_token_cannot_write_and_no_token_is_401(
        self, client, web, small_role, reader
    ):
        response = post_report(client, reader)
        assert response.status_code == 403 and response["Content-Type"] == PROBLEM
        no_token = client.post(
            REPORTS,
            json.dumps({"kind": "step", "slug": "s1", "problem": "wrong"}),
            content_type="application/json",
        )
        assert no_token.status_code == 401
        assert client.get(REPORTS).status_code == 401
        assert web.get(REPORTS).status_code == 401  # a session opens nothing
        assert not ItemReport.objects.exists()

    def test_pages_past_the_last_are_404(self, client, small_role, reader):
        assert client.get(f"{REPORTS}?page=2", headers=bearer(reader)).status_code == (
            404
        )
        assert client.get(f"{REPORTS}?page=0", headers=bearer(reader)).status_code == (
            400
        )


# --- Query budgets ------------------------------------------------------------------

# The token, its use (noted at most once a minute: warmed up first), the
# flagged items, and the revisions since the oldest mark.
CHANGES_QUERIES = 3
# The token, its use, the reports with their items and fixing revisions.
REPORTS_QUERIES = 2


@pytest.mark.django_db
@pytest.mark.parametrize("count", [2, 25])
def test_changes_cost_the_same_queries_at_any_size(
    client, learner, small_role, reader, count, django_assert_page_queries
):
    stage = small_role.stages.first()
    made = [
        StepFactory(stage=stage, slug=f"x{n}", position=10 + n) for n in range(count)
    ]
    for step in made:
        ItemProgress.objects.set_status(learner, step, "done")
    with revisions.recorded(origin="admin"):
        LearningStep.objects.filter(pk__in=[s.pk for s in made]).update(
            summary="Reworded by a curator."
        )
    client.get(CHANGES, headers=bearer(reader))
    with django_assert_page_queries(CHANGES_QUERIES):
        response = client.get(CHANGES, headers=bearer(reader))
    assert len(response.json()) == count
    assert all(entry["changes"] for entry in response.json())


@pytest.mark.django_db
@pytest.mark.parametrize("count", [2, 25])
def test_reports_cost_the_same_queries_at_any_size(
    client, learner, small_role, reader, count, django_assert_page_queries
):
    revision = Revision.objects.create(origin="admin", changes=[])
    ItemReport.objects.bulk_create(
        ItemReport(
            learner=learner,
            kind="wrong",
            step=small_role.test_steps[n % 4] if n % 2 else None,
            concept=None if n % 2 else Concept.objects.get(slug="c1"),
            fixed_by=revision if n % 3 else None,
        )
        for n in range(count)
    )
    client.get(REPORTS, headers=bearer(reader))
    with django_assert_page_queries(REPORTS_QUERIES):
        response = client.get(REPORTS, headers=bearer(reader))
    body = response.json()
    assert body["count"] == count and len(body["items"]) == min(count, 20)


# --- Every documented status, reached -------------------------------------------

SEEDED = "choose-a-backend-language"
NUL = "%00"


def status_requests(read: str, write: str) -> dict:
    """(METHOD path) -> {status: (method, url, headers, body)}, for a learner
    with no progress on the seeded roadmap."""
    reader, writer = bearer(read), bearer(write)
    reviewed = f"/api/v1/me/changes/step/{SEEDED}/reviewed"
    report = {"kind": "step", "slug": SEEDED, "problem": "wrong"}
    return {
        "GET /api/v1/me/changes": {
            200: ("get", CHANGES, reader, None),
            400: ("get", f"{CHANGES}?q={NUL}", reader, None),
            401: ("get", CHANGES, {}, None),
        },
        "POST /api/v1/me/changes/{kind}/{slug}/reviewed": {
            200: ("post", reviewed, writer, None),
            400: ("post", f"/api/v1/me/changes/skill/{SEEDED}/reviewed", writer, None),
            401: ("post", reviewed, {}, None),
            403: ("post", reviewed, reader, None),
            404: (
                "post",
                "/api/v1/me/changes/step/no-such-step/reviewed",
                writer,
                None,
            ),
        },
        "GET /api/v1/me/reports": {
            200: ("get", REPORTS, reader, None),
            400: ("get", f"{REPORTS}?page=0", reader, None),
            401: ("get", REPORTS, {}, None),
            404: ("get", f"{REPORTS}?page=2", reader, None),
        },
        "POST /api/v1/me/reports": {
            201: ("post", REPORTS, writer, json.dumps(report)),
            400: ("post", REPORTS, writer, json.dumps({**report, "problem": "rude"})),
            401: ("post", REPORTS, {}, json.dumps(report)),
            403: ("post", REPORTS, reader, json.dumps(report)),
            404: ("post", REPORTS, writer, json.dumps({**report, "slug": "nope"})),
            413: (
                "post",
                REPORTS,
                writer,
                json.dumps({**report, "message": "x" * 3_000_000}),
            ),
        },
    }


@pytest.mark.django_db
def test_every_documented_status_is_reached(
    client, seed_roadmap, learner, reader, writer, settings, empty_cache
):
    from api.v1 import api

    schema = api.get_openapi_schema()["paths"]
    table = status_requests(reader, writer)
    for operation, reached in table.items():
        method, path = operation.split(" ", 1)
        documented = {int(code) for code in schema[path][method.lower()]["responses"]}
        assert set(reached) | {429} == documented, operation
        for status, (verb, url, headers, body) in reached.items():
            call = getattr(client, verb)
            response = (
                call(url, body, content_type="application/json", headers=headers)
                if body is not None
                else call(url, headers=headers)
            )
            assert response.status_code == status, (operation, status, response.content)
            if status >= 400:
                assert response["Content-Type"] == PROBLEM
    # The daily limit of reports (the item page's): 429 too, with Retry-After.
    verb, url, headers, body = table["POST /api/v1/me/reports"][201]
    for _ in range(reports.DAILY_LIMIT - 1):
        response = client.post(
            url, body, content_type="application/json", headers=headers
        )
        assert response.status_code == 201
    over = client.post(url, body, content_type="application/json", headers=headers)
    assert over.status_code == 429 and over["Retry-After"]
    settings.WAYMARK_API_PER_ADDRESS = 0
    for operation, reached in table.items():
        verb, url, headers, body = reached.get(200) or reached[201]
        response = getattr(client, verb)(url, headers=headers)
        assert response.status_code == 429, operation
