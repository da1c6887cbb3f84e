"""Curation: everything a curator edits, with inlines, ordering fields and checks."""

import contextlib
import io
import zipfile

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from django.utils.html import format_html_join

from roadmap import citations, content, page_cache, revisions
from roadmap.models import (
    ChoiceGroup,
    Concept,
    LearningStep,
    Resource,
    Revision,
    Role,
    RoleFact,
    RoleSkill,
    Skill,
    Source,
    Stage,
)


@admin.action(description="Publish the selected items")
def publish(modeladmin, request: HttpRequest, queryset: QuerySet) -> None:
    count = queryset.publish()
    page_cache.content_changed()
    modeladmin.message_user(request, f"Published {count} item(s).", messages.SUCCESS)


@admin.action(description="Unpublish (retire) the selected items")
def unpublish(modeladmin, request: HttpRequest, queryset: QuerySet) -> None:
    count = queryset.update(is_published=False)
    page_cache.content_changed()
    modeladmin.message_user(
        request,
        f"Unpublished {count} item(s). Learners' progress on them is kept.",
        messages.SUCCESS,
    )


class CitedForm(forms.ModelForm):
    """An item's quotes must name sources it cites and occur in their texts, as
    the content loader requires, so an edit in the admin cannot make a quote
    drift from its source."""

    QUOTED = (("quotes", "sources"), ("salary_quotes", "salary_sources"))

    def clean(self):
        cleaned = super().clean()
        for quotes_field, sources_field in self.QUOTED:
            if quotes_field in self.fields:
                self.check_quotes(cleaned, quotes_field, sources_field)
        return cleaned

    def check_quotes(self, cleaned, quotes_field: str, sources_field: str) -> None:
        quotes = cleaned.get(quotes_field)
        if quotes in (None, ""):
            return
        if not isinstance(quotes, dict) or not all(
            isinstance(v, str)
            or (isinstance(v, list) and v and all(isinstance(p, str) for p in v))
            for v in quotes.values()
        ):
            self.add_error(
                quotes_field,
                'Give a mapping of source slugs to quotes: {"slug": "the passage"} '
                'or {"slug": ["a passage", "another"]}.',
            )
            return
        sources = cleaned.get(sources_field)
        if sources is None and self.instance.pk:
            sources = getattr(self.instance, sources_field).all()
        cited = {source.slug: source for source in sources or []}
        for slug, quote in quotes.items():
            if slug not in cited:
                self.add_error(
                    quotes_field, f"{slug!r} is not one of the item's sources."
                )
            elif not all(
                citations.occurs_in(passage, cited[slug].text)
                for passage in citations.passages_of(quote)
            ):
                self.add_error(
                    quotes_field,
                    f"The quote for {slug!r} is not in that source's text; copy the "
                    "passage word for word.",
                )


