"""The user and group admin: staff cannot hand out rights they do not hold.

Each test opens the real change page first and posts back what the page's form
holds, as a browser would, with the rights fields changed.
"""

from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts.models import User
from tests.factories import UserFactory, enable_two_factor


class _FormFields(HTMLParser):
    """The fields a browser would send from the form with the given id."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.in_form = False
        self.names: set[str] = set()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.in_form = attrs.get("id") == self.form_id
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            self.names.add(name)
            kind = attrs.get("type", "text")
            if kind == "submit":
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.data.setdefault(name, []).append(attrs.get("value") or "on")
                return
            self.data.setdefault(name, []).append(attrs.get("value") or "")
        elif tag == "select" and name:
            self.names.add(name)
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select].append(attrs.get("value", ""))
        elif tag == "textarea" and name:
            self.names.add(name)
            self._textarea = name
            self.data[name] = [""]

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def open_form(client, url: str, form_id: str) -> _FormFields:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    parser = _FormFields(form_id)
    parser.feed(response.content.decode())
    assert parser.names, f"no form {form_id!r} on {url}"
    return parser


def change_url(user: User) -> str:
    return reverse("admin:accounts_user_change", args=[user.pk])


def permission(codename: str) -> Permission:
    return Permission.objects.get(codename=codename)


@pytest.fixture
def user_manager(db) -> User:
    """Staff, not a superuser, allowed to view and change accounts."""
    user = UserFactory(username="usermanager", is_staff=True)
    user.user_permissions.add(permission("view_user"), permission("change_user"))
    enable_two_factor(user)
    return user


@pytest.fixture
def manager_client(client, user_manager):
    client.force_login(user_manager)
    return client


@pytest.fixture
def someone(db) -> User:
    return UserFactory(username="someone", first_name="Some")


@pytest.mark.django_db
class TestStaffEditingAnotherUser:
    def test_the_superuser_flag_is_not_theirs_to_set(self, manager_client, someone):
        form = open_form(manager_client, change_url(someone), "user_form")
        assert "is_superuser" not in form.names
        assert "first_name" in form.names
        data = {**form.data, "first_name": ["Renamed"], "is_superuser": ["on"]}

        response = manager_client.post(change_url(someone), data)

        assert response.status_code == 302
        someone.refresh_from_db()
        assert someone.first_name == "Renamed"  # the form was saved...
        assert not someone.is_superuser  # ...without the flag

    def test_a_group_with_permissions_they_lack_is_refused(
        self, manager_client, someone
    ):
        operators = Group.objects.create(name="Operators")
        operators.permissions.add(permission("delete_user"))
        form = open_form(manager_client, change_url(someone), "user_form")
        assert "groups" in form.names
        data = {**form.data, "groups": [str(operators.pk)]}

        response = manager_client.post(change_url(someone), data)

        assert response.status_code == 200
        body = response.content.decode()
        assert "You cannot give the group &#x27;Operators&#x27;" in body
        assert "accounts.delete_user" in body
        assert not someone.groups.exists()

    def test_a_group_whose_permissions_they_hold_is_given(
        self, manager_client, someone
    ):
        helpers = Group.objects.create(name="Helpers")
        helpers.permissions.add(permission("view_user"))
        form = open_form(manager_client, change_url(someone), "user_form")
        data = {**form.data, "groups": [str(helpers.pk)]}

        response = manager_client.post(change_url(someone), data)

        assert response.status_code == 302
        assert list(someone.groups.all()) == [helpers]

    def test_a_permission_they_lack_is_refused(self, manager_client, someone):
        form = open_form(manager_client, change_url(someone), "user_form")
        assert "user_permissions" in form.names
        data = {
            **form.data,
            "user_permissions": [str(permission("delete_user").pk)],
        }

        response = manager_client.post(change_url(someone), data)

        assert response.status_code == 200
        assert "You cannot give these permissions" in response.content.decode()
        assert not someone.user_permissions.exists()

    def test_rights_the_person_already_has_are_kept(self, manager_client, someone):
        # (An account holding a right the editor lacks is read-only to them:
        # tests/accounts/test_staff_passwords.py.)
        operators = Group.objects.create(name="Operators")
        operators.permissions.add(permission("view_user"))
        someone.groups.add(operators)
        form = open_form(manager_client, change_url(someone), "user_form")
        data = {**form.data, "first_name": ["Kept"]}

        response = manager_client.post(change_url(someone), data)

        assert response.status_code == 302
        assert list(someone.groups.all()) == [operators]


@pytest.mark.django_db
class TestStaffEditingThemselves:
    def test_their_own_rights_are_read_only(
        self, manager_client, user_manager, group_curator
    ):
        curators = Group.objects.get(name="Curators")
        form = open_form(manager_client, change_url(user_manager), "user_form")
        for name in ("is_staff", "is_superuser", "groups", "user_permissions"):
            assert name not in form.names, name
        data = {
            **form.data,
            "first_name": ["Me"],
            "is_superuser": ["on"],
            "groups": [str(curators.pk)],
            "user_permissions": [str(permission("delete_user").pk)],
        }
        data.pop("is_staff", None)  # an attempt to drop the flag, too

        response = manager_client.post(change_url(user_manager), data)

        assert response.status_code == 302
        user_manager.refresh_from_db()
        assert user_manager.first_name == "Me"
        assert user_manager.is_staff
        assert not user_manager.is_superuser
        assert not user_manager.groups.exists()
        assert set(
            user_manager.user_permissions.values_list("codename", flat=True)
        ) == {"view_user", "change_user"}


@pytest.mark.django_db
class TestSuperusersAccounts:
    def test_staff_see_a_superuser_read_only_and_cannot_post(
        self, manager_client, operator
    ):
        page = manager_client.get(change_url(operator)).content.decode()
        assert 'name="username"' not in page
        response = manager_client.post(
            change_url(operator), {"username": "taken-over", "is_active": ""}
        )
        assert response.status_code == 403
        operator.refresh_from_db()
        assert operator.username == "operator"
        assert operator.is_active

    def test_staff_cannot_set_a_superusers_password(self, manager_client, operator):
        url = reverse("admin:auth_user_password_change", args=[operator.pk])
        assert manager_client.get(url).status_code == 403
        response = manager_client.post(
            url, {"password1": "new pass 83j2", "password2": "new pass 83j2"}
        )
        assert response.status_code == 403

    def test_a_superuser_can_make_someone_a_superuser(self, client, operator, someone):
        client.force_login(operator)
        form = open_form(client, change_url(someone), "user_form")
        assert "is_superuser" in form.names
        data = {**form.data, "is_superuser": ["on"], "is_staff": ["on"]}

        response = client.post(change_url(someone), data)

        assert response.status_code == 302
        someone.refresh_from_db()
        assert someone.is_superuser and someone.is_staff


@pytest.mark.django_db
class TestGroupAdmin:
    @pytest.fixture
    def group_manager(self, client, db):
        user = UserFactory(username="groupmanager", is_staff=True)
        for codename in ("view_group", "change_group"):
            user.user_permissions.add(permission(codename))
        enable_two_factor(user)
        client.force_login(user)
        return user

    def test_staff_cannot_put_a_permission_they_lack_into_a_group(
        self, client, group_manager
    ):
        helpers = Group.objects.create(name="Helpers")
        url = reverse("admin:auth_group_change", args=[helpers.pk])
        form = open_form(client, url, "group_form")
        data = {**form.data, "permissions": [str(permission("change_user").pk)]}

        response = client.post(url, data)

        assert response.status_code == 200
        assert "You cannot give these permissions" in response.content.decode()
        assert not helpers.permissions.exists()

    def test_staff_cannot_change_a_group_they_belong_to(self, client, group_manager):
        own = Group.objects.create(name="Own")
        group_manager.groups.add(own)
        url = reverse("admin:auth_group_change", args=[own.pk])

        response = client.post(
            url, {"name": "Own", "permissions": [str(permission("change_user").pk)]}
        )

        assert response.status_code == 403
        assert not own.permissions.exists()
