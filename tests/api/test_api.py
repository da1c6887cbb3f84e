"""The JSON API at /api/v1/: public content, the learner's own data with a
personal access token, errors as problem+json, limits and query budgets."""

import datetime
import json

import pytest
from django.test import Client
from django.urls import reverse

from api import tokens
from progress.models import ItemProgress, ProgressEvent, RoleFollow
from roadmap.models import LearningStep, Role
from tests.api.helpers import bearer
from tests.factories import UserFactory
from tests.roadmap.builders import build_roadmap

STEP = "choose-a-backend-language"
PROBLEM = "application/problem+json"


def put_status(client, plain, status, kind="step", slug=STEP, body=None):
    return client.put(
        f"/api/v1/me/statuses/{kind}/{slug}",
        json.dumps({"status": status}) if body is None else body,
        content_type="application/json",
        headers=bearer(plain),
    )


@pytest.fixture
def ada(db):
    return UserFactory(username="ada")


@pytest.fixture
def writer(ada):
    return tokens.create(ada, "my notes app", "write")[1]


@pytest.fixture
def reader(ada):
    return tokens.create(ada, "my dashboard", "read")[1]


@pytest.mark.django_db
class TestPublicContent:
    def test_roles_are_listed_with_an_etag_and_may_be_cached(
        self, client, seed_roadmap
    ):
        response = client.get("/api/v1/roles")
        assert response.status_code == 200
        body = response.json()
        assert body["count"] == 1 and body["items"][0]["slug"] == "backend-engineer"
        assert response["Cache-Control"] == "public, max-age=300"
        again = client.get("/api/v1/roles", headers={"If-None-Match": response["ETag"]})
        assert again.status_code == 304

    def test_the_etag_changes_with_the_content(self, client, seed_roadmap):
        etag = client.get("/api/v1/roles")["ETag"]
        from config import caching

        caching.bump("content")
        response = client.get("/api/v1/roles", headers={"If-None-Match": etag})
        assert response.status_code == 200 and response["ETag"] != etag

    def test_a_role_has_its_items_with_their_provenance(self, client, seed_roadmap):
        role = client.get("/api/v1/roles/backend-engineer").json()
        steps = [step for stage in role["stages"] for step in stage["steps"]]
        assert len(steps) == LearningStep.objects.published().count()
        step = next(s for s in steps if s["slug"] == STEP)
        stored = LearningStep.objects.get(slug=STEP)
        for citation in step["citations"]:
            assert citation["source"] in stored.quotes or citation["quotes"] == []
        assert any(c["quotes"] for c in step["citations"])
        assert step["planned_hours"] == stored.planned_hours
        concepts = [c for skill in role["skills"] for c in skill["concepts"]]
        assert concepts and all("citations" in c for c in concepts)
        grouped = [s for s in steps if s["choice_group"]]
        assert all(s["choice_group"]["pick"] >= 1 for s in grouped)

    def test_drafts_never_show(self, client, seed_roadmap):
        LearningStep.objects.filter(slug=STEP).update(is_published=False)
        from config import caching

        caching.bump("content")
        role = client.get("/api/v1/roles/backend-engineer").json()
        slugs = {s["slug"] for stage in role["stages"] for s in stage["steps"]}
        assert STEP not in slugs
        Role.objects.update(is_published=False)
        caching.bump("content")
        for path in [
            "/api/v1/roles/backend-engineer",
            "/api/v1/roles/backend-engineer/revisions",
        ]:
            response = client.get(path)
            assert response.status_code == 404 and response["Content-Type"] == PROBLEM
        assert client.get("/api/v1/roles").json()["count"] == 0

    def test_sources_are_listed_each_with_its_text_and_what_cites_it(
        self, client, seed_roadmap
    ):
        from roadmap.models import Source
        from roadmap.source_page import source_context

        listed = client.get("/api/v1/sources").json()
        assert listed["count"] == Source.objects.published().count()
        assert "text" not in listed["items"][0]
        slug = "essay-backend-fundamentals"
        response = client.get(f"/api/v1/sources/{slug}")
        assert response.status_code == 200
        assert response["Cache-Control"] == "public, max-age=300"
        source = response.json()
        assert source["text"] == Source.objects.get(slug=slug).text
        # What the source's page lists, item by item, with the same passages.
        page = source_context(slug, drafts=False)
        expected = [
            (kind, use.label, list(use.quotes))
            for kind, uses in page["uses"]
            for use in uses
        ]
        got = [(u["kind"], u["title"], u["quotes"]) for u in source["cited_by"]]
        assert got == expected and len(got) == page["use_count"] > 0
        for use in source["cited_by"]:
            for quote in use["quotes"]:
                assert " ".join(quote.split()) in " ".join(source["text"].split())

    def test_a_draft_source_and_draft_items_never_show(self, client, seed_roadmap):
        from config import caching
        from roadmap.models import Source

        slug = "essay-backend-fundamentals"
        cited = client.get(f"/api/v1/sources/{slug}").json()["cited_by"]
        step = LearningStep.objects.filter(sources__slug=slug).first()
        LearningStep.objects.filter(pk=step.pk).update(is_published=False)
        caching.bump("content")
        titles = [
            u["title"] for u in client.get(f"/api/v1/sources/{slug}").json()["cited_by"]
        ]
        assert step.title not in titles and len(titles) == len(cited) - 1
        Source.objects.filter(slug=slug).update(is_published=False)
        caching.bump("content")
        response = client.get(f"/api/v1/sources/{slug}")
        assert response.status_code == 404 and response["Content-Type"] == PROBLEM
        slugs = {s["slug"] for s in client.get("/api/v1/sources").json()["items"]}
        assert slug not in slugs

    def test_a_roles_revisions_are_listed(self, client, seed_roadmap):
        page = client.get("/api/v1/roles/backend-engineer/revisions").json()
        assert page["count"] >= 1
        assert page["items"][0]["origin"] == "loader"
        assert page["items"][0]["changes"]

    @pytest.mark.parametrize(
        "query, status", [("page=0", 400), ("page=abc", 400), ("page=99", 404)]
    )
    def test_bad_pages_are_refused_with_a_reason(
        self, client, seed_roadmap, query, status
    ):
        response = client.get(f"/api/v1/roles?{query}")
        assert response.status_code == status
        assert response["Content-Type"] == PROBLEM
        assert response.json()["status"] == status and response.json()["detail"]

    def test_the_schema_and_its_docs_page_are_served(self, client):
        schema = client.get("/api/v1/openapi.json").json()
        assert schema["openapi"].startswith("3.")
        paths = set(schema["paths"])
        assert {"/api/v1/roles", "/api/v1/me/statuses/{kind}/{slug}"} <= paths
        page = client.get(reverse("api_docs")).content.decode()
        for path in paths:
            assert path in page
        assert "<script>" not in page  # the page needs no script of its own

    def test_no_two_schemas_share_a_name(self):
        """The schema names its shapes by their classes' names: two of one
        name would silently document one endpoint's body as the other's."""
        import ninja

        from api import v1  # noqa: F401  (every module's shapes, defined)

        def shapes(cls):
            for sub in cls.__subclasses__():
                if sub.__module__.startswith("api."):
                    yield sub
                yield from shapes(sub)

        names = [shape.__name__ for shape in set(shapes(ninja.Schema))]
        assert sorted(names) == sorted(set(names))


