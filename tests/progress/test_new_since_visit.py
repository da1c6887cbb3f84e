"""New since your last visit: the role page's progress panel names the steps
and concepts added to a role the learner follows since their visit before this
one. A visit is a run of views of the role's page without a break of an hour
(`content_changes.record_visit`); the note stays through the whole visit."""

import pytest
from django.test import Client
from django.urls import reverse

from progress.models import RoleFollow
from roadmap.models import LearningStep
from tests.factories import UserFactory
from tests.progress.test_reviewable import mark
from tests.roadmap import test_admin
from tests.roadmap.test_admin import admin_url

NEW = "New since your last visit"
ROLE_URL = reverse("role_detail", args=["small"])


def panel(client, htmx_figures=False) -> str:
    """The progress panel of the role page as the learner sees it, or as the
    page's figures answer a status change (`htmx_figures`)."""
    if htmx_figures:
        response = client.get(
            reverse("progress_role_figures", args=["small"]),
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 200
        page = response.content.decode()
    else:
        page = client.get(ROLE_URL).content.decode()
    start = page.index('id="role-progress"')
    return page[start : page.index("</section>", start)]


def add_step(curator, step, slug: str, title: str) -> None:
    """A curator adds a published step to the role through the admin's form."""
    form = test_admin.TestPrerequisiteCycles().step_form(step, [])
    form.update({"slug": slug, "title": title, "position": "9"})
    response = curator.post(admin_url(LearningStep, "add"), form)
    assert response.status_code == 302, response.content.decode()[-2000:]


@pytest.fixture
def curator(group_curator):
    client = Client()
    client.force_login(group_curator)
    return client


def follower(user) -> Client:
    client = Client()
    client.force_login(user)
    response = client.post(reverse("progress_follow", args=["small"]))
    assert response.status_code == 302
    return client


@pytest.mark.django_db
class TestNewSinceTheLastVisit:
    def test_an_added_step_is_new_for_the_whole_visit_and_gone_on_the_next(
        self, learner, curator, steps, clock
    ):
        learner_client = follower(learner)
        assert NEW not in panel(learner_client)  # first visit: nothing added yet
        clock.advance(minutes=5)
        add_step(curator, steps[0], "s-new", "A brand new step")
        shown = panel(learner_client)
        assert NEW in shown and "A brand new step</a>" in shown
        assert "1 item, which your percentage now counts" in shown
        # Through the visit: reloads, a status change and its figures.
        clock.advance(minutes=20)
        mark(learner_client, "step", "s1", htmx=True)
        assert "A brand new step</a>" in panel(learner_client, htmx_figures=True)
        clock.advance(minutes=30)
        assert "A brand new step</a>" in panel(learner_client)
        # After a break of an hour, a new visit: it was seen on the last one.
        clock.advance(hours=2)
        assert NEW not in panel(learner_client)

    def test_a_step_added_between_visits_is_new_on_the_next(
        self, learner, curator, steps, clock
    ):
        learner_client = follower(learner)
        panel(learner_client)
        clock.advance(hours=3)
        add_step(curator, steps[0], "s-away", "Added while away")
        clock.advance(days=2)
        shown = panel(learner_client)
        assert NEW in shown and "Added while away</a>" in shown

    def test_it_is_per_learner(self, learner, curator, steps, clock):
        first = follower(learner)
        second = follower(UserFactory())
        panel(first)
        panel(second)
        clock.advance(hours=2)
        add_step(curator, steps[0], "s-new", "A brand new step")
        clock.advance(hours=2)
        assert "A brand new step</a>" in panel(first)  # first's new visit
        clock.advance(hours=2)
        assert NEW not in panel(first)  # first saw it on their last visit
        assert "A brand new step</a>" in panel(second)  # second has not yet

    def test_a_draft_step_is_never_named(self, learner, curator, steps, clock):
        learner_client = follower(learner)
        panel(learner_client)
        form = test_admin.TestPrerequisiteCycles().step_form(steps[0], [])
        form.update({"slug": "s-draft", "title": "Still a draft", "position": "9"})
        form.pop("is_published", None)
        response = curator.post(admin_url(LearningStep, "add"), form)
        assert response.status_code == 302, response.content.decode()[-2000:]
        assert not LearningStep.objects.get(slug="s-draft").is_published
        clock.advance(hours=2)
        assert "Still a draft" not in panel(learner_client)


@pytest.mark.django_db
class TestWhatAVisitWrites:
    def test_a_view_within_ten_minutes_writes_nothing(
        self, learner, small_role, clock, django_assert_page_queries
    ):
        learner_client = follower(learner)
        learner_client.get(ROLE_URL)
        follow = RoleFollow.objects.get(learner=learner)
        first_seen = follow.seen_at
        assert first_seen == clock.now() and follow.new_since == follow.started_at
        clock.advance(minutes=9)
        with django_assert_page_queries(2) as captured:  # the cached page
            learner_client.get(ROLE_URL)
        assert not any("UPDATE" in q["sql"] for q in captured.captured_queries)
        assert RoleFollow.objects.get(learner=learner).seen_at == first_seen

    def test_noting_the_visit_costs_a_write_and_a_fresh_read_of_the_data(
        self, learner, small_role, clock, django_assert_page_queries
    ):
        from tests.progress.test_admin_and_budgets import (
            LEARNER_ROLE_PAGE_QUERIES_NEW_VISIT,
        )

        learner_client = follower(learner)
        learner_client.get(ROLE_URL)
        clock.advance(minutes=10)
        with django_assert_page_queries(LEARNER_ROLE_PAGE_QUERIES_NEW_VISIT) as done:
            learner_client.get(ROLE_URL)
        writes = [
            q["sql"] for q in done.captured_queries if q["sql"].startswith("UPDATE")
        ]
        assert sum("progress_rolefollow" in sql for sql in writes) == 1

    def test_the_visit_goes_on_until_a_break_of_an_hour(
        self, learner, small_role, clock
    ):
        learner_client = follower(learner)
        learner_client.get(ROLE_URL)
        started = RoleFollow.objects.get(learner=learner).new_since
        for _ in range(5):  # fifty minutes of reading, never an hour's break
            clock.advance(minutes=50)
            learner_client.get(ROLE_URL)
        follow = RoleFollow.objects.get(learner=learner)
        assert follow.new_since == started and follow.seen_at == clock.now()
        last_seen = follow.seen_at
        clock.advance(minutes=61)
        learner_client.get(ROLE_URL)
        follow = RoleFollow.objects.get(learner=learner)
        assert follow.new_since == last_seen and follow.seen_at == clock.now()

    def test_a_learner_who_does_not_follow_leaves_no_visit(self, learner, small_role):
        client = Client()
        client.force_login(learner)
        assert client.get(ROLE_URL).status_code == 200
        assert not RoleFollow.objects.exists()

    def test_staff_who_follow_have_visits_too(self, curator, group_curator, steps):
        curator.post(reverse("progress_follow", args=["small"]))
        curator.get(ROLE_URL)
        assert RoleFollow.objects.get(learner=group_curator).seen_at is not None

    def test_anonymous_visitors_write_nothing(self, client, small_role):
        assert client.get(ROLE_URL).status_code == 200
        assert not RoleFollow.objects.exists()


@pytest.mark.django_db
def test_the_panel_names_five_and_counts_the_rest(learner, curator, steps, clock):
    """A content import can add or change a hundred items at once: the panel
    names five of each and counts the rest, which the role's "what changed"
    page and the dashboard list."""
    from tests.progress.test_changed_since import edit_step

    learner_client = follower(learner)
    panel(learner_client)
    clock.advance(hours=2)
    for number in range(7):
        add_step(curator, steps[0], f"s-new-{number}", f"New step {number}")
    clock.advance(hours=2)
    shown = panel(learner_client)
    assert "7 items, which your percentage now counts" in shown
    assert shown.count('<li><a href="/items/step/s-new-') == 5
    assert "And 2 more." in shown
    assert reverse("role_changes", args=["small"]) in shown

    marked = list(LearningStep.objects.filter(stage__role__slug="small")[:6])
    for step in marked:
        mark(learner_client, "step", step.slug, htmx=True)
    clock.advance(minutes=5)
    for step in marked:
        edit_step(curator, step, title=f"{step.title}, reworded")
    shown = panel(learner_client)
    assert shown.count("#changed-since") == 5
    assert "And 1 more, all listed on" in shown
    dashboard = learner_client.get(reverse("dashboard")).content.decode()
    assert dashboard.count("#changed-since") == 6
