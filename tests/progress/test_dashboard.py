"""The dashboard, the undo button, and their query budget."""

import pytest
from django.urls import reverse

from progress.models import ItemProgress, ProgressEvent, RoleFollow
from tests.roadmap.builders import build_roadmap


@pytest.mark.django_db
class TestDashboard:
    def test_anonymous_visitors_are_sent_to_sign_in(self, client):
        response = client.get(reverse("dashboard"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))

    def test_it_invites_a_new_learner_to_follow_a_role(
        self, client, learner, small_role
    ):
        client.force_login(learner)
        body = client.get(reverse("dashboard")).content.decode()
        assert "You do not follow any role yet" in body
        assert reverse("progress_follow", args=["small"]) in body

    def test_it_shows_figures_continue_with_projection_streak_and_heatmap(
        self, client, learner, small_role, steps
    ):
        RoleFollow.objects.create(learner=learner, role=small_role)
        ItemProgress.objects.set_status(learner, steps[0], "done")
        client.force_login(learner)
        response = client.get(reverse("dashboard"))
        body = response.content.decode()
        assert "Small role" in body
        assert "22%"  # one 4 h step done of 18 h (4 steps, 2 concepts of 1 h) in body
        assert "Steps: 1 of 4 done" in body
        assert "Continue with" in body and "Step two" in body
        assert "Not enough history yet" in body
        assert "1</span> day current streak" in body
        assert '<svg viewBox="0 0' in body and 'role="img"' in body
        assert "Activity by month, as text" in body
        assert "Step one" in body  # recent activity
        assert response.headers["Cache-Control"].startswith("max-age=0")

    def test_it_links_to_the_exports(self, client, learner):
        client.force_login(learner)
        body = client.get(reverse("dashboard")).content.decode()
        assert reverse("progress_export_json") in body
        assert reverse("progress_export_csv") in body

    def test_undo_reverts_the_latest_change(self, client, learner, steps):
        client.force_login(learner)
        client.post(
            reverse("progress_set_status", args=["step", "s1"]), {"status": "learning"}
        )
        client.post(
            reverse("progress_set_status", args=["step", "s1"]), {"status": "done"}
        )
        client.post(reverse("progress_undo"))
        assert ItemProgress.objects.get().status == "learning"
        assert ProgressEvent.objects.count() == 3

    def test_undo_with_no_history_says_so(self, client, learner):
        client.force_login(learner)
        response = client.post(reverse("progress_undo"), follow=True)
        assert "There is nothing to undo." in response.content.decode()


# Session, user, follows, statuses, one for the pace, activity, recent changes,
# the "I already know this" marks among them, feedback, unread feedback, other
# roles, three for the reviews due (the learner's review pacing, their
# schedules, the done items) and one for the items changed since the learner
# marked them (the roles' structure is cached).
DASHBOARD_QUERIES = 15
# With goals, the plans count the time of each role's reviews of the week
# (`reviews.week_load`): the roles followed, the pacing, the schedules, the
# done items, and the learner's last ratings for the minutes a review takes.
DASHBOARD_QUERIES_WITH_PLANS = DASHBOARD_QUERIES + 5
# With the learner's figures and rendered parts cached: the session and the user.
DASHBOARD_QUERIES_CACHED = 2


