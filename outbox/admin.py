"""Staff see every email: queued, sent and failed ones with their error, and send
failed ones again. Messages are read-only: what was sent stays as it was."""

from django.contrib import admin, messages

from config.admin_privacy import PrivateFieldsAdmin
from outbox import sending
from outbox.models import Message, ScheduledRun


@admin.action(
    description="Send the selected failed messages again", permissions=["change"]
)
def retry(modeladmin, request, queryset) -> None:
    count = sending.retry(queryset)
    modeladmin.message_user(
        request,
        f"{count} failed message(s) queued to be sent again."
        if count
        else "None of the selected messages had failed; nothing was queued.",
        messages.SUCCESS if count else messages.WARNING,
    )


@admin.register(Message)
class MessageAdmin(PrivateFieldsAdmin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "kind",
        "recipients",
        "subject",
        "status",
        "attempts",
        "sent_at",
    )
    list_filter = ("status", "kind")
    search_fields = ("subject", "to", "kind")
    date_hierarchy = "created_at"
    actions = [retry]
    readonly_fields = [field.name for field in Message._meta.fields]
    fieldsets = (
        (None, {"fields": ("kind", "subject", "from_email", "to", "priority")}),
        (
            "Delivery",
            {
                "fields": (
                    "status",
                    "attempts",
                    "last_error",
                    "next_attempt_at",
                    "sent_at",
                    "created_at",
                )
            },
        ),
        (
            "Content",
            {
                "classes": ("collapse",),
                "fields": ("body", "html", "headers", "context"),
            },
        ),
    )

    @admin.display(description="To")
    def recipients(self, message: Message) -> str:
        return ", ".join(message.to)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # Viewing, and the retry action (which needs change rights), only.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # sent ones are pruned by the schedule; failed ones stay


@admin.register(ScheduledRun)
class ScheduledRunAdmin(PrivateFieldsAdmin, admin.ModelAdmin):
    list_display = ("job", "period", "started_at", "finished_at", "outcome")
    list_filter = ("job",)
    readonly_fields = [field.name for field in ScheduledRun._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
