"""The learner's side: statuses, the dashboard, notes and evidence, exports."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from config import caching
from progress import extensions, figures, learner_file
from progress.forms import EvidenceForm, NoteForm, SelfAssessmentForm
from progress.models import (
    Evidence,
    ItemProgress,
    Level,
    ProgressEvent,
    RoleFollow,
    SelfAssessment,
    Status,
)
from progress.visibility import Audience
from roadmap.models import Concept, LearningStep, Role, Skill

# --- Access helpers ---------------------------------------------------------------


def get_item(request: HttpRequest, kind: str, slug: str) -> LearningStep | Concept:
    """An item the signed-in person may open (see `progress.visibility`); else 404."""
    return Audience.of(request.user).item(kind, slug)


def get_role(request: HttpRequest, slug: str) -> Role:
    return Audience.of(request.user).role(slug)


def safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def item_url(kind: str, item: LearningStep | Concept) -> str:
    return reverse("progress_item", args=[kind, item.slug])


# --- Page hooks: progress on the public role and skill pages -----------------------


def annotate_statuses(items, kind: str, statuses: dict) -> None:
    for item in items:
        item.learner_status = statuses.get((kind, item.pk), Status.NOT_STARTED)


def role_page_context(request: HttpRequest, role: Role) -> dict:
    if not request.user.is_authenticated:
        return {"role_panel_template": "progress/_role_panel.html"}
    statuses = figures.statuses_for(request.user)
    for stage in role.stages.all():
        annotate_statuses(stage.steps.all(), "step", statuses)
    for role_skill in role.role_skills.all():
        annotate_statuses(role_skill.skill.concepts.all(), "concept", statuses)
    following = RoleFollow.objects.filter(learner=request.user, role=role).exists()
    (role_figures,) = figures.role_progress(request.user, [role], statuses=statuses)
    return {
        "role_panel_template": "progress/_role_panel.html",
        "item_status_template": "progress/_status_control.html",
        "following": following,
        "role_figures": role_figures,
        "status_choices": Status.choices,
        "progress_page": f"role:{role.slug}",
    }


def skill_page_context(request: HttpRequest, skill: Skill) -> dict:
    if not request.user.is_authenticated:
        return {"skill_panel_template": "progress/_skill_panel.html"}
    statuses = figures.statuses_for(request.user)
    concepts = list(skill.concepts.all())
    annotate_statuses(concepts, "concept", statuses)
    counts = figures.Counts()
    for concept in concepts:
        if concept.is_published:
            counts.add(concept.learner_status)
    assessments = list(
        SelfAssessment.objects.filter(learner=request.user, skill=skill)[:20]
    )
    return {
        **extensions.context("skill", request.user, skill),
        "skill_panel_template": "progress/_skill_panel.html",
        "item_status_template": "progress/_status_control.html",
        "skill_figures": counts,
        "assessments": assessments,
        "assessment_form": SelfAssessmentForm(
            initial={"level": assessments[0].level if assessments else None}
        ),
        "status_choices": Status.choices,
        "progress_page": f"skill:{skill.slug}",
    }


# --- Following roles -------------------------------------------------------------


@login_required
@require_POST
def follow_role(request: HttpRequest, slug: str) -> HttpResponse:
    role = get_role(request, slug)
    _, created = RoleFollow.objects.get_or_create(learner=request.user, role=role)
    if created:
        caching.bump("learner", request.user.pk)
        messages.success(request, f"You now follow {role.title}.")
    return redirect(safe_next(request, role.get_absolute_url()))


@login_required
@require_POST
def leave_role(request: HttpRequest, slug: str) -> HttpResponse:
    # The learner's own follow: a role retired since can still be left.
    follow = (
        RoleFollow.objects.filter(learner=request.user, role__slug=slug)
        .select_related("role")
        .first()
    )
    if follow is None:
        get_role(request, slug)  # 404 for a role this person may not see
    else:
        follow.delete()
        caching.bump("learner", request.user.pk)
        messages.success(
            request,
            f"You no longer follow {follow.role.title}. Your statuses and notes are "
            "kept.",
        )
    return redirect(safe_next(request, reverse("dashboard")))


@login_required
@require_http_methods(["GET", "POST"])
def reset_role(request: HttpRequest, slug: str) -> HttpResponse:
    """Set every item of a role back to "not started", after a confirmation."""
    role = get_role(request, slug)
    steps = LearningStep.objects.filter(stage__role=role)
    concepts = Concept.objects.filter(skill__role_skills__role=role).distinct()
    touched = ItemProgress.objects.filter(learner=request.user).exclude(
        status=Status.NOT_STARTED
    )
    step_rows = touched.filter(step__in=steps).select_related("step")
    concept_rows = touched.filter(concept__in=concepts).select_related("concept")
    if request.method == "POST":
        with transaction.atomic():
            for row in [*step_rows, *concept_rows]:
                ItemProgress.objects.set_status(
                    request.user, row.item, Status.NOT_STARTED
                )
        messages.success(
            request,
            f"Progress on {role.title} is reset. Notes, evidence and history are kept.",
        )
        return redirect(role.get_absolute_url())
    shared = concept_rows.filter(
        concept__skill__role_skills__role__follows__learner=request.user
    ).exclude(concept__skill__role_skills__role=role)
    other_roles = (
        Role.objects.filter(follows__learner=request.user)
        .exclude(pk=role.pk)
        .filter(role_skills__skill__concepts__in=concepts)
        .distinct()
    )
    return render(
        request,
        "progress/reset_confirm.html",
        {
            "role": role,
            "step_count": step_rows.count(),
            "concept_count": concept_rows.count(),
            "other_roles": other_roles,
            "shared": shared,
        },
    )


# --- Statuses ---------------------------------------------------------------------


def _oob_fragments(request: HttpRequest, page: str) -> list[str]:
    """Every progress figure on the page the change came from, re-rendered."""
    kind, _, slug = page.partition(":")
    user = request.user
    if kind == "role":
        follows = RoleFollow.objects.filter(learner=user, role=OuterRef("pk"))
        role = (
            Audience.of(user)
            .roles()
            .filter(slug=slug)
            .annotate(following=Exists(follows))
            .first()
        )
        if role is None:
            return []
        (role_figures,) = figures.role_progress(user, [role])
        context = {
            "role": role,
            "role_figures": role_figures,
            "following": role.following,
        }
        return [_render_oob(request, "progress/_role_panel.html", context)]
    if kind == "skill":
        skill = Audience.of(user).skill_or_none(slug)
        if skill is None:
            return []
        statuses = figures.statuses_for(user)
        counts = figures.Counts()
        for concept in Concept.objects.published().filter(skill=skill):
            counts.add(statuses.get(("concept", concept.pk), Status.NOT_STARTED))
        context = {"skill": skill, "skill_figures": counts}
        return [_render_oob(request, "progress/_skill_panel.html#figures", context)]
    if kind == "dashboard":
        context = dashboard_context(request)
        return [
            _render_oob(request, "progress/dashboard.html#roles", context),
            _render_oob(request, "progress/dashboard.html#activity", context),
        ]
    return []


def _render_oob(request: HttpRequest, template: str, context: dict) -> str:
    return render_to_string(template, {**context, "oob": True}, request=request)


@login_required
@require_POST
def set_status(request: HttpRequest, kind: str, slug: str) -> HttpResponse:
    item = get_item(request, kind, slug)
    status = request.POST.get("status", "")
    if status not in Status.values:
        choices = ", ".join(Status.values)
        return HttpResponseBadRequest(
            f"Unknown status {status[:40]!r}. Choose one of: {choices}.",
            content_type="text/plain; charset=utf-8",
        )
    ItemProgress.objects.set_status(request.user, item, status)
    label = Status(status).label.lower()
    if not request.htmx:
        messages.success(request, f"Marked “{item}” as {label}.")
        return redirect(safe_next(request, item_url(kind, item)))
    item.learner_status = status
    page = request.POST.get("page", "")
    control = render_to_string(
        "progress/_status_control.html",
        {
            "item": item,
            "kind": kind,
            "status_choices": Status.choices,
            "progress_page": page,
            # The control adds its own #status-… anchor: keep one, not one a click.
            "next_url": safe_next(request, item_url(kind, item)).partition("#")[0],
        },
        request=request,
    )
    response = HttpResponse(control + "".join(_oob_fragments(request, page)))
    return trigger_client_event(
        response, "waymark:announce", {"message": f"“{item}” marked as {label}."}
    )


@login_required
@require_POST
def undo(request: HttpRequest) -> HttpResponse:
    """Revert the learner's latest status change (itself recorded as a change)."""
    event = (
        ProgressEvent.objects.filter(learner=request.user)
        .select_related("step", "concept")
        .first()
    )
    if event is None:
        messages.info(request, "There is nothing to undo.")
    else:
        ItemProgress.objects.set_status(request.user, event.item, event.from_status)
        messages.success(
            request,
            f"Undone: “{event.item}” is {Status(event.from_status).label.lower()} "
            "again.",
        )
    return redirect(safe_next(request, reverse("dashboard")))


