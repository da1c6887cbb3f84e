"""Support views for curators: learners' progress, read-only, and where they stop."""

from django.contrib import admin
from django.db.models import F
from django.db.models.functions import Coalesce

from config.admin_privacy import PrivateFieldsAdmin
from progress.models import (
    Evidence,
    ItemProgress,
    ProgressEvent,
    RoleFollow,
    SelfAssessment,
    WeeklyEmail,
)
from roadmap.models import LearningStep


class ReadOnly:
    """Learners' data is theirs: staff may look, for support, but not change it."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(PrivateFieldsAdmin, ReadOnly, admin.ModelAdmin):
    pass


class EvidenceInline(PrivateFieldsAdmin, ReadOnly, admin.TabularInline):
    """Evidence is private (`config.admin_privacy`): operators only."""

    model = Evidence
    fields = ("url", "title", "created_at")
    readonly_fields = fields
    extra = 0


@admin.register(ItemProgress)
class ItemProgressAdmin(ReadOnlyAdmin):
    list_display = ("learner", "item_title", "item_kind", "status", "status_changed_at")
    list_filter = ("status", "step__stage__role")
    list_select_related = ("learner", "step", "concept")
    search_fields = (
        "learner__username",
        "learner__email",
        "step__title",
        "concept__name",
    )
    inlines = [EvidenceInline]
    fields = (
        "learner",
        "step",
        "concept",
        "status",
        "status_changed_at",
        "note",
        "created_at",
        "updated_at",
    )

    @admin.display(description="item")
    def item_title(self, obj: ItemProgress) -> str:
        return str(obj.item)


@admin.register(ProgressEvent)
class ProgressEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "learner", "item_title", "from_status", "to_status")
    list_filter = ("to_status",)
    list_select_related = ("learner", "step", "concept")
    search_fields = ("learner__username", "learner__email")
    date_hierarchy = "created_at"

    @admin.display(description="item")
    def item_title(self, obj: ProgressEvent) -> str:
        return str(obj.item)


@admin.register(RoleFollow)
class RoleFollowAdmin(ReadOnlyAdmin):
    list_display = ("learner", "role", "started_at")
    list_filter = ("role",)
    list_select_related = ("learner", "role")
    search_fields = ("learner__username", "learner__email")


@admin.register(SelfAssessment)
class SelfAssessmentAdmin(ReadOnlyAdmin):
    list_display = ("learner", "skill", "level", "created_at")
    list_filter = ("level", "skill")
    list_select_related = ("learner", "skill")
    search_fields = ("learner__username", "learner__email", "skill__name")


class StepDropOff(LearningStep):
    """Where learners stop: per-step counts of learning, done and skipped."""

    class Meta:
        proxy = True
        verbose_name = "step drop-off"
        verbose_name_plural = "step drop-off"


@admin.register(StepDropOff)
class StepDropOffAdmin(ReadOnlyAdmin):
    """Counts come from the step tallies (`progress.dropoff`): one row per step."""

    list_display = (
        "title",
        "stage",
        "position",
        "started",
        "finished",
        "skipped",
        "learner_hours",
        "learner_count",
    )
    list_filter = ("stage__role",)
    list_select_related = ("stage__role", "tally")
    search_fields = ("title", "stage__title")
    ordering = ("stage__role", "stage__position", "position")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                started_count=Coalesce(
                    F("tally__learning") + F("tally__done") + F("tally__skipped"), 0
                ),
                done_count=Coalesce(F("tally__done"), 0),
                skipped_count=Coalesce(F("tally__skipped"), 0),
            )
        )

    @admin.display(description="started", ordering="started_count")
    def started(self, obj) -> int:
        return obj.started_count

    @admin.display(description="finished", ordering="done_count")
    def finished(self, obj) -> int:
        return obj.done_count

    @admin.display(description="skipped", ordering="skipped_count")
    def skipped(self, obj) -> int:
        return obj.skipped_count


@admin.register(WeeklyEmail)
class WeeklyEmailAdmin(ReadOnlyAdmin):
    """Which week's plan email each learner was sent (the email itself is in the
    outbox's messages)."""

    list_display = ("learner", "week", "queued_at")
    list_filter = ("week",)
    list_select_related = ("learner",)
    search_fields = ("learner__username", "learner__email")