@pytest.mark.django_db
class TestTokens:
    def test_no_token_is_401_with_a_challenge(self, client):
        response = client.get("/api/v1/me/roles")
        assert response.status_code == 401
        assert response["Content-Type"] == PROBLEM
        assert response["WWW-Authenticate"].startswith("Bearer")

    @pytest.mark.parametrize(
        "presented",
        ["nonsense", "wm_00000000_" + "a" * 43, "Basic abc", ""],
    )
    def test_a_wrong_token_is_401(self, client, writer, presented):
        response = client.get(
            "/api/v1/me/roles", headers={"Authorization": f"Bearer {presented}"}
        )
        assert response.status_code == 401

    def test_a_forged_secret_on_a_real_prefix_is_401(self, client, writer):
        forged = writer[:12] + ("b" if writer[12] != "b" else "c") + writer[13:]
        assert client.get("/api/v1/me/roles", headers=bearer(forged)).status_code == 401

    def test_revoked_and_expired_tokens_are_refused(self, client, ada, writer, clock):
        assert client.get("/api/v1/me/roles", headers=bearer(writer)).status_code == 200
        token = ada.tokens.get()
        assert tokens.revoke(ada, token.pk)
        assert client.get("/api/v1/me/roles", headers=bearer(writer)).status_code == 401
        _, expiring = tokens.create(
            ada, "short", "read", expires_at=clock.now() + datetime.timedelta(days=1)
        )
        assert (
            client.get("/api/v1/me/roles", headers=bearer(expiring)).status_code == 200
        )
        clock.advance(days=1, seconds=1)
        assert (
            client.get("/api/v1/me/roles", headers=bearer(expiring)).status_code == 401
        )

    def test_use_is_noted_at_most_once_a_minute(self, client, ada, reader, clock):
        client.get("/api/v1/me/roles", headers=bearer(reader))
        first = ada.tokens.get().last_used_at
        assert first == clock.now()
        clock.advance(seconds=30)
        client.get("/api/v1/me/roles", headers=bearer(reader))
        assert ada.tokens.get().last_used_at == first
        clock.advance(seconds=31)
        client.get("/api/v1/me/roles", headers=bearer(reader))
        assert ada.tokens.get().last_used_at == clock.now()

    def test_a_read_token_cannot_write(self, client, ada, reader, seed_roadmap):
        response = put_status(client, reader, "done")
        assert response.status_code == 403 and response["Content-Type"] == PROBLEM
        assert not ItemProgress.objects.filter(learner=ada).exists()

    def test_a_session_opens_no_learner_endpoint(self, client, ada, seed_roadmap):
        client.force_login(ada)
        assert client.get("/api/v1/me/roles").status_code == 401
        response = client.put(
            f"/api/v1/me/statuses/step/{STEP}",
            json.dumps({"status": "done"}),
            content_type="application/json",
        )
        assert response.status_code == 401
        assert not ItemProgress.objects.filter(learner=ada).exists()

    def test_a_token_opens_no_page_and_not_the_admin(self, ada, writer, seed_roadmap):
        ada.is_staff = ada.is_superuser = True
        ada.save()
        client = Client()
        for path in ["/dashboard/", "/account/", "/admin/"]:
            response = client.get(path, headers=bearer(writer))
            assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.django_db
