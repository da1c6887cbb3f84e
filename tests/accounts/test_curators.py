"""Curators: staff with the content permissions only, made by `createcurator`."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import User
from tests.factories import PASSWORD, enable_two_factor

CONTENT = [
    "source",
    "resource",
    "skill",
    "concept",
    "role",
    "stage",
    "learningstep",
]
SUPPORT = ["itemprogress", "progressevent", "rolefollow", "selfassessment"]


@pytest.fixture
def made_curator(db, monkeypatch) -> User:
    monkeypatch.setenv("CURATOR_PASSWORD", PASSWORD)
    out = StringIO()
    call_command("createcurator", "cura@example.com", "--no-input", stdout=out)
    assert "Curator cura created" in out.getvalue()
    return User.objects.get(username="cura")


@pytest.mark.django_db
class TestCreateCurator:
    def test_it_makes_a_staff_member_of_the_curators_group_not_a_superuser(
        self, made_curator
    ):
        assert made_curator.is_staff
        assert not made_curator.is_superuser
        assert list(made_curator.groups.values_list("name", flat=True)) == ["Curators"]
        assert made_curator.has_perm("roadmap.change_learningstep")
        assert made_curator.has_perm("roadmap.delete_rolefact")
        assert made_curator.has_perm("progress.view_itemprogress")
        assert not made_curator.has_perm("accounts.change_user")
        assert not made_curator.has_perm("auth.change_group")
        assert not made_curator.has_perm("progress.change_itemprogress")

    def test_no_input_without_the_password_variable_is_refused(self, db, monkeypatch):
        monkeypatch.delenv("CURATOR_PASSWORD", raising=False)
        with pytest.raises(CommandError, match="Set CURATOR_PASSWORD"):
            call_command("createcurator", "x@example.com", "--no-input")
        assert not User.objects.filter(email="x@example.com").exists()

    def test_the_curators_group_exists_after_migrate(self, db):
        group = Group.objects.get(name="Curators")
        codenames = set(group.permissions.values_list("codename", flat=True))
        for model in CONTENT:
            for action in ("add", "change", "delete", "view"):
                assert f"{action}_{model}" in codenames
        assert "view_stepdropoff" in codenames
        assert not any(name.endswith("_user") for name in codenames)


@pytest.mark.django_db
class TestCuratorInTheAdmin:
    @pytest.fixture
    def curator_client(self, client, made_curator):
        enable_two_factor(made_curator)
        client.force_login(made_curator)
        return client

    def test_the_content_pages_open(self, curator_client):
        for model in CONTENT:
            for view in ("changelist", "add"):
                url = reverse(f"admin:roadmap_{model}_{view}")
                assert curator_client.get(url).status_code == 200, url

    def test_the_support_views_open_read_only(self, curator_client):
        for model in [*SUPPORT, "stepdropoff"]:
            url = reverse(f"admin:progress_{model}_changelist")
            assert curator_client.get(url).status_code == 200, url
        assert (
            curator_client.get(reverse("admin:progress_itemprogress_add")).status_code
            == 403
        )

    def test_a_learners_private_note_is_not_shown_to_curators(
        self, curator_client, learner, small_role, operator
    ):
        from progress.models import ItemProgress

        step = small_role.stages.first().steps.first()
        row = ItemProgress.objects.create(
            learner=learner, step=step, status="done", note="PRIVATE-5e1f"
        )
        url = reverse("admin:progress_itemprogress_change", args=[row.pk])

        page = curator_client.get(url)

        assert page.status_code == 200
        assert "PRIVATE-5e1f" not in page.content.decode()
        curator_client.force_login(operator)
        assert "PRIVATE-5e1f" in curator_client.get(url).content.decode()

    def test_accounts_and_groups_are_not_theirs(self, curator_client):
        for name in (
            "admin:accounts_user_changelist",
            "admin:auth_group_changelist",
            "admin:mentoring_mentorship_changelist",
        ):
            assert curator_client.get(reverse(name)).status_code == 403, name
        index = curator_client.get(reverse("admin:index")).content.decode()
        assert "Learning steps" in index
        assert "/admin/accounts/user/" not in index