class ContentAdmin(admin.ModelAdmin):
    """Shared behaviour: publish actions, slugs that stay stable once saved,
    every save, delete or bulk action recorded as a Revision (what it changed,
    by whom) and retiring what is cached from the content."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with self.recorded(request):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        with self.recorded(request):
            return super().delete_view(request, object_id, extra_context)

    def changelist_view(self, request, extra_context=None):
        # Bulk actions and the list's editable columns post here.
        with self.recorded(request):
            return super().changelist_view(request, extra_context)

    def recorded(self, request):
        if request.method != "POST":
            return contextlib.nullcontext()
        return revisions.recorded(origin=Revision.Origin.ADMIN, curator=request.user)

    actions = [publish, unpublish]
    form = CitedForm
    slug_from: tuple[str, ...] = ("title",)

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj else {"slug": self.slug_from}

    def get_readonly_fields(self, request, obj=None):
        # A slug is an item's identity for links and the content files.
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "slug"] if obj else readonly

    def save_related(self, request, form, formsets, change):
        # Called after the item itself is saved: its inlines and links are too.
        super().save_related(request, form, formsets, change)
        page_cache.content_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        page_cache.content_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        page_cache.content_changed()


@admin.register(Source)
class SourceAdmin(ContentAdmin):
    list_display = ("title", "kind", "file_name", "published_on", "is_published")
    list_filter = ("kind", "is_published")
    search_fields = ("title", "slug", "file_name", "summary")
    form = forms.ModelForm
    # The text comes from the document's file: quotes are checked against it, so
    # it changes only with the file, through the content loader.
    readonly_fields = ("file_name", "text")


@admin.register(Resource)
class ResourceAdmin(ContentAdmin):
    list_display = ("title", "kind", "is_free", "url", "is_published")
    list_filter = ("kind", "is_free", "is_published")
    search_fields = ("title", "slug", "url")
    filter_horizontal = ("sources",)


class ConceptInline(admin.StackedInline):
    model = Concept
    form = CitedForm
    extra = 0
    fields = (
        "name",
        "slug",
        "kind",
        "position",
        "summary",
        "effort_hours",
        "effort_reason",
        "editorial",
        "sources",
        "quotes",
        # Beside the quotes its answer must name, so a curator editing a
        # skill's concepts here writes their prompts too, with the checks of
        # the concept's own page (Recalled.clean).
        "recall_prompt",
        "recall_answer",
        "is_published",
    )
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("sources",)
    show_change_link = True


class ChoiceGroupFormSet(forms.BaseInlineFormSet):
    """A skill's (a stage's) groups: each picks from 1 to as many members as it
    lists, all of them its owner's items, none in two groups, and says why; the
    rules the content loader applies to the files."""

    members_field = "concepts"
    owner_attname = "skill_id"

    def clean(self):
        super().clean()
        noun = self.model._meta.get_field(self.members_field).related_model
        noun = noun._meta.verbose_name
        owner = self.fk.related_model._meta.verbose_name
        taken: dict[int, str] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            members = list(data.get(self.members_field) or [])
            for member in members:
                if getattr(member, self.owner_attname) != self.instance.pk:
                    form.add_error(
                        self.members_field,
                        f"“{member}” is not one of this {owner}'s {noun}s.",
                    )
                elif member.pk in taken:
                    form.add_error(
                        self.members_field,
                        f"“{member}” is already in the group “{taken[member.pk]}”; "
                        f"a {noun} is in at most one group.",
                    )
                else:
                    taken[member.pk] = data.get("title", "")
            pick = data.get("pick")
            if pick and pick > len(members):
                form.add_error(
                    "pick",
                    f"The group lists {len(members)} {noun}(s); it cannot ask for "
                    f"{pick}.",
                )
            if not (data.get("quotes") or data.get("editorial")):
                form.add_error(
                    None,
                    "Say why the learner may choose: quote the passage that offers "
                    "the choice, or write Waymark's note.",
                )


class ConceptChoiceInline(admin.StackedInline):
    """ "Any N of these" among the skill's concepts."""

    model = ChoiceGroup
    fk_name = "skill"
    form = CitedForm
    formset = ChoiceGroupFormSet
    extra = 0
    verbose_name = "choice group"
    fields = (
        "title",
        "slug",
        "pick",
        "position",
        "concepts",
        "editorial",
        "sources",
        "quotes",
    )
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("concepts", "sources")


class StepChoiceFormSet(ChoiceGroupFormSet):
    members_field = "steps"
    owner_attname = "stage_id"


class StepChoiceInline(ConceptChoiceInline):
    """ "Any N of these" among the stage's steps."""

    fk_name = "stage"
    formset = StepChoiceFormSet
    fields = (
        "title",
        "slug",
        "pick",
        "position",
        "steps",
        "editorial",
        "sources",
        "quotes",
    )
    filter_horizontal = ("steps", "sources")


@admin.register(Skill)
class SkillAdmin(ContentAdmin):
    slug_from = ("name",)
    list_display = ("name", "kind", "is_published")
    list_filter = ("kind", "is_published", "roles")
    search_fields = ("name", "slug", "summary")
    filter_horizontal = ("sources",)
    inlines = [ConceptInline, ConceptChoiceInline]


@admin.register(Concept)
class ConceptAdmin(ContentAdmin):
    slug_from = ("name",)
    list_display = ("name", "skill", "kind", "position", "is_published")
    list_editable = ("position",)
    list_filter = ("kind", "is_published", "skill")
    list_select_related = ("skill",)
    search_fields = ("name", "slug", "summary", "skill__name")
    filter_horizontal = ("sources",)
    autocomplete_fields = ("skill",)


class RoleFactInline(admin.StackedInline):
    model = RoleFact
    form = CitedForm
    extra = 0
    fields = ("kind", "position", "text", "editorial", "sources", "quotes")
    filter_horizontal = ("sources",)


class RoleSkillInline(admin.TabularInline):
    model = RoleSkill
    extra = 0
    fields = ("skill", "importance", "importance_basis", "position")
    autocomplete_fields = ("skill",)


class OrderedPartsInline(admin.TabularInline):
    """A role's stages, a stage's steps: in order, each opened on its own page."""

    extra = 0
    fields = ("position", "title", "slug", "is_published")
    prepopulated_fields = {"slug": ("title",)}
    show_change_link = True