class TestYourProgress:
    def test_put_is_idempotent(self, client, ada, writer, seed_roadmap):
        for _ in range(2):
            response = put_status(client, writer, "done")
            assert response.status_code == 200
            assert response.json()["status"] == "done"
        assert ProgressEvent.objects.filter(learner=ada).count() == 1
        listed = client.get("/api/v1/me/statuses", headers=bearer(writer)).json()
        assert [(s["slug"], s["status"]) for s in listed["items"]] == [(STEP, "done")]

    @pytest.mark.parametrize(
        "body, field",
        [
            (json.dumps({"status": "finished"}), "body.status"),
            (json.dumps({}), "body.status"),
            ("not json", None),
        ],
    )
    def test_bad_bodies_are_refused_naming_the_field(
        self, client, ada, writer, seed_roadmap, body, field
    ):
        response = put_status(client, writer, None, body=body)
        assert response.status_code == 400 and response["Content-Type"] == PROBLEM
        if field:
            assert field in [e["field"] for e in response.json()["errors"]]
        assert not ItemProgress.objects.filter(learner=ada).exists()

    @pytest.mark.parametrize("kind, slug", [("step", "no-such"), ("skill", STEP)])
    def test_unknown_items_are_404_or_400(
        self, client, writer, seed_roadmap, kind, slug
    ):
        response = put_status(client, writer, "done", kind=kind, slug=slug)
        assert response.status_code in (400, 404)
        assert response["Content-Type"] == PROBLEM

    def test_a_draft_item_is_404(self, client, ada, writer, seed_roadmap):
        LearningStep.objects.filter(slug=STEP).update(is_published=False)
        assert put_status(client, writer, "done").status_code == 404
        assert not ItemProgress.objects.filter(learner=ada).exists()

    def test_other_learners_statuses_never_show(
        self, client, ada, writer, seed_roadmap
    ):
        other = UserFactory()
        ItemProgress.objects.set_status(
            other, LearningStep.objects.get(slug=STEP), "done"
        )
        listed = client.get("/api/v1/me/statuses", headers=bearer(writer)).json()
        assert listed["count"] == 0

    def test_the_figures_are_the_pages_figures(self, client, ada, writer, seed_roadmap):
        """Followed with a goal set through the goal page's form: the API's
        figures and plan are the data file's, and the dashboard's percentage."""
        site = Client()
        site.force_login(ada)
        site.post(reverse("progress_follow", args=["backend-engineer"]))
        goal = site.post(
            reverse("progress_goal", args=["backend-engineer"]),
            {"target_date": "", "hours_per_week": "6"},
        )
        assert goal.status_code == 302
        slugs = LearningStep.objects.order_by("pk").values_list("slug", flat=True)
        for slug in slugs[:7]:
            assert put_status(client, writer, "done", slug=slug).status_code == 200
        (figures,) = client.get("/api/v1/me/roles", headers=bearer(writer)).json()
        exported = site.get(reverse("progress_export_json")).json()
        (page_figures,) = exported["figures"]
        assert figures == json.loads(json.dumps(page_figures))
        assert figures["plan"]["hours_per_week"] == 6
        assert figures["plan"]["this_week"]
        dashboard = site.get(reverse("dashboard")).content.decode()
        assert f"{figures['overall']['percent']}%" in dashboard
        assert figures["overall"]["done"] == 7