# --- The item page: status, note, evidence, history --------------------------------


def item_context(request: HttpRequest, kind: str, item) -> dict:
    progress = ItemProgress.objects.filter(learner=request.user).for_item(item).first()
    item.learner_status = progress.status if progress else Status.NOT_STARTED
    history = ProgressEvent.objects.filter(learner=request.user).filter(**{kind: item})[
        :50
    ]
    return {
        "item": item,
        "kind": kind,
        "progress": progress,
        "evidence": list(progress.evidence.all()) if progress else [],
        "history": history,
        "note_form": NoteForm(
            initial={
                "note": progress.note if progress else "",
                "shared": progress.note_shared if progress else False,
            }
        ),
        **extensions.context("item", request.user, kind, item),
        "evidence_form": EvidenceForm(),
        "status_choices": Status.choices,
        "progress_page": "item",
        "next_url": item_url(kind, item),
    }


@login_required
@never_cache
@require_GET
def item_page(request: HttpRequest, kind: str, slug: str) -> HttpResponse:
    item = get_item(request, kind, slug)
    return render(request, "progress/item.html", item_context(request, kind, item))


@login_required
@require_POST
def save_note(request: HttpRequest, kind: str, slug: str) -> HttpResponse:
    item = get_item(request, kind, slug)
    form = NoteForm(request.POST)
    context = item_context(request, kind, item)
    if form.is_valid():
        progress = ItemProgress.objects.save_note(
            request.user, item, form.cleaned_data["note"], form.cleaned_data["shared"]
        )
        context.update(
            progress=progress,
            note_form=NoteForm(
                initial={"note": progress.note, "shared": progress.note_shared}
            ),
            saved=True,
        )
        if not request.htmx:
            messages.success(request, "Note saved.")
            return redirect(item_url(kind, item))
        response = render(request, "progress/item.html#note", context)
        return trigger_client_event(
            response, "waymark:announce", {"message": "Note saved."}
        )
    context["note_form"] = form
    template = "progress/item.html#note" if request.htmx else "progress/item.html"
    return render(request, template, context, status=200 if request.htmx else 400)


