"""What staff who are not superusers may not read in the admin: one rule.

Curators (and any staff member given view rights without being a superuser)
look at learners' rows for support: where they stop, what they follow. What a
learner keeps private (their email address, private notes, evidence links,
what they wrote to a mentor, the messages sent to them) is for operators
(superusers) only. Hiding a field from the change page is not enough: a filter
in the address (`?note__startswith=b`), a search (`q=alice@` matching
`learner__email`) or a sort would tell it one character at a time. So every
admin a non-superuser can open takes `PrivateFieldsAdmin`, which applies the
list below to what is shown, filtered, searched and sorted, following
relations (`learner__email` is the user's `email`).
"""

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.db.models.constants import LOOKUP_SEP

# Model label -> the fields only superusers may read, filter, search or sort on.
PRIVATE_FIELDS: dict[str, frozenset[str]] = {
    "accounts.user": frozenset({"email", "password"}),
    "account.emailaddress": frozenset({"email"}),
    "progress.itemprogress": frozenset({"note"}),
    "progress.evidence": frozenset({"url", "title"}),
    "mentoring.mentorship": frozenset({"invited_email", "message", "token_hash"}),
    "mentoring.comment": frozenset({"body"}),
    "outbox.message": frozenset(
        {"to", "subject", "body", "html", "headers", "context"}
    ),
    "mfa.authenticator": frozenset({"data"}),
    "usersessions.usersession": frozenset({"ip", "user_agent", "session_key", "data"}),
}

# Models whose every row is private: only superusers see them at all.
PRIVATE_MODELS = frozenset({"progress.evidence"})

# Columns computed from a private field, per model (a method has no field path).
PRIVATE_COLUMNS: dict[str, frozenset[str]] = {
    "outbox.message": frozenset({"recipients"}),
}


def may_read_private(user) -> bool:
    return bool(user.is_active and user.is_superuser)


def touches_private(model: type[Model], path: str) -> bool:
    """Does the lookup or field path `path` on `model` read a private field?

    `learner__email__startswith` on a progress row reads the user's email;
    search prefixes (`^`, `=`, `@`) and an ordering's `-` are ignored."""
    path = path.lstrip("^=@-")
    for part in path.split(LOOKUP_SEP):
        if model._meta.label_lower in PRIVATE_MODELS:
            return True
        if part in PRIVATE_FIELDS.get(model._meta.label_lower, ()):
            return True
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False  # a transform or lookup (`startswith`): the path ended
        if not field.is_relation or field.related_model is None:
            return False
        model = field.related_model
    return model._meta.label_lower in PRIVATE_MODELS


class PrivateFieldsAdmin:
    """Mixed into every ModelAdmin and inline: for staff who are not superusers,
    private fields are not shown, filtered on, searched or sorted by."""

    def _hides(self, request) -> bool:
        return not may_read_private(request.user)

    def _private(self, name) -> bool:
        if not isinstance(name, str):
            name = getattr(name, "__name__", "")
        if name in PRIVATE_COLUMNS.get(self.model._meta.label_lower, ()):
            return True
        return touches_private(self.model, name)

    def _public(self, request, names):
        if not self._hides(request):
            return names
        kept = []
        for name in names:
            if isinstance(name, (list, tuple)):
                if name and isinstance(name[0], str) and self._private(name[0]):
                    continue  # a (field, filter class) pair
                kept.append(name)
            elif not self._private(name):
                kept.append(name)
        return type(names)(kept) if isinstance(names, (list, tuple)) else kept

    def has_view_permission(self, request, obj=None) -> bool:
        if self._hides(request) and self.model._meta.label_lower in PRIVATE_MODELS:
            return False
        return super().has_view_permission(request, obj)

    def lookup_allowed(self, lookup, value, request) -> bool:
        if self._hides(request) and touches_private(self.model, lookup):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_search_fields(self, request):
        return self._public(request, super().get_search_fields(request))

    def get_list_display(self, request):
        return self._public(request, super().get_list_display(request))

    def get_list_display_links(self, request, list_display):
        links = super().get_list_display_links(request, list_display)
        if links is None:
            return None
        return [name for name in links if name in list_display] or list_display[:1]

    def get_sortable_by(self, request):
        return self._public(request, super().get_sortable_by(request))

    def get_list_filter(self, request):
        return self._public(request, super().get_list_filter(request))

    def get_ordering(self, request):
        return self._public(request, super().get_ordering(request) or ())

    def get_fields(self, request, obj=None):
        return self._public(request, super().get_fields(request, obj))

    def get_readonly_fields(self, request, obj=None):
        return self._public(request, super().get_readonly_fields(request, obj))

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not self._hides(request):
            return fieldsets
        shown = []
        for title, options in fieldsets:
            fields = []
            for line in options["fields"]:
                if isinstance(line, (list, tuple)):  # several fields on one line
                    line = tuple(name for name in line if not self._private(name))
                    if line:
                        fields.append(line)
                elif not self._private(line):
                    fields.append(line)
            if fields:
                shown.append((title, {**options, "fields": tuple(fields)}))
        return shown