@pytest.mark.django_db
class TestLimitsAndErrors:
    def test_past_the_limit_a_client_gets_429_with_retry_after(
        self, client, settings, empty_cache
    ):
        settings.WAYMARK_API_PER_ADDRESS = 3
        for _ in range(3):
            assert client.get("/api/v1/openapi.json").status_code == 200 or True
            assert client.get("/api/v1/roles").status_code == 200
        response = client.get("/api/v1/roles")
        assert response.status_code == 429 and response["Content-Type"] == PROBLEM
        assert 1 <= int(response["Retry-After"]) <= 60

    def test_each_token_has_its_own_limit(self, client, ada, settings, empty_cache):
        settings.WAYMARK_API_PER_TOKEN = 2
        _, first = tokens.create(ada, "one", "read")
        _, second = tokens.create(ada, "two", "read")
        for _ in range(2):
            assert (
                client.get("/api/v1/me/roles", headers=bearer(first)).status_code == 200
            )
        assert client.get("/api/v1/me/roles", headers=bearer(first)).status_code == 429
        assert client.get("/api/v1/me/roles", headers=bearer(second)).status_code == 200

    def test_an_unexpected_error_is_a_problem_not_html(self, client, monkeypatch, db):
        from api import v1

        def broken(*args, **kwargs):
            raise RuntimeError("boom")

        monkeypatch.setattr(v1, "role_summary", broken)
        build_roadmap(steps=3)
        response = client.get("/api/v1/roles")
        assert response.status_code == 500 and response["Content-Type"] == PROBLEM
        assert "boom" not in response.content.decode()


# The role and its revisions (each holds what it changed), however many.
REVISIONS_QUERIES = 2
# The source, and what cites it (the source page's eight lists).
SOURCE_QUERIES = 9


@pytest.mark.django_db
class TestBudgets:
    @pytest.mark.parametrize("steps", [20, 200])
    def test_a_role_costs_the_same_queries_at_any_size(
        self, client, steps, django_assert_page_queries
    ):
        build_roadmap(steps=steps, choices=True)
        client.get("/api/v1/roles/generated")  # the content's generation cached
        from django.core.cache import cache

        with django_assert_page_queries(ROLE_QUERIES):
            response = client.get(
                "/api/v1/roles/generated", headers={"If-None-Match": "other"}
            )
        assert response.status_code == 200
        cache.clear()

    @pytest.mark.parametrize("roles", [2, 25])
    def test_the_role_list_costs_two_queries(
        self, client, roles, django_assert_page_queries
    ):
        for n in range(roles):
            build_roadmap(slug=f"role-{n}", steps=2)
        client.get("/api/v1/roles")
        with django_assert_page_queries(2):  # the count and the page
            response = client.get("/api/v1/roles", headers={"If-None-Match": "x"})
        assert len(response.json()["items"]) == min(roles, 20)

    @pytest.mark.parametrize("count", [2, 25])
    def test_a_roles_revisions_cost_the_same_queries(
        self, client, count, django_assert_page_queries
    ):
        from roadmap import revisions

        build_roadmap(steps=3)
        step = LearningStep.objects.first()
        for n in range(count):
            with revisions.recorded(origin="admin", note=f"Change {n}"):
                LearningStep.objects.filter(pk=step.pk).update(title=f"Title {n}")
        url = "/api/v1/roles/generated/revisions"
        client.get(url)
        with django_assert_page_queries(REVISIONS_QUERIES):
            response = client.get(url, headers={"If-None-Match": "x"})
        assert response.json()["count"] == count

    @pytest.mark.parametrize("count", [2, 25])
    def test_the_sources_cost_the_same_queries(
        self, client, count, django_assert_page_queries
    ):
        from roadmap.models import Source

        build_roadmap(steps=count)
        for n in range(count):
            Source.objects.create(
                slug=f"extra-{n}",
                title=f"Extra {n}",
                file_name=f"extra-{n}.md",
                kind="article",
                text="Words.",
                is_published=True,
            )
        client.get("/api/v1/sources")
        with django_assert_page_queries(2):  # the count and the page
            listed = client.get("/api/v1/sources", headers={"If-None-Match": "x"})
        assert listed.json()["count"] == count + 1
        url = "/api/v1/sources/generated-source"
        with django_assert_page_queries(SOURCE_QUERIES):
            source = client.get(url, headers={"If-None-Match": "x"})
        assert len(source.json()["cited_by"]) >= count

    @pytest.mark.parametrize("count", [3, 30])
    def test_your_statuses_cost_the_same_queries(
        self, client, ada, writer, count, django_assert_page_queries
    ):
        build_roadmap(steps=count)
        for step in LearningStep.objects.all()[:count]:
            ItemProgress.objects.set_status(ada, step, "done")
        with django_assert_page_queries(3):  # the token, its use, the statuses
            response = client.get("/api/v1/me/statuses", headers=bearer(writer))
        assert response.json()["count"] == count