@login_required
@require_POST
def add_evidence(request: HttpRequest, kind: str, slug: str) -> HttpResponse:
    item = get_item(request, kind, slug)
    form = EvidenceForm(request.POST)
    context = item_context(request, kind, item)
    progress = context["progress"]
    if form.is_valid() and len(context["evidence"]) >= EvidenceForm.MAX_PER_ITEM:
        form.add_error(
            None, f"An item holds at most {EvidenceForm.MAX_PER_ITEM} evidence links."
        )
    if form.is_valid():
        if progress is None:
            progress, _ = ItemProgress.objects.get_or_create(
                learner=request.user, **{kind: item}
            )
        Evidence.objects.create(progress=progress, **form.cleaned_data)
        caching.bump("learner", request.user.pk)
        if not request.htmx:
            messages.success(request, "Evidence added.")
            return redirect(item_url(kind, item))
        context = item_context(request, kind, item)
        response = render(request, "progress/item.html#evidence", context)
        return trigger_client_event(
            response, "waymark:announce", {"message": "Evidence added."}
        )
    context["evidence_form"] = form
    template = "progress/item.html#evidence" if request.htmx else "progress/item.html"
    return render(request, template, context, status=200 if request.htmx else 400)


@login_required
@require_POST
def delete_evidence(
    request: HttpRequest, kind: str, slug: str, pk: int
) -> HttpResponse:
    item = get_item(request, kind, slug)
    evidence = get_object_or_404(
        Evidence.objects.filter(progress__learner=request.user).filter(
            **{f"progress__{kind}": item}
        ),
        pk=pk,
    )
    evidence.delete()
    caching.bump("learner", request.user.pk)
    if not request.htmx:
        messages.success(request, "Evidence removed.")
        return redirect(item_url(kind, item))
    response = render(
        request, "progress/item.html#evidence", item_context(request, kind, item)
    )
    return trigger_client_event(
        response, "waymark:announce", {"message": "Evidence removed."}
    )


# --- Self-assessment -----------------------------------------------------------------


