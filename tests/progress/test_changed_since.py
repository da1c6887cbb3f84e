"""Changed since you marked it: an item whose meaning changes (a curator's save
or a content load) after a learner set its status is flagged for that learner,
with what changed, on the item page and the dashboard, until they mark it
reviewed; their status never changes."""

import pytest
from django.test import Client
from django.urls import reverse

from progress.models import ItemProgress
from roadmap.models import LearningStep
from tests.factories import UserFactory
from tests.progress.test_reviewable import mark
from tests.roadmap import test_admin
from tests.roadmap.test_admin import admin_url

FLAG = "Changed since you marked it"


def edit_step(client, step, **changes):
    """A curator's save of the step's admin form, with `changes`."""
    form = {**test_admin.TestPrerequisiteCycles().step_form(step, []), **changes}
    response = client.post(admin_url(LearningStep, "change", step.pk), form)
    assert response.status_code == 302, response.content.decode()[-2000:]


def item_page(client, slug="s1") -> str:
    return client.get(reverse("progress_item", args=["step", slug])).content.decode()


@pytest.fixture
def curator(client, group_curator):
    client.force_login(group_curator)
    return client


@pytest.fixture
def learner_client(learner, small_role):
    client = Client()
    client.force_login(learner)
    client.post(reverse("progress_follow", args=["small"]))
    return client


@pytest.mark.django_db
class TestTheFlag:
    def test_a_new_title_is_flagged_with_what_changed_and_the_status_stays(
        self, learner_client, learner, curator, steps
    ):
        mark(learner_client, "step", "s1")
        assert FLAG not in item_page(learner_client)
        edit_step(curator, steps[0], title="Step one, reworded")
        page = item_page(learner_client)
        assert FLAG in page
        assert "<del>Step one</del> → <ins>Step one, reworded</ins>" in page
        dashboard = learner_client.get(reverse("dashboard")).content.decode()
        assert "Changed since you marked them" in dashboard
        assert "Step one, reworded" in dashboard
        assert ItemProgress.objects.get(learner=learner, step=steps[0]).status == (
            "done"
        )

    @pytest.mark.parametrize("htmx", [False, True])
    def test_marked_reviewed_it_goes_for_that_learner_only(
        self, learner_client, learner, curator, steps, htmx
    ):
        other = Client()
        other.force_login(UserFactory())
        for client in (learner_client, other):
            mark(client, "step", "s1", "learning")
        edit_step(curator, steps[0], summary="What to do now.")
        headers = {"HX-Request": "true"} if htmx else {}
        response = learner_client.post(
            reverse("progress_change_reviewed", args=["step", "s1"]), headers=headers
        )
        if htmx:
            assert response.status_code == 200 and "keeps your status" in (
                response.content.decode()
            )
        else:
            assert response.status_code == 302
        assert FLAG not in item_page(learner_client)
        assert FLAG in item_page(other)
        edit_step(curator, steps[0], summary="Changed again.")
        assert FLAG in item_page(learner_client)  # a new change flags it again

    def test_an_estimate_or_a_note_does_not_flag_it(
        self, learner_client, curator, steps
    ):
        mark(learner_client, "step", "s1")
        edit_step(curator, steps[0], effort_hours="9", editorial="Waymark's word.")
        assert FLAG not in item_page(learner_client)

    def test_a_status_set_after_the_change_is_not_flagged(
        self, learner_client, curator, steps
    ):
        edit_step(curator, steps[0], title="Renamed before")
        mark(learner_client, "step", "s1")
        assert FLAG not in item_page(learner_client)

    def test_not_started_is_never_flagged(self, learner_client, curator, steps):
        mark(learner_client, "step", "s1")
        mark(learner_client, "step", "s1", "not_started")
        edit_step(curator, steps[0], title="Renamed after")
        assert FLAG not in item_page(learner_client)


@pytest.mark.django_db
class TestMarkingReviewed:
    def test_without_a_status_there_is_nothing_to_review(self, learner_client):
        response = learner_client.post(
            reverse("progress_change_reviewed", args=["step", "s1"])
        )
        assert response.status_code == 400
        assert b"nothing to review" in response.content

    def test_anonymous_and_unknown_items(self, db, small_role, learner_client):
        url = reverse("progress_change_reviewed", args=["step", "s1"])
        assert Client().post(url).status_code == 302
        missing = reverse("progress_change_reviewed", args=["step", "nope"])
        assert learner_client.post(missing).status_code == 404
        assert learner_client.get(url).status_code == 405


@pytest.mark.django_db
class TestMentors:
    def test_an_active_mentor_sees_the_flag_and_one_without_consent_nothing(
        self, learner_client, learner, curator, steps
    ):
        from mentoring.models import Mentorship

        mentor = UserFactory(username="mentor")
        Mentorship.objects.create(
            learner=learner,
            mentor=mentor,
            status=Mentorship.Status.ACTIVE,
            initiated_by=Mentorship.Initiator.LEARNER,
        )
        mark(learner_client, "step", "s1")
        edit_step(curator, steps[0], title="Step one, again")
        client = Client()
        client.force_login(mentor)
        url = reverse("mentee_item", args=[learner.username, "step", "s1"])
        page = client.get(url).content.decode()
        assert "Changed since" in page and "<ins>Step one, again</ins>" in page
        learner_client.post(reverse("progress_change_reviewed", args=["step", "s1"]))
        assert "Changed since" not in client.get(url).content.decode()
        stranger = Client()
        stranger.force_login(UserFactory())
        assert stranger.get(url).status_code == 404