class StageInline(OrderedPartsInline):
    model = Stage


def content_archive(slug: str) -> bytes:
    """A role as a content file (the exporter's), in a .zip with the texts of
    its sources in the sources/ folder beside it: what the upload takes back."""
    data = content.export_role(slug)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{slug}.yaml", content.dump(data))
        for name, body in content.documents(data).items():
            archive.writestr(f"{content.DOCUMENT_FOLDER}/{name}", body)
    return buffer.getvalue()


@admin.register(Role)
class RoleAdmin(ContentAdmin):
    list_display = ("title", "slug", "position", "is_published")
    list_editable = ("position",)
    list_filter = ("is_published",)
    search_fields = ("title", "slug", "tagline", "summary")
    filter_horizontal = ("sources", "salary_sources")
    inlines = [StageInline, RoleSkillInline, RoleFactInline]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "title",
                    "slug",
                    "tagline",
                    "summary",
                    "editorial",
                    "position",
                )
            },
        ),
        (
            "Sources and publishing",
            {"fields": ("sources", "quotes", "is_published")},
        ),
        (
            "Pay",
            {
                "fields": (
                    ("salary_amount", "salary_currency", "salary_period"),
                    "salary_region",
                    ("salary_cited", "salary_as_of"),
                    "salary_sources",
                    "salary_quotes",
                )
            },
        ),
    )

    def get_urls(self):
        download = path(
            "<path:object_id>/download/",
            self.admin_site.admin_view(self.download_view),
            name="roadmap_role_download",
        )
        return [download, *super().get_urls()]

    def download_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The role as a content file, a .zip ("Download as a content file")."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        role = self.get_object(request, unquote(object_id))
        if role is None:
            raise Http404("No such role.")
        response = HttpResponse(
            content_archive(role.slug), content_type="application/zip"
        )
        response["Content-Disposition"] = f'attachment; filename="{role.slug}.zip"'
        return response


class StepInline(OrderedPartsInline):
    model = LearningStep


@admin.register(Stage)
class StageAdmin(ContentAdmin):
    list_display = ("title", "role", "position", "is_published")
    list_editable = ("position",)
    list_filter = ("role", "is_published")
    list_select_related = ("role",)
    search_fields = ("title", "slug", "summary", "role__title")
    filter_horizontal = ("sources",)
    inlines = [StepInline, StepChoiceInline]


class StepResourceInline(admin.TabularInline):
    model = LearningStep.resources.through
    extra = 0
    verbose_name = "resource"
    verbose_name_plural = "resources"
    autocomplete_fields = ("resource",)


class LearningStepForm(CitedForm):
    class Meta:
        model = LearningStep
        fields = (
            "stage",
            "position",
            "title",
            "slug",
            "summary",
            "effort_hours",
            "effort_reason",
            "editorial",
            "skills",
            "concepts",
            "prerequisites",
            "sources",
            "quotes",
            "recall_prompt",
            "recall_answer",
            "is_published",
        )

    def clean_prerequisites(self):
        prerequisites = self.cleaned_data["prerequisites"]
        self.instance.check_prerequisites(step.pk for step in prerequisites)
        return prerequisites


@admin.register(LearningStep)
class LearningStepAdmin(ContentAdmin):
    form = LearningStepForm
    list_display = ("title", "stage", "position", "is_published")
    list_editable = ("position",)
    list_filter = ("is_published", "stage__role", "stage")
    list_select_related = ("stage__role",)
    search_fields = ("title", "slug", "summary", "stage__title")
    filter_horizontal = ("skills", "concepts", "prerequisites", "sources")
    autocomplete_fields = ("stage",)
    inlines = [StepResourceInline]


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    """Revisions are the record of what changed: read-only, but for the
    curator's note."""

    list_display = ("created_at", "origin", "curator", "files", "change_count")
    list_filter = ("origin", "roles")
    date_hierarchy = "created_at"
    readonly_fields = (
        "created_at",
        "origin",
        "curator",
        "files",
        "digest",
        "itemised",
        "roles",
    )
    fields = (
        "created_at",
        "origin",
        "curator",
        "files",
        "digest",
        "roles",
        "note",
        "itemised",
    )

    @admin.display(description="changes")
    def change_count(self, revision: Revision) -> int:
        return len(revision.changes)

    @admin.display(description="what changed")
    def itemised(self, revision: Revision):
        return format_html_join(
            "\n", "<p>{}</p>", ((revisions.describe(c),) for c in revision.changes)
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