@login_required
@require_POST
def assess_skill(request: HttpRequest, slug: str) -> HttpResponse:
    skill = Audience.of(request.user).skill(slug)
    form = SelfAssessmentForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(
            "Choose a level: " + ", ".join(label for _, label in Level.choices) + ".",
            content_type="text/plain; charset=utf-8",
        )
    level = form.cleaned_data["level"]
    latest = SelfAssessment.objects.filter(learner=request.user, skill=skill).first()
    if latest is None or latest.level != level:
        SelfAssessment.objects.create(learner=request.user, skill=skill, level=level)
        caching.bump("learner", request.user.pk)
    messages.success(
        request, f"Your level in {skill.name}: {Level(level).label.lower()}."
    )
    return redirect(safe_next(request, skill.get_absolute_url()))


# --- The dashboard -------------------------------------------------------------------


def dashboard_context(request: HttpRequest) -> dict:
    """Everything the dashboard shows (its out-of-band updates render from it)."""
    user = request.user
    return {**_dashboard_figures_context(user), **extensions.context("dashboard", user)}


def _dashboard_figures_context(user) -> dict:
    follows, role_figures, activity, recent = _dashboard_figures(user)
    return {
        "role_figures": role_figures,
        "activity": activity,
        "recent": recent,
        "status_choices": Status.choices,
        "progress_page": "dashboard",
        "next_url": reverse("dashboard"),
        "other_roles": list(
            Audience.of(user)
            .roles()
            .exclude(pk__in=[follow.role_id for follow in follows])
        ),
    }


def _dashboard_figures(user) -> tuple:
    follows = list(
        RoleFollow.objects.filter(learner=user, role__is_published=True)
        .select_related("role")
        .order_by("started_at")
    )
    statuses = figures.statuses_for(user)
    role_figures = figures.role_progress(
        user, [follow.role for follow in follows], statuses=statuses
    )
    for progress in role_figures:
        if progress.continue_with:
            progress.continue_with.learner_status = statuses.get(
                ("step", progress.continue_with.pk), Status.NOT_STARTED
            )
    recent = list(
        ProgressEvent.objects.filter(learner=user)
        .select_related("step__stage__role", "concept__skill")
        .order_by("-created_at", "-id")[:12]
    )
    activity = figures.activity(user)
    return follows, role_figures, activity, recent


@login_required
@never_cache
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    parts = caching.cached_parts(
        request,
        lambda token: _dashboard_parts(request, token),
        **figures.learner_entry(request.user, "dashboard"),
    )
    return render(request, "progress/dashboard.html", {"parts": parts})


def _dashboard_parts(request: HttpRequest, csrf_token: str) -> dict:
    """The dashboard's parts, rendered once per change of the learner's data
    (feedback included) or the content: the page's one cache."""
    context = {
        **dashboard_context(request),
        "user": request.user,
        "csrf_token": csrf_token,
    }
    return {
        name: render_to_string(f"progress/dashboard.html#{name}", context)
        for name in ("roles", "feedback", "activity")
    }


# --- Exports --------------------------------------------------------------------------


@login_required
@never_cache
@require_GET
def export_json(request: HttpRequest) -> HttpResponse:
    response = JsonResponse(
        learner_file.export_data(request.user), json_dumps_params={"indent": 2}
    )
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = (
        f'attachment; filename="waymark-{request.user.username}-{stamp}.json"'
    )
    return response


@login_required
@never_cache
@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = (
        f'attachment; filename="waymark-{request.user.username}-{stamp}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(
        ["kind", "slug", "title", "where", "status", "retired", "status_changed_at"]
    )
    rows = ItemProgress.objects.filter(learner=request.user).select_related(
        "step__stage__role", "concept__skill"
    )
    for row in rows:
        item = row.item
        where = (
            f"{item.stage.role.title} / {item.stage.title}"
            if row.step_id
            else item.skill.name
        )
        writer.writerow(
            [
                row.item_kind,
                item.slug,
                _csv_safe(str(item)),
                _csv_safe(where),
                row.status,
                "yes" if not item.is_published else "no",
                row.status_changed_at.isoformat() if row.status_changed_at else "",
            ]
        )
    return response


def _csv_safe(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


# --- The public profile -----------------------------------------------------------


@never_cache
@require_GET
def public_profile(request: HttpRequest, username: str) -> HttpResponse:
    """Shown only when the learner switched it on; otherwise the same 404 as a
    missing user. Never cached: switching it off takes effect at once, even
    behind a shared cache."""
    user = get_object_or_404(
        get_user_model(), username=username, public_profile=True, is_active=True
    )
    follows = RoleFollow.objects.filter(
        learner=user, role__is_published=True
    ).select_related("role")
    return render(
        request,
        "progress/profile.html",
        {
            "profile_user": user,
            "role_figures": figures.role_progress(user, [f.role for f in follows]),
            "activity": figures.activity(user),
        },
    )