@pytest.mark.django_db
def test_the_role_page_names_the_changed_items(learner_client, curator, steps):
    mark(learner_client, "step", "s1")
    role_url = reverse("role_detail", args=["small"])
    assert (
        "Changed since you marked" not in learner_client.get(role_url).content.decode()
    )
    edit_step(curator, steps[0], title="Step one, reworded")
    page = learner_client.get(role_url).content.decode()
    panel = page[page.index('id="role-progress"') :]
    assert "Changed since you marked it:" in panel
    item = reverse("progress_item", args=["step", "s1"])
    assert f'href="{item}#changed-since">Step one, reworded</a>' in panel
    learner_client.post(reverse("progress_change_reviewed", args=["step", "s1"]))
    assert (
        "Changed since you marked" not in learner_client.get(role_url).content.decode()
    )


@pytest.mark.django_db
def test_the_data_file_keeps_the_revision_and_the_read_marks(
    learner_client, learner, curator, steps, tmp_path
):
    import io
    import json

    from django.core.management import call_command

    from roadmap.models import Revision

    mark(learner_client, "step", "s1")
    mark(learner_client, "step", "s2")
    edit_step(curator, steps[0], title="Step one, reworded")
    edit_step(curator, steps[1], title="Step two, reworded")
    learner_client.post(reverse("progress_change_reviewed", args=["step", "s2"]))
    document = learner_client.get(reverse("progress_export_json")).json()
    by_slug = {entry["slug"]: entry for entry in document["content_changes"]}
    assert by_slug["s1"]["change_seen_at"] is None
    assert by_slug["s2"]["change_seen_at"] is not None
    latest_before = Revision.objects.filter(
        created_at__lte=ItemProgress.objects.get(
            learner=learner, step=steps[0]
        ).status_changed_at
    ).first()
    assert by_slug["s1"]["set_against_revision"] == (
        latest_before.pk if latest_before else None
    )
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document))
    learner.delete()
    call_command("import_learner", str(path), stdout=io.StringIO())
    client = Client()
    from accounts.models import User

    client.force_login(User.objects.get(username=document["account"]["username"]))
    assert FLAG in item_page(client, "s1")  # changed after it was marked
    assert FLAG not in item_page(client, "s2")  # read since


@pytest.mark.django_db
def test_a_retired_item_names_the_change_that_retired_it(
    learner_client, curator, steps
):
    mark(learner_client, "step", "s1")
    response = curator.post(
        admin_url(LearningStep, "changelist"),
        {"action": "unpublish", "_selected_action": [steps[0].pk]},
    )
    assert response.status_code == 302
    page = item_page(learner_client)
    assert "Retired from the roadmap on" in page
    assert "your history of it stays" in page


@pytest.mark.django_db
def test_items_added_since_a_learner_who_does_not_follow_last_worked_are_named(
    learner, curator, steps
):
    """A learner with progress on a role they do not follow has no visits to
    count from: the panel counts from their last status change in the role
    (tests/progress/test_new_since_visit.py covers followers)."""
    learner_client = Client()
    learner_client.force_login(learner)
    mark(learner_client, "step", "s1")
    role_url = reverse("role_detail", args=["small"])
    assert (
        "New since you last worked" not in learner_client.get(role_url).content.decode()
    )
    form = test_admin.TestPrerequisiteCycles().step_form(steps[0], [])
    form.update({"slug": "s-new", "title": "A brand new step", "position": "9"})
    response = curator.post(admin_url(LearningStep, "add"), form)
    assert response.status_code == 302, response.content.decode()[-2000:]
    panel = learner_client.get(role_url).content.decode()
    panel = panel[panel.index('id="role-progress"') :]
    assert "New since you last worked on this role" in panel
    assert "A brand new step</a>" in panel and "your percentage now counts" in panel
    mark(learner_client, "step", "s2")  # working on the role again
    assert (
        "New since you last worked" not in learner_client.get(role_url).content.decode()
    )


@pytest.mark.django_db
@pytest.mark.parametrize("count", [2, 40])
def test_flagged_pages_run_the_same_queries_however_many_items_changed(
    learner_client, learner, small_role, count, django_assert_page_queries
):
    """The dashboard and the role page with 2 or 40 items changed since the
    learner marked them (the changes made as a curator's bulk edit would)."""
    from progress.models import ItemProgress as Rows
    from roadmap import revisions
    from tests.factories import StepFactory
    from tests.progress.test_dashboard import DASHBOARD_QUERIES

    from .test_admin_and_budgets import LEARNER_ROLE_PAGE_QUERIES_REVIEWING

    role_url = reverse("role_detail", args=["small"])
    learner_client.get(role_url)  # their visit to the role begins
    stage = small_role.stages.first()
    made = [
        StepFactory(stage=stage, slug=f"x{n}", position=10 + n) for n in range(count)
    ]
    for step in made:
        Rows.objects.set_status(learner, step, "done")
    with revisions.recorded(origin="admin"):
        LearningStep.objects.filter(pk__in=[s.pk for s in made]).update(
            summary="Reworded by a curator."
        )
    warm = Client()
    warm.force_login(UserFactory())
    warm.get(role_url)  # the skeleton and the structure cached, by someone else
    learner_client.get(reverse("calendar_settings"))  # shows the "you follow" note
    with django_assert_page_queries(LEARNER_ROLE_PAGE_QUERIES_REVIEWING):
        page = learner_client.get(role_url).content.decode()
    # The panel names five and counts the rest (the dashboard lists them).
    assert page.count("#changed-since") == min(count, 5)
    assert (f"And {count - 5} more" in page) == (count > 5)
    with django_assert_page_queries(DASHBOARD_QUERIES):
        body = learner_client.get(reverse("dashboard")).content.decode()
    assert f'<span class="badge">{count}</span>' in body