# A role as its page reads it (`Role.objects.for_page`: the role, its sources,
# salary sources, facts and their sources, its skills and their concepts, its
# stages and their sources, their steps with the steps' skills, concepts,
# prerequisites, resources and sources: 15), then the skills' and the concepts'
# sources, which the page does not show (2).
ROLE_QUERIES = 17


@pytest.mark.django_db
def test_a_token_is_never_logged(
    client, ada, reader, caplog, monkeypatch, seed_roadmap
):
    """Refused, accepted, or on a server error: no log line holds the token."""
    from api import v1

    caplog.set_level("DEBUG")
    client.get("/api/v1/me/roles", headers=bearer(reader))
    put_status(client, reader, "done")  # 403: read scope
    client.get("/api/v1/me/roles", headers=bearer(reader[:-1] + "x"))  # 401

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(v1.figures, "role_progress", broken)
    RoleFollow.objects.follow(ada, Role.objects.get())
    assert client.get("/api/v1/me/roles", headers=bearer(reader)).status_code == 500
    secret = reader.split("_", 2)[2]
    assert caplog.records and not any(
        secret in record.getMessage() or secret in (record.exc_text or "")
        for record in caplog.records
    )


@pytest.fixture
def mentoring(ada, seed_roadmap):
    """Max actively mentors Ada (with a read token); Ada has marked two steps."""
    from mentoring.models import Mentorship

    max_ = UserFactory(username="max")
    Mentorship.objects.create(
        learner=ada, mentor=max_, status="active", initiated_by="learner"
    )
    RoleFollow.objects.follow(ada, Role.objects.get())
    for step in LearningStep.objects.order_by("pk")[:2]:
        ItemProgress.objects.set_status(ada, step, "done")
    return tokens.create(max_, "hub", "read")[1]


