"""Owning your data: exports, reset, the public profile, and the figures agreeing."""

import csv
import io
import json
import re

import pytest
from django.urls import reverse

from progress.models import (
    Evidence,
    ItemProgress,
    ProgressEvent,
    RoleFollow,
    SelfAssessment,
)
from tests.factories import UserFactory


@pytest.fixture
def busy_learner(learner, small_role, steps):
    RoleFollow.objects.create(learner=learner, role=small_role)
    ItemProgress.objects.set_status(learner, steps[0], "done")
    ItemProgress.objects.set_status(learner, steps[1], "skipped")
    row = ItemProgress.objects.get(learner=learner, step=steps[0])
    row.note = "Private note, =SUM(A1)"
    row.save()
    Evidence.objects.create(progress=row, url="https://example.com/work", title="Work")
    SelfAssessment.objects.create(
        learner=learner, skill=small_role.skills.get(), level=3
    )
    return learner


@pytest.mark.django_db
class TestExports:
    def test_anonymous_visitors_are_sent_to_sign_in(self, client):
        for name in ["progress_export_json", "progress_export_csv"]:
            response = client.get(reverse(name))
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account_login"))

    def test_the_json_export_holds_everything(self, client, busy_learner):
        client.force_login(busy_learner)
        response = client.get(reverse("progress_export_json"))
        assert response.status_code == 200
        assert "attachment" in response["Content-Disposition"]
        data = json.loads(response.content)
        assert data["account"]["username"] == "learner"
        assert data["roles"][0]["role"] == "small"
        statuses = {row["slug"]: row["status"] for row in data["progress"]}
        assert statuses == {"s1": "done", "s2": "skipped"}
        s1 = next(row for row in data["progress"] if row["slug"] == "s1")
        assert s1["note"] == "Private note, =SUM(A1)"
        assert s1["evidence"][0]["url"] == "https://example.com/work"
        assert len(data["history"]) == 2
        assert data["self_assessments"][0]["level"] == "competent"
        assert (
            data["figures"][0]["overall"]["percent"] == 28
        )  # a 4 h step done of 14 counted hours

    def test_the_csv_export_lists_statuses(self, client, busy_learner):
        client.force_login(busy_learner)
        response = client.get(reverse("progress_export_csv"))
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert {(row["slug"], row["status"]) for row in rows} == {
            ("s1", "done"),
            ("s2", "skipped"),
        }

    def test_an_export_holds_only_the_learners_own_data(
        self, client, busy_learner, other_learner
    ):
        client.force_login(other_learner)
        data = json.loads(client.get(reverse("progress_export_json")).content)
        assert data["account"]["username"] == "other"
        assert data["progress"] == []
        assert data["history"] == []
        body = client.get(reverse("progress_export_csv")).content.decode()
        assert "s1" not in body

    def test_retired_items_stay_in_the_export(self, client, busy_learner, steps):
        steps[0].is_published = False
        steps[0].save()
        client.force_login(busy_learner)
        data = json.loads(client.get(reverse("progress_export_json")).content)
        s1 = next(row for row in data["progress"] if row["slug"] == "s1")
        assert s1["retired"] is True


@pytest.mark.django_db
class TestReset:
    def test_get_asks_for_confirmation_and_changes_nothing(self, client, busy_learner):
        client.force_login(busy_learner)
        response = client.get(reverse("progress_reset", args=["small"]))
        assert response.status_code == 200
        assert "Reset progress on Small role?" in response.content.decode()
        assert ItemProgress.objects.filter(status="done").exists()

    def test_post_resets_statuses_and_keeps_notes_and_history(
        self, client, busy_learner
    ):
        client.force_login(busy_learner)
        response = client.post(reverse("progress_reset", args=["small"]))
        assert response.status_code == 302
        assert set(ItemProgress.objects.values_list("status", flat=True)) == {
            "not_started"
        }
        assert ItemProgress.objects.get(step__slug="s1").note.startswith("Private note")
        assert Evidence.objects.exists()
        assert ProgressEvent.objects.count() == 4

    def test_reset_touches_only_the_learners_own_rows(
        self, client, busy_learner, other_learner, steps
    ):
        ItemProgress.objects.set_status(other_learner, steps[0], "done")
        client.force_login(other_learner)
        client.post(reverse("progress_reset", args=["small"]))
        assert (
            ItemProgress.objects.get(learner=busy_learner, step=steps[0]).status
            == "done"
        )

    def test_anonymous_visitors_are_sent_to_sign_in(self, client, small_role):
        response = client.post(reverse("progress_reset", args=["small"]))
        assert response.status_code == 302


