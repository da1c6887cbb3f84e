"""A learner's goal through the API: what the goal page's form would save,
checked by the same form (against the learner's own today), with the plan the
dashboard shows; only for a role they follow."""

import datetime
import json

import pytest
from django.urls import reverse

from api import tokens
from progress.models import RoleFollow
from roadmap.models import Role
from tests.api.helpers import bearer
from tests.factories import UserFactory

GOAL = "/api/v1/me/roles/small/goal"


@pytest.fixture
def ada(db):
    return UserFactory(username="ada", timezone="Pacific/Auckland")


@pytest.fixture
def writer(ada):
    return tokens.create(ada, "planner", "write")[1]


@pytest.fixture
def follow(ada, small_role):
    return RoleFollow.objects.create(learner=ada, role=small_role)


def put(client, body, token, url=GOAL):
    return client.put(
        url, json.dumps(body), content_type="application/json", headers=bearer(token)
    )


@pytest.mark.django_db
class TestGoals:
    def test_a_goal_set_through_the_api_is_the_dashboards_plan(
        self, client, ada, writer, follow, clock
    ):
        clock.current = datetime.datetime(2026, 12, 7, 12, tzinfo=datetime.UTC)
        body = {"target_date": "2027-03-01", "hours_per_week": 2.5, "reviews": True}
        response = put(client, body, writer)
        assert response.status_code == 200
        goal = response.json()
        assert (goal["target_date"], goal["hours_per_week"], goal["reviews"]) == (
            "2027-03-01",
            2.5,
            True,
        )
        assert goal["plan"]["hours_per_week"] == 2.5
        follow.refresh_from_db()
        assert (str(follow.target_date), float(follow.hours_per_week)) == (
            "2027-03-01",
            2.5,
        )
        # The same plan as /me/roles (the data file's) and the goal page's form.
        (role,) = client.get("/api/v1/me/roles", headers=bearer(writer)).json()
        assert role["plan"] == goal["plan"]
        assert client.get(GOAL, headers=bearer(writer)).json() == goal
        client.force_login(ada)
        page = client.get(reverse("progress_goal", args=["small"]))
        assert page.context["form"].initial["hours_per_week"] == 2.5

    def test_the_same_put_twice_changes_nothing_and_nulls_clear_it(
        self, client, writer, follow
    ):
        body = {"hours_per_week": 4, "reviews": False}
        first = put(client, body, writer).json()
        assert put(client, body, writer).json() == first
        cleared = put(client, {"reviews": False}, writer).json()
        assert (cleared["target_date"], cleared["hours_per_week"]) == (None, None)
        assert cleared["plan"] is None

    def test_a_day_past_in_the_learners_own_time_zone_is_refused(
        self, client, writer, follow, clock
    ):
        # 11:00 UTC on 7 December is already 8 December in Auckland.
        clock.current = datetime.datetime(2026, 12, 7, 11, tzinfo=datetime.UTC)
        response = put(client, {"target_date": "2026-12-07", "reviews": True}, writer)
        assert response.status_code == 400
        (error,) = response.json()["errors"]
        assert error["field"] == "body.target_date"
        assert "8 December 2026" in error["message"]
        follow.refresh_from_db()
        assert follow.target_date is None

    @pytest.mark.parametrize(
        "body, field",
        [
            ({"hours_per_week": 0.5, "reviews": True}, "body.hours_per_week"),
            ({"hours_per_week": 2.55, "reviews": True}, "body.hours_per_week"),
            ({"hours_per_week": 500, "reviews": True}, "body.hours_per_week"),
            ({"target_date": "2199-01-01", "reviews": True}, "body.target_date"),
            ({"target_date": "soon", "reviews": True}, "body.target_date"),
            ({"hours_per_week": 3}, "body.reviews"),
        ],
    )
    def test_bad_goals_are_refused_naming_the_field(
        self, client, writer, follow, body, field
    ):
        response = put(client, body, writer)
        assert response.status_code == 400
        assert response["Content-Type"] == "application/problem+json"
        assert {e["field"] for e in response.json()["errors"]} == {field}
        follow.refresh_from_db()
        assert (follow.target_date, follow.hours_per_week) == (None, None)

    def test_a_role_not_followed_or_a_draft_is_404(
        self, client, ada, writer, follow, small_role
    ):
        other = Role.objects.create(slug="other", title="Other", is_published=True)
        body = {"hours_per_week": 3, "reviews": True}
        url = "/api/v1/me/roles/other/goal"
        assert put(client, body, writer, url).status_code == 404
        assert client.get(url, headers=bearer(writer)).status_code == 404
        RoleFollow.objects.create(learner=ada, role=other)
        other.is_published = False
        other.save()
        assert put(client, body, writer, url).status_code == 404
        assert client.get(url, headers=bearer(writer)).status_code == 404

    def test_read_tokens_sessions_and_other_learners(
        self, client, ada, follow, small_role
    ):
        reader = tokens.create(ada, "r", "read")[1]
        body = {"hours_per_week": 3, "reviews": True}
        assert put(client, body, reader).status_code == 403
        assert client.get(GOAL, headers=bearer(reader)).status_code == 200
        stranger = UserFactory()
        theirs = tokens.create(stranger, "s", "write")[1]
        assert put(client, body, theirs).status_code == 404
        client.force_login(ada)
        session = client.put(GOAL, json.dumps(body), content_type="application/json")
        assert session.status_code == 401
        follow.refresh_from_db()
        assert follow.hours_per_week is None
