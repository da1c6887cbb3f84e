"""Only superusers set staff passwords, and nobody acts in the admin on an account
holding rights they lack.

A staff member given the user permissions could otherwise set the password of a
curator not yet enrolled in two-factor, sign in as them and enrol their own
authenticator. Each test opens the real password form, fills the fields it
renders (password1, password2, and usable_password where shown) and posts it."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from tests.accounts.test_user_admin import change_url, open_form
from tests.factories import UserFactory, enable_two_factor

NEW_PASSWORD = "taken over 83j2 zq"


def password_url(user) -> str:
    return reverse("admin:auth_user_password_change", args=[user.pk])


def post_password_form(client, user):
    """GET the password form; when it opens, post it back filled in."""
    response = client.get(password_url(user))
    if response.status_code != 200:
        return response
    form = open_form(client, password_url(user), "user_form")
    data = dict(form.data)
    assert {"password1", "password2"} <= form.names
    data["password1"] = [NEW_PASSWORD]
    data["password2"] = [NEW_PASSWORD]
    if "usable_password" in form.names:
        data["usable_password"] = ["true"]
    return client.post(password_url(user), data)


def staff_with(username: str, *codenames: str):
    user = UserFactory(username=username, is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    enable_two_factor(user)
    return user


@pytest.fixture
def manager_client(client, db):
    """Signed in as staff, not a superuser, who may view and change accounts."""
    client.force_login(staff_with("usermanager", "view_user", "change_user"))
    return client


@pytest.fixture
def someone(db):
    """A learner: no rights at all."""
    return UserFactory(username="someone")


@pytest.fixture
def new_curator(db):
    """A curator as createcurator makes one, not yet enrolled in two-factor."""
    user = UserFactory(username="newcurator", is_staff=True)
    user.groups.add(Group.objects.get(name="Curators"))
    return user


@pytest.fixture
def plain_staff(db):
    """Staff without any permission the manager lacks."""
    return UserFactory(username="plainstaff", is_staff=True)


def cannot_sign_in(user) -> bool:
    user.refresh_from_db()
    return not user.check_password(NEW_PASSWORD) and not Client().login(
        username=user.username, password=NEW_PASSWORD
    )


@pytest.mark.django_db
class TestStaffPasswords:
    def test_staff_cannot_set_a_new_curators_password(
        self, manager_client, new_curator
    ):
        response = post_password_form(manager_client, new_curator)
        assert response.status_code == 403
        assert cannot_sign_in(new_curator)

    def test_staff_cannot_set_another_staff_members_password(
        self, manager_client, plain_staff
    ):
        response = post_password_form(manager_client, plain_staff)
        assert response.status_code == 403
        assert cannot_sign_in(plain_staff)

    def test_staff_still_set_a_learners_password(self, manager_client, someone):
        response = post_password_form(manager_client, someone)
        assert response.status_code == 302
        someone.refresh_from_db()
        assert someone.check_password(NEW_PASSWORD)

    def test_a_superuser_sets_a_curators_password(self, client, operator, new_curator):
        client.force_login(operator)
        response = post_password_form(client, new_curator)
        assert response.status_code == 302
        new_curator.refresh_from_db()
        assert new_curator.check_password(NEW_PASSWORD)


@pytest.mark.django_db
class TestAccountsWithMoreRights:
    def test_staff_see_an_account_with_rights_they_lack_read_only(
        self, manager_client, new_curator
    ):
        page = manager_client.get(change_url(new_curator))
        assert page.status_code == 200
        assert 'name="username"' not in page.content.decode()
        response = manager_client.post(
            change_url(new_curator), {"username": "renamed", "is_active": ""}
        )
        assert response.status_code == 403
        new_curator.refresh_from_db()
        assert new_curator.is_active
        assert new_curator.username == "newcurator"
        assert new_curator.is_active

    def test_staff_cannot_delete_an_account_with_rights_they_lack(
        self, client, new_curator
    ):
        deleter = staff_with("deleter", "view_user", "change_user", "delete_user")
        client.force_login(deleter)
        url = reverse("admin:accounts_user_delete", args=[new_curator.pk])
        assert client.post(url, {"post": "yes"}).status_code == 403
        response = client.post(
            reverse("admin:accounts_user_changelist"),
            {
                "action": "delete_selected",
                "_selected_action": [new_curator.pk],
                "post": "yes",
            },
        )
        assert response.status_code == 403
        new_curator.refresh_from_db()
        assert new_curator.is_active
