"""Support views for curators: learners' progress, read-only, and where they stop."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from config.admin_privacy import PrivateFieldsAdmin
from progress import content_upload, reports
from progress.models import (
    ContentUpload,
    Evidence,
    ItemProgress,
    ItemReport,
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


def _set_state(state: str, label: str):
    @admin.action(description=f"Mark {label}")
    def action(modeladmin, request, queryset) -> None:
        changed = reports.set_state(queryset, state)
        modeladmin.message_user(
            request, f"{changed} report(s) marked {label}.", messages.SUCCESS
        )

    action.__name__ = f"mark_{state}"
    return action


@admin.register(ItemReport)
class ItemReportAdmin(PrivateFieldsAdmin, admin.ModelAdmin):
    """Curators triage learners' reports: the state, a reply the learner reads on
    the item's page, and the revision that fixed it. What the learner wrote is
    read-only; reports come from learners, so none is added or deleted here. A
    report that becomes fixed tells its learner once (`progress.reports.triage`)."""

    list_display = ("item_title", "kind", "state", "learner", "created_at")
    list_filter = ("state", "kind")
    list_select_related = ("learner", "step", "concept")
    search_fields = ("step__title", "concept__name", "message", "learner__username")
    raw_id_fields = ("fixed_by",)
    fields = (
        "learner",
        "step",
        "concept",
        "kind",
        "message",
        "created_at",
        "state",
        "reply",
        "fixed_by",
        "notified_at",
    )
    readonly_fields = (
        "learner",
        "step",
        "concept",
        "kind",
        "message",
        "created_at",
        "notified_at",
    )
    actions = [
        _set_state(ItemReport.State.ACCEPTED, "accepted"),
        _set_state(ItemReport.State.DECLINED, "declined"),
        _set_state(ItemReport.State.FIXED, "fixed"),
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        if reports.triage(obj):
            self.message_user(request, "The learner will be told it is fixed.")

    @admin.display(description="item")
    def item_title(self, obj: ItemReport) -> str:
        return str(obj.item)


@admin.register(ContentUpload)
class ContentUploadAdmin(admin.ModelAdmin):
    """Curators upload a content file: the form, a preview of what it would
    change and for how many learners, then confirm or cancel
    (`progress.content_upload`). The list shows the revisions uploads made,
    each linking to its page among the revisions."""

    list_display = ("created_at", "curator", "files", "change_count", "revision")
    list_display_links = None
    list_select_related = ("curator",)
    actions = None
    upload_template = "admin/progress/contentupload/upload.html"
    preview_template = "admin/progress/contentupload/preview.html"

    def get_urls(self):
        # No change, delete or history pages: a revision has its own.
        wrap, name = self.admin_site.admin_view, "progress_contentupload"
        return [
            path("", wrap(self.changelist_view), name=f"{name}_changelist"),
            path("add/", wrap(self.add_view), name=f"{name}_add"),
        ]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="changes")
    def change_count(self, upload: ContentUpload) -> int:
        return len(upload.changes)

    @admin.display(description="revision")
    def revision(self, upload: ContentUpload):
        url = reverse("admin:roadmap_revision_change", args=[upload.pk])
        return format_html('<a href="{}">{}</a>', url, f"Revision {upload.pk}")

    def add_view(self, request, form_url="", extra_context=None):
        """The upload form; posted, the preview; the preview's buttons post
        the token back to confirm or cancel."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST" and "token" in request.POST:
            if request.POST.get("action") == "confirm":
                return self.confirm(request, request.POST["token"])
            content_upload.discard(request.session, request.POST["token"])
            self.message_user(request, "Upload cancelled: nothing was written.")
            return redirect("admin:progress_contentupload_add")
        if request.method != "POST":
            return self.render(
                request, self.upload_template, content_upload.UploadForm()
            )
        form = content_upload.UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(request, self.upload_template, form)
        data = form.cleaned_data
        shown = content_upload.preview(
            request.session, data["files"], data["catalogue"], data["note"]
        )
        return self.render(request, self.preview_template, shown)

    def confirm(self, request, token: str):
        try:
            report = content_upload.confirm(request.session, token, request.user)
        except content_upload.Expired:
            self.message_user(
                request,
                "That upload is no longer waiting (confirmed, cancelled or over an "
                "hour old): nothing was written. Upload the file again.",
                messages.WARNING,
            )
            return redirect("admin:progress_contentupload_add")
        except content_upload.Stale as stale:
            self.message_user(
                request,
                "The content changed since your preview: nothing was written. "
                "This is what the upload would change now.",
                messages.WARNING,
            )
            return self.render(request, self.preview_template, stale.preview)
        self.message_user(request, content_upload.outcome(report), messages.SUCCESS)
        if report.revision is None:
            return redirect("admin:progress_contentupload_changelist")
        return redirect("admin:roadmap_revision_change", report.revision.pk)

    def render(self, request, template: str, shown) -> TemplateResponse:
        key = "preview" if template == self.preview_template else "form"
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Upload a content file",
            key: shown,
        }
        return TemplateResponse(request, template, context)