@pytest.mark.django_db
class TestPublicProfile:
    def test_it_is_404_unless_switched_on_the_same_as_a_missing_user(
        self, client, busy_learner
    ):
        hidden = client.get(reverse("public_profile", args=["learner"]))
        missing = client.get(reverse("public_profile", args=["nobody"]))
        assert hidden.status_code == missing.status_code == 404

        def without_nonce(response) -> str:
            return re.sub(r'nonce="[^"]+"', "", response.content.decode())

        assert without_nonce(hidden) == without_nonce(missing)

    def test_when_switched_on_it_shows_roles_and_activity_but_no_notes(
        self, client, busy_learner
    ):
        busy_learner.public_profile = True
        busy_learner.display_name = "Lea Learner"
        busy_learner.save()
        body = client.get(reverse("public_profile", args=["learner"])).content.decode()
        assert "Lea Learner" in body
        assert "Small role" in body
        assert "28%" in body
        assert "Private note" not in body
        assert "example.com/work" not in body

    def test_it_shows_no_time_zone_and_is_never_cached(self, client, busy_learner):
        busy_learner.public_profile = True
        busy_learner.timezone = "Pacific/Chatham"
        busy_learner.save()
        client.force_login(busy_learner)
        busy_learner.refresh_from_db()

        # Through the settings form, as the learner switches it on.
        client.post(
            reverse("account_settings"),
            {"timezone": "Pacific/Chatham", "public_profile": "on"},
        )
        client.logout()
        response = client.get(reverse("public_profile", args=["learner"]))

        assert response.status_code == 200
        body = response.content.decode()
        assert "Pacific/Chatham" not in body and "Chatham" not in body
        cache_control = response["Cache-Control"]
        assert "no-store" in cache_control and "private" in cache_control

    def test_an_inactive_user_has_no_profile(self, client, db):
        UserFactory(username="gone", public_profile=True, is_active=False)
        assert client.get(reverse("public_profile", args=["gone"])).status_code == 404


@pytest.mark.django_db
def test_every_page_and_the_export_show_the_same_figures(client, busy_learner):
    """The role page, the dashboard, the public profile and the export agree."""
    busy_learner.public_profile = True
    busy_learner.save()
    client.force_login(busy_learner)
    export = json.loads(client.get(reverse("progress_export_json")).content)
    expected = export["figures"][0]
    percent = f"{expected['overall']['percent']}%"
    counted = expected["steps"]["total"] - expected["steps"]["skipped"]
    steps_line = f"Steps: {expected['steps']['done']} of {counted}"
    pages = [
        reverse("role_detail", args=["small"]),
        reverse("dashboard"),
        reverse("public_profile", args=["learner"]),
    ]
    for url in pages:
        body = client.get(url).content.decode()
        assert re.search(rf">{percent}<|>{percent}\b|{percent}", body), url
        assert steps_line in body, url


@pytest.mark.django_db
@pytest.mark.parametrize("steps_count", [4, 40])
def test_a_reset_runs_the_same_queries_for_4_items_and_for_40(
    client, learner, steps_count, django_assert_page_queries
):
    """In bulk: one update of the rows, one insert of the events, one tally
    update per kind of move, one new generation."""
    from progress.models import ProgressEvent, StepTally
    from tests.factories import RoleFactory, StageFactory, StepFactory

    role = RoleFactory(slug="wide")
    stage = StageFactory(role=role)
    items = [StepFactory(stage=stage, slug=f"w{n}") for n in range(steps_count)]
    for index, step in enumerate(items):
        ItemProgress.objects.set_status(learner, step, ["done", "learning"][index % 2])
    client.force_login(learner)
    client.get(reverse("progress_reset", args=["wide"]))

    with django_assert_page_queries(9):
        response = client.post(reverse("progress_reset", args=["wide"]))

    assert response.status_code == 302
    assert (
        not ItemProgress.objects.filter(learner=learner)
        .exclude(status="not_started")
        .exists()
    )
    assert ProgressEvent.objects.filter(to_status="not_started").count() == steps_count
    tallies = StepTally.objects.filter(step__in=items)
    assert sum(t.done + t.learning for t in tallies) == 0