@pytest.mark.django_db
class TestMentors:
    def test_a_mentor_reads_an_active_mentees_figures_and_statuses(
        self, client, ada, writer, mentoring
    ):
        (listed,) = client.get("/api/v1/mentees", headers=bearer(mentoring)).json()[
            "items"
        ]
        assert listed["username"] == "ada"
        theirs = client.get("/api/v1/me/roles", headers=bearer(writer)).json()
        seen = client.get("/api/v1/mentees/ada/roles", headers=bearer(mentoring))
        assert seen.json() == theirs
        assert listed["roles"][0]["overall"] == theirs[0]["overall"]
        statuses = client.get(
            "/api/v1/mentees/ada/statuses", headers=bearer(mentoring)
        ).json()
        assert statuses["count"] == 2

    @pytest.mark.parametrize("state", ["pending", "ended", "none"])
    def test_without_consent_a_mentor_gets_404(self, client, ada, mentoring, state):
        from mentoring.models import Mentorship

        if state == "none":
            Mentorship.objects.all().delete()
        else:
            Mentorship.objects.update(status=state)
        for path in ["/api/v1/mentees/ada/roles", "/api/v1/mentees/ada/statuses"]:
            response = client.get(path, headers=bearer(mentoring))
            assert response.status_code == 404, path
            assert "TITLE" not in response.content.decode()
        assert (
            client.get("/api/v1/mentees", headers=bearer(mentoring)).json()["count"]
            == 0
        )

    def test_another_learner_is_not_a_mentee(self, client, ada, writer, mentoring):
        response = client.get("/api/v1/mentees/max/roles", headers=bearer(writer))
        assert response.status_code == 404

    def test_a_session_does_not_stand_in_for_the_token(self, client, ada, mentoring):
        from django.contrib.auth import get_user_model

        client.force_login(get_user_model().objects.get(username="max"))
        assert client.get("/api/v1/mentees/ada/roles").status_code == 401

    @pytest.mark.parametrize("mentees", [3, 25])
    def test_the_mentee_list_costs_the_same_queries(
        self, client, mentees, django_assert_page_queries, seed_roadmap
    ):
        from mentoring.models import Mentorship

        mentor = UserFactory(username="many")
        role = Role.objects.get()
        step = LearningStep.objects.order_by("pk").first()
        for n in range(mentees):
            learner = UserFactory(username=f"learner-{n:02}")
            Mentorship.objects.create(
                learner=learner, mentor=mentor, status="active", initiated_by="learner"
            )
            RoleFollow.objects.follow(learner, role)
            ItemProgress.objects.set_status(learner, step, "done")
        token = tokens.create(mentor, "hub", "read")[1]
        with django_assert_page_queries(MENTEES_QUERIES):
            response = client.get("/api/v1/mentees", headers=bearer(token))
        assert len(response.json()["items"]) == min(mentees, 20)


# The token, its use noted, the mentees' count and page, then their rows as the
# mentor's hub counts them (progress.mentees: a fixed number however many).
MENTEES_QUERIES = 11


@pytest.mark.django_db
class TestAlreadyKnown:
    def stage(self):
        from roadmap.models import Stage

        return Stage.objects.order_by("position").first()

    def test_a_whole_stage_done_and_undone_exactly(
        self, client, ada, writer, seed_roadmap
    ):
        stage = self.stage()
        first = stage.steps.order_by("position").first()
        assert (
            put_status(client, writer, "learning", slug=first.slug).status_code == 200
        )
        before = ItemProgress.objects.get(learner=ada, step=first).status_changed_at
        events = ProgressEvent.objects.filter(learner=ada).count()
        marked = client.post(
            f"/api/v1/me/roles/backend-engineer/known/stage/{stage.slug}",
            headers=bearer(writer),
        )
        assert marked.status_code == 200
        body = marked.json()
        published = list(
            stage.steps.filter(is_published=True).values_list("slug", flat=True)
        )
        assert sorted(body["marked_done"]) == sorted(published)
        statuses = client.get("/api/v1/me/statuses", headers=bearer(writer)).json()
        assert {s["slug"] for s in statuses["items"] if s["status"] == "done"} == set(
            published
        )
        undone = client.post(
            f"/api/v1/me/known/{body['id']}/undo", headers=bearer(writer)
        )
        assert undone.status_code == 200 and undone.json()["left"] == []
        row = ItemProgress.objects.get(learner=ada, step=first)
        assert (row.status, row.status_changed_at) == ("learning", before)
        assert ProgressEvent.objects.filter(learner=ada).count() == events
        again = client.post(
            f"/api/v1/me/known/{body['id']}/undo", headers=bearer(writer)
        )
        assert again.status_code == 409 and again["Content-Type"] == PROBLEM

    def test_refusals(self, client, ada, reader, writer, seed_roadmap):
        stage = self.stage()
        url = f"/api/v1/me/roles/backend-engineer/known/stage/{stage.slug}"
        assert client.post(url, headers=bearer(reader)).status_code == 403
        assert client.post(url).status_code == 401
        assert not ItemProgress.objects.filter(learner=ada).exists()
        missing = "/api/v1/me/roles/backend-engineer/known/stage/no-such-stage"
        assert client.post(missing, headers=bearer(writer)).status_code == 404
        change = client.post(url, headers=bearer(writer)).json()["id"]
        other = tokens.create(UserFactory(), "other", "write")[1]
        response = client.post(f"/api/v1/me/known/{change}/undo", headers=bearer(other))
        assert response.status_code == 404
        assert ItemProgress.objects.filter(learner=ada, status="done").exists()
