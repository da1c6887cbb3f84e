import logging
from collections.abc import Iterable

from allauth.account.admin import EmailAddressAdmin
from allauth.account.models import EmailAddress
from allauth.mfa.admin import AuthenticatorAdmin
from allauth.mfa.models import Authenticator
from allauth.usersessions.admin import UserSessionAdmin
from allauth.usersessions.models import UserSession
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from accounts.models import User
from config.admin_privacy import PrivateFieldsAdmin

audit = logging.getLogger("waymark.audit")

# What makes a person more powerful in the admin.
RIGHTS_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")


def permissions_lacking(editor: User, permissions: Iterable[Permission]) -> list[str]:
    """The permissions among `permissions` that `editor` does not hold."""
    held = editor.get_all_permissions()
    wanted = {
        f"{permission.content_type.app_label}.{permission.codename}"
        for permission in permissions
    }
    return sorted(wanted - held)


def rights_of(person: User) -> set[str]:
    """Every permission `person` holds, directly or through a group, whether or
    not the account is active (an inactive account may be made active again)."""
    held = Permission.objects.filter(Q(user=person) | Q(group__user=person))
    return {
        f"{app_label}.{codename}"
        for app_label, codename in held.values_list(
            "content_type__app_label", "codename"
        )
    }


def may_act_on(actor: User, target: User) -> bool:
    """May `actor` change, delete or set the password of `target`'s account in
    the admin? Superusers may. Others never on a superuser's account, nor on one
    holding a permission they lack themselves."""
    if actor.is_superuser:
        return True
    if target.is_superuser:
        return False
    return target.pk == actor.pk or rights_of(target) <= rights_of(actor)


def may_set_password(actor: User, target: User) -> bool:
    """Only superusers set or reset a staff member's password (their own included:
    staff change theirs on the account page, which asks for the current one)."""
    if actor.is_superuser:
        return True
    return not target.is_staff and may_act_on(actor, target)


def _refusal(what: str, lacking: list[str]) -> str:
    shown = ", ".join(lacking[:3]) + (" and more" if len(lacking) > 3 else "")
    return f"You cannot give {what}: you do not hold {shown} yourself."


def _rights_limited_form(form_class, editor: User):
    """`form_class`, refusing groups and permissions that `editor` lacks.

    Only what the form would add is checked: rights the person already has stay
    as they are, and taking rights away is allowed.
    """

    class RightsLimitedForm(form_class):
        def clean(self):
            cleaned = super().clean()
            instance = self.instance
            if "groups" in self.fields and "groups" in cleaned:
                before = set(instance.groups.all()) if instance.pk else set()
                for group in set(cleaned["groups"]) - before:
                    lacking = permissions_lacking(
                        editor, group.permissions.select_related("content_type")
                    )
                    if lacking:
                        self.add_error(
                            "groups", _refusal(f"the group {group.name!r}", lacking)
                        )
            if "user_permissions" in self.fields and "user_permissions" in cleaned:
                before = set(instance.user_permissions.all()) if instance.pk else set()
                added = set(cleaned["user_permissions"]) - before
                lacking = permissions_lacking(editor, added)
                if lacking:
                    self.add_error(
                        "user_permissions", _refusal("these permissions", lacking)
                    )
            return cleaned

    return RightsLimitedForm


@admin.register(User)
class WaymarkUserAdmin(PrivateFieldsAdmin, UserAdmin):
    """Accounts, for operators (superusers).

    Staff given the user permissions, without being superusers, cannot hand out
    rights they do not hold: the superuser flag is never theirs to set, they give
    only groups and permissions they hold themselves, their own staff flag,
    groups and permissions are read-only to them, and accounts holding rights
    they lack (superusers' among them) are read-only (or hidden, without the view
    permission). Only superusers set staff members' passwords.
    """

    list_display = ("username", "email", "is_staff", "is_active", "date_joined")

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if request.user.is_superuser or obj is None:
            return readonly
        if obj.pk == request.user.pk:
            return [*readonly, *RIGHTS_FIELDS]
        return [*readonly, "is_superuser"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if request.user.is_superuser or obj is None:
            return form
        return _rights_limited_form(form, request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and not may_act_on(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and not may_act_on(request.user, obj):
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        # The bulk action asks has_delete_permission without an object.
        if not all(may_act_on(request.user, target) for target in queryset):
            raise PermissionDenied
        super().delete_queryset(request, queryset)

    def user_change_password(self, request, id, form_url=""):
        target = self.get_object(request, id)
        if target is not None and not may_set_password(request.user, target):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)


admin.site.unregister(Group)


@admin.register(Group)
class WaymarkGroupAdmin(PrivateFieldsAdmin, GroupAdmin):
    """Groups, for operators. Staff given the group permissions, without being
    superusers, cannot put into a group a permission they lack, nor change a
    group they belong to."""

    def has_change_permission(self, request, obj=None) -> bool:
        if (
            obj is not None
            and not request.user.is_superuser
            and request.user.groups.filter(pk=obj.pk).exists()
        ):
            return False
        return super().has_change_permission(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if request.user.is_superuser:
            return form
        editor = request.user

        class PermissionsLimitedForm(form):
            def clean_permissions(self):
                permissions = self.cleaned_data["permissions"]
                before = (
                    set(self.instance.permissions.all()) if self.instance.pk else set()
                )
                lacking = permissions_lacking(editor, set(permissions) - before)
                if lacking:
                    raise forms.ValidationError(_refusal("these permissions", lacking))
                return permissions

        return PermissionsLimitedForm


# allauth's own lists follow the same rule: addresses, second factors and
# sessions (address, browser) are for operators.
for _model, _admin in (
    (EmailAddress, EmailAddressAdmin),
    (Authenticator, AuthenticatorAdmin),
    (UserSession, UserSessionAdmin),
):
    admin.site.unregister(_model)
    admin.site.register(_model, type(_admin.__name__, (PrivateFieldsAdmin, _admin), {}))
