"""Mentorships in the admin, for operators' support."""

import logging

from django.contrib import admin, messages
from django.db import transaction

from config.admin_privacy import PrivateFieldsAdmin
from mentoring.models import Mentorship

audit = logging.getLogger("waymark.audit")


@admin.register(Mentorship)
class MentorshipAdmin(PrivateFieldsAdmin, admin.ModelAdmin):
    """Mentorships for support: listed, searchable, and ended when needed.

    Consent belongs to the two people, so staff neither create mentorships nor edit
    them; the one thing staff can do is end active ones.
    """

    list_display = (
        "learner",
        "mentor",
        "invited_email",
        "invited_username",
        "status",
        "initiated_by",
        "created_at",
        "expires_at",
        "ended_at",
    )
    list_filter = ("status", "initiated_by")
    list_select_related = ("learner", "mentor")
    search_fields = (
        "learner__username",
        "learner__email",
        "mentor__username",
        "mentor__email",
        "invited_email",
    )
    date_hierarchy = "created_at"
    actions = ["end_mentorships"]
    fields = (
        "learner",
        "mentor",
        "initiated_by",
        "status",
        "invited_email",
        "invited_username",
        "message",
        "token_hash",
        "created_at",
        "expires_at",
        "responded_at",
        "ended_at",
        "ended_by",
    )
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Ending keeps the record of who ended what; deleting would not.
        return False

    @admin.action(description="End the selected mentorships", permissions=["change"])
    def end_mentorships(self, request, queryset) -> None:
        selected = queryset.count()  # before: a status filter would shrink it
        ended = 0
        with transaction.atomic():
            active = queryset.filter(status=Mentorship.Status.ACTIVE)
            for mentorship in active.select_for_update(of=("self",)):
                mentorship.end(by=request.user)
                audit.info(
                    "mentorship=%s ended by=%s (staff, admin)",
                    mentorship.pk,
                    request.user.pk,
                )
                ended += 1
        skipped = selected - ended
        if ended:
            self.message_user(
                request,
                f"Ended {ended} mentorship{'s' if ended != 1 else ''}. The mentors "
                "no longer see those learners' progress.",
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                f"Left {skipped} that {'were' if skipped != 1 else 'was'} not active "
                "unchanged.",
                messages.WARNING,
            )