@pytest.mark.django_db
class TestDashboardQueryBudget:
    @pytest.mark.parametrize(("roles", "steps"), [(1, 20), (4, 300)])
    def test_the_budget_does_not_grow(
        self, client, learner, roles, steps, django_assert_page_queries
    ):
        for index in range(roles):
            role = build_roadmap(f"gen{index}", steps=steps)
            RoleFollow.objects.create(learner=learner, role=role)
            for step in role.stages.first().steps.all()[:5]:
                ItemProgress.objects.set_status(learner, step, "done")
        client.force_login(learner)
        client.get(reverse("dashboard"))  # caches the roles' structure
        # The learner's own change: their figures are counted again...
        ItemProgress.objects.set_status(learner, step, "learning")
        with django_assert_page_queries(DASHBOARD_QUERIES):
            response = client.get(reverse("dashboard"))
        # ...then read from the cache while nothing changes.
        with django_assert_page_queries(DASHBOARD_QUERIES_CACHED):
            assert client.get(reverse("dashboard")).status_code == 200
        assert response.status_code == 200

    @pytest.mark.parametrize(("roles", "steps"), [(1, 20), (4, 300)])
    def test_goals_and_reviews_keep_the_budget(
        self, client, learner, roles, steps, django_assert_page_queries
    ):
        import datetime

        from django.utils import timezone

        from progress import reviews

        past = timezone.now() - datetime.timedelta(days=3)

        for index in range(roles):
            role = build_roadmap(f"gen{index}", steps=steps)
            follow = RoleFollow.objects.create(learner=learner, role=role)
            RoleFollow.objects.set_goal(
                follow, timezone.localdate() + datetime.timedelta(days=90), 6
            )
            done = list(role.stages.first().steps.all()[:8])
            for step in done:
                ItemProgress.objects.set_status(learner, step, "done")
            reviews.rate(learner, done[0], "step", "hard", past)
        # Marked done three days ago: their reviews are due.
        ItemProgress.objects.filter(learner=learner).update(status_changed_at=past)
        client.force_login(learner)
        client.get(reverse("dashboard"))  # caches the roles' structure
        ItemProgress.objects.set_status(learner, done[1], "learning")
        with django_assert_page_queries(DASHBOARD_QUERIES_WITH_PLANS):
            response = client.get(reverse("dashboard"))
        body = response.content.decode()
        assert 'id="reviews-title"' in body
        assert body.count('class="plan"') == roles
        with django_assert_page_queries(DASHBOARD_QUERIES_CACHED):
            assert client.get(reverse("dashboard")).status_code == 200


@pytest.mark.django_db
def test_the_cached_dashboard_equals_the_directly_rendered_one(
    client, learner, small_role, steps
):
    import re

    from django.shortcuts import render
    from django.test import RequestFactory

    from progress.pages import dashboard_context

    RoleFollow.objects.create(learner=learner, role=small_role)
    ItemProgress.objects.set_status(learner, steps[0], "done")
    ItemProgress.objects.set_status(learner, steps[2], "learning")
    client.force_login(learner)
    client.get(reverse("dashboard"))
    cached = client.get(reverse("dashboard")).content.decode()
    request = RequestFactory().get(reverse("dashboard"))
    request.user = learner
    request.session = client.session
    request.csp_nonce = "n"
    request.htmx = False
    direct = render(
        request, "progress/dashboard.html", dashboard_context(learner)
    ).content.decode()

    def normalise(html):
        html = re.sub(r'csrfmiddlewaretoken" value="[^"]+"', "", html)
        html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
        html = re.sub(r'nonce="[^"]+"', "", html)
        return html[html.index("<main") :]

    assert normalise(cached) == normalise(direct)
    assert "Small role" in cached and "status-control--not_started" in cached


@pytest.mark.django_db
def test_a_mentors_comment_and_its_reading_show_at_once(
    client, learner, small_role, steps
):
    from mentoring.models import Comment
    from tests.factories import UserFactory

    mentor = UserFactory(username="mentor", display_name="Maya Mentor")
    client.force_login(learner)
    assert (
        "Feedback from mentors" not in client.get(reverse("dashboard")).content.decode()
    )
    Comment.objects.create(
        learner=learner, author=mentor, step=steps[0], body="Try the exercises"
    )
    page = client.get(reverse("dashboard")).content.decode()
    assert "Try the exercises" in page and "1 unread" in page
    client.post(reverse("feedback_mark_read", args=["step", steps[0].slug]))
    page = client.get(reverse("dashboard")).content.decode()
    assert "Try the exercises" in page and "unread" not in page
