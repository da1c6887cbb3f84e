"""A learner's goal for a followed role, through the form the goal page renders,
and the plan the dashboard shows from it."""

import datetime

import pytest
from django.urls import reverse

from progress.models import ItemProgress, RoleFollow
from tests.factories import UserFactory

TODAY = datetime.date(2026, 12, 2)  # a Wednesday


@pytest.fixture
def follow(learner, small_role, clock):
    clock.current = datetime.datetime(2026, 12, 2, 10, tzinfo=datetime.UTC)
    return RoleFollow.objects.create(learner=learner, role=small_role)


def goal_url(slug="small"):
    return reverse("progress_goal", args=[slug])


@pytest.mark.django_db
class TestTheGoalForm:
    def test_the_page_renders_the_fields_it_reads(self, client, learner, follow):
        client.force_login(learner)
        body = client.get(goal_url()).content.decode()
        assert 'name="target_date"' in body and 'type="date"' in body
        assert f'min="{TODAY.isoformat()}"' in body
        assert 'name="hours_per_week"' in body
        assert 'name="reviews"' in body and 'id="goal_reviews" checked' in body

    @pytest.mark.parametrize("htmx", [False, True])
    def test_a_goal_is_saved_and_the_dashboard_plans_from_it(
        self, client, learner, follow, htmx
    ):
        client.force_login(learner)
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        response = client.post(
            goal_url(),
            {"target_date": "2026-12-22", "hours_per_week": "7", "reviews": "on"},
            **headers,
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("dashboard")
        follow.refresh_from_db()
        assert (follow.target_date, follow.hours_per_week) == (
            datetime.date(2026, 12, 22),
            7,
        )
        body = client.get(reverse("dashboard")).content.decode()
        plan = body[body.index('class="plan"') :]
        plan = plan[: plan.index("</section>")]
        assert "finish by" in plan and "7 h a week" in plan
        # 18 hours (four steps, two concepts) at 1 h a day: done on 19 December.
        assert "On track:" in plan and "19 December 2026" in plan
        assert "This week" in plan
        assert reverse("progress_item", args=["step", "s1"]) in plan

    @pytest.mark.parametrize(
        ("data", "field", "says"),
        [
            ({"target_date": "2026-12-01"}, "target_date", "That day has passed"),
            ({"hours_per_week": "0"}, "hours_per_week", "at least 1 hour a week"),
            ({"hours_per_week": "81"}, "hours_per_week", "At most 80 hours a week"),
            ({"hours_per_week": "lots"}, "hours_per_week", "Enter a number of hours"),
            ({"target_date": "31/12/2026"}, "target_date", "Enter a valid date"),
        ],
    )
    @pytest.mark.parametrize("htmx", [False, True])
    def test_bad_input_is_refused_with_the_fields_error(
        self, client, learner, follow, data, field, says, htmx
    ):
        client.force_login(learner)
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        response = client.post(goal_url(), data, **headers)
        assert response.status_code == 400
        body = response.content.decode()
        error = body[body.index(f'id="goal_{field}_error"') :]
        assert says in error[: error.index("</ul>")]
        follow.refresh_from_db()
        assert (follow.target_date, follow.hours_per_week) == (None, None)

    def test_both_empty_clears_the_goal(self, client, learner, follow):
        RoleFollow.objects.set_goal(follow, datetime.date(2027, 1, 1), 5)
        client.force_login(learner)
        response = client.post(goal_url(), {"target_date": "", "hours_per_week": ""})
        assert response.status_code == 302
        follow.refresh_from_db()
        assert (follow.target_date, follow.hours_per_week) == (None, None)
        body = client.get(reverse("dashboard")).content.decode()
        assert "Set a goal" in body and 'class="plan"' not in body

    def test_a_behind_plan_says_what_would_meet_the_target(
        self, client, learner, follow, steps
    ):
        RoleFollow.objects.set_goal(follow, TODAY + datetime.timedelta(days=1), 1)
        client.force_login(learner)
        body = client.get(reverse("dashboard")).content.decode()
        assert "Behind:" in body
        # 18 h left in two days: 63 h a week.
        assert "To finish by 3 December 2026, give about 63 h a week" in body
        assert "or move your target to" in body

    def test_a_done_item_leaves_the_plan(self, client, learner, follow, steps):
        RoleFollow.objects.set_goal(follow, None, 40)
        ItemProgress.objects.set_status(learner, steps[0], "done")
        client.force_login(learner)
        body = client.get(reverse("dashboard")).content.decode()
        plan = body[body.index('class="plan"') :]
        plan = plan[: plan.index("</section>")]
        assert reverse("progress_item", args=["step", "s1"]) not in plan
        assert reverse("progress_item", args=["step", "s2"]) in plan


@pytest.mark.django_db
class TestWhoMaySetAGoal:
    def test_only_the_learner_who_follows_the_role(
        self, client, learner, follow, small_role
    ):
        assert client.get(goal_url()).status_code == 302  # to sign in
        other = UserFactory(username="other")
        client.force_login(other)  # follows nothing
        assert client.get(goal_url()).status_code == 404
        response = client.post(goal_url(), {"hours_per_week": "3"})
        assert response.status_code == 404
        follow.refresh_from_db()
        assert follow.hours_per_week is None
        client.force_login(learner)
        assert client.get(goal_url("no-such-role")).status_code == 404

    def test_a_draft_role_is_not_found(self, client, learner, follow, small_role):
        small_role.is_published = False
        small_role.save()
        client.force_login(learner)
        assert client.get(goal_url()).status_code == 404
