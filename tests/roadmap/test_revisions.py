"""Revisions: every content load and every curator's save records what changed,
item by item; the loader's dry run prints it with how many learners each change
touches and writes nothing; a published role's "what changed" page lists its
revisions, drafts' changes never shown."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from progress.models import ItemProgress
from roadmap.models import LearningStep, Revision, Role, Stage
from tests.content_files import write_content
from tests.factories import UserFactory
from tests.roadmap import test_admin
from tests.roadmap.test_admin import admin_url
from tests.roadmap.test_loader import seed_data, snapshot


def load(path, *extra) -> str:
    out = StringIO()
    call_command("load_roadmaps", str(path), *extra, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db, tmp_path):
    data = seed_data()
    load(write_content(tmp_path / "roadmap.yaml", data))
    return data


def steps_of(data):
    return data["roles"][0]["stages"][0]["steps"]


@pytest.mark.django_db
class TestTheLoader:
    def test_a_first_load_records_everything_added(self, seeded):
        (revision,) = Revision.objects.all()
        assert revision.origin == "loader" and len(revision.digest) == 64
        assert revision.files == "roadmap.yaml"
        assert {c["action"] for c in revision.changes} == {"added"}
        assert list(revision.roles.values_list("slug", flat=True)) == [
            seeded["roles"][0]["slug"]
        ]

    def test_a_change_is_itemised_with_old_and_new(self, seeded, tmp_path):
        first = steps_of(seeded)[0]
        first["title"] = "A new title"
        last_stage = seeded["roles"][0]["stages"][-1]
        second = last_stage["steps"].pop()  # the last step: nothing needs it
        load(write_content(tmp_path / "roadmap.yaml", seeded))
        revision = Revision.objects.first()
        by_slug = {c["slug"]: c for c in revision.changes}
        assert by_slug[first["slug"]]["action"] == "changed"
        assert by_slug[first["slug"]]["fields"]["title"][1] == "A new title"
        assert by_slug[second["slug"]]["action"] == "retired"

    def test_loading_the_same_files_again_records_nothing(self, seeded, tmp_path):
        load(write_content(tmp_path / "roadmap.yaml", seeded))
        assert Revision.objects.count() == 1

    def test_a_dry_run_prints_the_diff_and_learners_touched_and_writes_nothing(
        self, seeded, tmp_path
    ):
        step = LearningStep.objects.get(slug=steps_of(seeded)[0]["slug"])
        for _ in range(3):
            ItemProgress.objects.set_status(UserFactory(), step, "learning")
        steps_of(seeded)[0]["title"] = "Renamed"
        before = snapshot()
        out = load(write_content(tmp_path / "roadmap.yaml", seeded), "--dry-run")
        assert f"step '{step.slug}' (Renamed): changed; title: " in out
        assert "-> 'Renamed' [3 learners]" in out
        assert "Dry run: nothing was written." in out
        assert snapshot() == before and Revision.objects.count() == 1

    def test_a_move_between_stages_is_named(self, seeded, tmp_path):
        stages = seeded["roles"][0]["stages"]
        moved = stages[0]["steps"].pop()
        for step in stages[0]["steps"] + stages[1]["steps"]:
            if moved["slug"] in step.get("prerequisites", []):
                step["prerequisites"].remove(moved["slug"])
        moved["prerequisites"] = []
        stages[1]["steps"].append(moved)
        load(write_content(tmp_path / "roadmap.yaml", seeded))
        change = next(
            c for c in Revision.objects.first().changes if c["slug"] == moved["slug"]
        )
        assert change["action"] == "moved"
        assert change["parent"] == [
            str(Stage.objects.get(slug=stages[0]["slug"])),
            str(Stage.objects.get(slug=stages[1]["slug"])),
        ]


@pytest.mark.django_db
class TestTheAdmin:
    def test_a_curators_save_is_recorded_with_who(self, seeded, client, group_curator):
        client.force_login(group_curator)
        step = LearningStep.objects.get(slug=steps_of(seeded)[0]["slug"])
        form = test_admin.TestPrerequisiteCycles().step_form(step, [])
        form["title"] = "Edited in the admin"
        response = client.post(admin_url(LearningStep, "change", step.pk), form)
        assert response.status_code == 302
        revision = Revision.objects.first()
        assert (revision.origin, revision.curator) == ("admin", group_curator)
        (change,) = revision.changes
        assert change["fields"]["title"][1] == "Edited in the admin"
        page = client.get(admin_url(Revision, "change", revision.pk))
        assert page.status_code == 200 and b"Edited in the admin" in page.content

    def test_a_refused_form_records_nothing(self, seeded, client, group_curator):
        client.force_login(group_curator)
        step = LearningStep.objects.get(slug=steps_of(seeded)[0]["slug"])
        form = {**test_admin.TestPrerequisiteCycles().step_form(step, []), "title": ""}
        assert (
            client.post(admin_url(LearningStep, "change", step.pk), form).status_code
            == 200
        )
        assert Revision.objects.count() == 1

    def test_a_bulk_retire_is_one_revision(self, seeded, client, group_curator):
        client.force_login(group_curator)
        ids = list(LearningStep.objects.values_list("pk", flat=True)[:3])
        response = client.post(
            admin_url(LearningStep, "changelist"),
            {"action": "unpublish", "_selected_action": ids},
        )
        assert response.status_code == 302
        revision = Revision.objects.first()
        assert [c["action"] for c in revision.changes] == ["retired"] * 3


@pytest.mark.django_db
class TestThePublicPage:
    def test_it_lists_a_published_roles_changes_newest_first(
        self, seeded, tmp_path, client
    ):
        steps_of(seeded)[0]["title"] = "Renamed step"
        load(write_content(tmp_path / "roadmap.yaml", seeded))
        role = Role.objects.get()
        body = client.get(reverse("role_changes", args=[role.slug])).content.decode()
        assert body.index("Renamed step") < body.index("Added")
        assert "from the content files" in body
        role_page = client.get(reverse("role_detail", args=[role.slug])).content
        assert reverse("role_changes", args=[role.slug]).encode() in role_page

    def test_drafts_and_their_changes_are_never_shown(self, seeded, tmp_path, client):
        steps_of(seeded)[0]["published"] = False
        steps_of(seeded)[0]["title"] = "Secret draft title"
        load(write_content(tmp_path / "roadmap.yaml", seeded))
        role = Role.objects.get()
        body = client.get(reverse("role_changes", args=[role.slug])).content.decode()
        assert "Secret draft title" not in body or "Retired" in body
        role.is_published = False
        role.save()
        staff = UserFactory(is_staff=True, is_superuser=True)
        for who in (None, staff):
            if who:
                client.force_login(who)
            assert (
                client.get(reverse("role_changes", args=[role.slug])).status_code == 404
            )

    def test_a_bad_page_number_shows_a_page(self, seeded, client):
        role = Role.objects.get()
        for page in ("999", "x", "-1"):
            response = client.get(
                reverse("role_changes", args=[role.slug]), {"page": page}
            )
            assert response.status_code == 200


@pytest.mark.django_db
def test_renaming_a_role_moves_nothing(seeded, tmp_path):
    seeded["roles"][0]["title"] = "A renamed role"
    load(write_content(tmp_path / "roadmap.yaml", seeded))
    changes = Revision.objects.first().changes
    assert [(c["kind"], c["action"]) for c in changes] == [("roles", "changed")]
