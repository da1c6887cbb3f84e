"""The mentor's side: the mentees table, read-only mentee pages, feedback, nudges.

Every view here starts from `get_visible_learner`, which answers 404 unless the
signed-in user mentors the learner right now, so an ended mentorship ends access
with the very next request.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_POST

from mentoring import feedback, rendering, skills_matrix
from mentoring.consent import mentoring_context
from mentoring.forms import CommentForm, EndorsementForm
from mentoring.models import (
    Comment,
    Endorsement,
    Mentorship,
    Nudge,
    get_visible_learner,
)
from mentoring.review_health import review_health
from progress import content_changes, figures
from progress.activity import learner_activity
from progress.mentees import cached_mentee_rows
from progress.models import (
    Evidence,
    ItemProgress,
    Level,
    ProgressEvent,
    SelfAssessment,
    Status,
)
from progress.pages import annotate_role_choices, annotate_stages, learner_map
from progress.views import safe_next
from progress.visibility import Audience
from roadmap import path_map
from roadmap.models import RoleSkill, Skill

SORTS = {
    "name": lambda row: row.learner.name.lower(),
    "active": lambda row: row.last_active.timestamp() if row.last_active else 0,
    "week": lambda row: row.finished_7_days,
    "month": lambda row: row.finished_30_days,
}


def private(response: HttpResponse) -> HttpResponse:
    """Another person's data: never stored by browsers or proxies."""
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store, " + response["Cache-Control"]
    return response


def mentee_url(learner, kind: str, item) -> str:
    return reverse("mentee_item", args=[learner.username, kind, item.slug])


# --- The hub: invitations, requests and the mentees table --------------------------


@login_required
@require_GET
def hub(request: HttpRequest) -> HttpResponse:
    """Rendered afresh on every request from data cached per mentee
    (`hub_context`); no mentor's HTML is stored."""
    context = hub_context(request.user, request.GET)
    return private(render(request, "mentoring/mentoring.html", context))


def hub_context(mentor, query) -> dict:
    """The hub from data cached per mentee: their row (`cached_mentee_rows`)
    and their part of the skills matrix (`skills_matrix.learner_cells`, and
    their review health: `review_health.cached_review_health`), so
    the page costs a fixed number of queries however many mentees there are.
    What repeats per mentee (the tables' rows, the cards) is written by
    `mentoring.rendering`, the rest by the templates. `query`: the page's
    sort, order, role and skill."""
    sort = query.get("sort", "name")
    if sort not in SORTS:
        sort = "name"
    descending = query.get("order") == "desc"
    consent = mentoring_context(mentor)
    # The mentees are those of the page's "People you mentor" (as `mentees_of`
    # gives them), read once for both.
    mentees = sorted(
        (m.learner for m in consent["my_mentees"] if m.learner.is_active),
        key=lambda learner: learner.username,
    )
    rows = cached_mentee_rows(mentees, stalled_days=settings.MENTORING_STALLED_DAYS)
    rows.sort(key=SORTS[sort], reverse=descending)
    matrix = skills_matrix.build(
        mentor,
        mentees,
        query.get("role", "")[:100],
        query.get("skill", "")[:100],
        followed=[entry.role for row in rows for entry in row.roles],
        health=True,
    )
    urls = rendering.dashboard_urls(mentees)
    return {
        **consent,
        "matrix": matrix,
        "matrix_heads_html": rendering.matrix_heads(matrix),
        "matrix_rows_html": rendering.matrix_rows(matrix, urls),
        "rows": rows,
        "rows_html": rendering.mentee_rows(rows, urls),
        "sort": sort,
        "order": "desc" if descending else "asc",
        "stalled_days": settings.MENTORING_STALLED_DAYS,
        "sort_columns": [
            ("name", "Name"),
            ("active", "Last active"),
            ("week", "Finished, 7 days"),
            ("month", "Finished, 30 days"),
        ],
    }


@login_required
@require_GET
def skills_csv(request: HttpRequest) -> HttpResponse:
    """The skills matrix as CSV (`role`: one role's skills, else all)."""
    mentees = list(Mentorship.objects.mentees_of(request.user).order_by("username"))
    matrix = skills_matrix.build(
        request.user, mentees, request.GET.get("role", "")[:100]
    )
    response = HttpResponse(
        skills_matrix.as_csv(matrix), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="mentees-skills.csv"'
    return private(response)


# --- Read-only views of a mentee -----------------------------------------------------


@login_required
@require_GET
def mentee_dashboard(request: HttpRequest, username: str) -> HttpResponse:
    learner = get_visible_learner(request, username)
    context = mentee_dashboard_context(learner)
    return private(render(request, "mentoring/mentee.html", context))


def mentee_dashboard_context(learner) -> dict:
    """What a mentor sees of a mentee: the same figures as the learner's own
    dashboard, their review health, their skills to endorse, what they share,
    and today's reminder."""
    roles = [
        follow.role
        for follow in learner.follows.filter(role__is_published=True).select_related(
            "role"
        )
    ]
    statuses = figures.statuses_for(learner)
    return {
        "learner": learner,
        "role_figures": figures.role_progress(learner, roles, statuses=statuses),
        "activity": learner_activity(learner),
        "review_health": review_health(learner),
        "recent": ProgressEvent.objects.filter(learner=learner)
        .select_related("step__stage__role", "concept__skill")
        .order_by("-created_at", "-id")[:12],
        "skills": skill_ratings(learner, roles),
        "endorse_help_id": ENDORSE_HELP_ID,
        "shared_notes": ItemProgress.objects.filter(learner=learner, note_shared=True)
        .exclude(note="")
        .select_related("step", "concept"),
        "evidence": Evidence.objects.filter(progress__learner=learner).select_related(
            "progress__step", "progress__concept"
        ),
        "nudged_today": Nudge.objects.filter(
            learner=learner, day=figures.local_today(learner)
        ).exists(),
    }


def skill_ratings(learner, roles=()) -> list[dict]:
    """Every skill of the learner's roles, and any other skill rated, with the
    learner's own levels and mentors' endorsements side by side, newest first
    (three queries). Mentors endorse from this list."""
    by_skill: dict[int, dict] = {}

    def entry_for(skill) -> dict:
        return by_skill.setdefault(skill.pk, ratings_entry(skill))

    audience = Audience.mentee(learner)
    visible_skills = Skill.objects.visible(audience.drafts)
    if roles:
        for role_skill in RoleSkill.objects.filter(
            role__in=roles, skill__in=visible_skills
        ).select_related("skill"):
            entry_for(role_skill.skill)
    for assessment in SelfAssessment.objects.filter(
        learner=learner, skill__in=visible_skills
    ).select_related("skill"):
        entry_for(assessment.skill)["self"].append(assessment)
    for endorsement in Endorsement.objects.filter(
        learner=learner, skill__in=visible_skills
    ).select_related("skill", "mentor"):
        entry_for(endorsement.skill)["endorsements"].append(endorsement)
    return sorted(by_skill.values(), key=lambda entry: entry["skill"].name)


def ratings_entry(skill) -> dict:
    """One skill's row: the learner's own levels, mentors' endorsements, and the
    form a mentor endorses it with."""
    form = EndorsementForm(skill=skill, described_by=ENDORSE_HELP_ID)
    return {"skill": skill, "self": [], "endorsements": [], "endorse_form": form}


ENDORSE_HELP_ID = "endorse-help"  # the text above the mentee's skills table


@login_required
@require_GET
def mentee_role(request: HttpRequest, username: str, slug: str) -> HttpResponse:
    learner = get_visible_learner(request, username)
    role = Audience.mentee(learner).role_for_page(slug)
    statuses = figures.statuses_for(learner)
    for stage in role.stages.all():
        for step in stage.steps.all():
            step.learner_status = statuses.get(("step", step.pk), Status.NOT_STARTED)
    for role_skill in role.role_skills.all():
        for concept in role_skill.skill.concepts.all():
            concept.learner_status = statuses.get(
                ("concept", concept.pk), Status.NOT_STARTED
            )
    (role_figures,) = figures.role_progress(learner, [role], statuses=statuses)
    annotate_stages(role, statuses, role_figures)  # notes are the learner's own
    annotate_role_choices(role, statuses, role_figures.groups)
    context = {
        "role": role,
        "learner": learner,
        "mentee": learner,  # skill and concept links open the mentee's pages
        "role_figures": role_figures,
        "role_map": learner_map(path_map.role_map(role), statuses, role_figures),
        "status_labels": Status.choices,
        "role_panel_template": "mentoring/_mentee_role_panel.html",
        "item_status_template": "mentoring/_status_readonly.html",
    }
    return private(render(request, "roadmap/role_detail.html", context))


def mentee_item_context(request: HttpRequest, learner, kind: str, item) -> dict:
    context = {
        "learner": learner,
        "kind": kind,
        "item": item,
        "comments": Comment.objects.filter(learner=learner, **{kind: item})
        .select_related("author")
        .order_by("created_at", "id"),
        "comment_form": CommentForm(),
        "comment_url": reverse(
            "mentee_comment", args=[learner.username, kind, item.slug]
        ),
    }
    if kind == "skill":
        context["ratings"] = next(
            (e for e in skill_ratings(learner) if e["skill"].pk == item.pk),
            ratings_entry(item),
        )
        context["endorsement_form"] = EndorsementForm()
    else:
        progress = ItemProgress.objects.filter(learner=learner, **{kind: item}).first()
        context["progress"] = progress
        context["status_label"] = (
            progress.get_status_display() if progress else Status.NOT_STARTED.label
        )
        context["evidence"] = list(progress.evidence.all()) if progress else []
        # What changed in the item since the mentee marked it, as they see it.
        context["changes"] = (
            content_changes.what_changed(kind, item, progress.status_changed_at)
            if content_changes.is_flagged(progress, item)
            else []
        )
        context["history"] = ProgressEvent.objects.filter(
            learner=learner, **{kind: item}
        )[:50]
    return context


@login_required
@require_GET
def mentee_item_page(
    request: HttpRequest, username: str, kind: str, slug: str
) -> HttpResponse:
    learner = get_visible_learner(request, username)
    item = Audience.mentee(learner).thread_item(kind, slug)
    context = mentee_item_context(request, learner, kind, item)
    return private(render(request, "mentoring/mentee_item.html", context))


# --- Feedback: comments, endorsements, nudges ----------------------------------------


@login_required
@require_POST
def comment(request: HttpRequest, username: str, kind: str, slug: str) -> HttpResponse:
    learner = get_visible_learner(request, username)
    item = Audience.mentee(learner).thread_item(kind, slug)
    form = CommentForm(request.POST)
    if not form.is_valid():
        context = mentee_item_context(request, learner, kind, item)
        context["comment_form"] = form
        return private(
            render(request, "mentoring/mentee_item.html", context, status=400)
        )
    feedback.comment(request.user, learner, kind, item, form.cleaned_data["body"])
    messages.success(request, f"Your comment is posted for {learner.name}.")
    return redirect(mentee_url(learner, kind, item) + "#comments")


@login_required
@require_POST
def endorse(request: HttpRequest, username: str, slug: str) -> HttpResponse:
    learner = get_visible_learner(request, username)
    skill = Audience.mentee(learner).skill(slug)
    form = EndorsementForm(request.POST)
    if not form.is_valid():
        context = mentee_item_context(request, learner, "skill", skill)
        context["endorsement_form"] = form
        return private(
            render(request, "mentoring/mentee_item.html", context, status=400)
        )
    level = form.cleaned_data["level"]
    feedback.endorse(request.user, learner, skill, level)
    messages.success(
        request,
        f"You endorsed {learner.name} in {skill.name} at {Level(level).label.lower()}.",
    )
    return redirect(safe_next(request, mentee_url(learner, "skill", skill)))


@login_required
@require_POST
def nudge(request: HttpRequest, username: str) -> HttpResponse:
    """Email the mentee a reminder, at most once a day; sent after commit."""
    learner = get_visible_learner(request, username)
    try:
        sent = feedback.nudge(request.user, learner)
    except feedback.NotReachable:
        messages.error(
            request,
            f"{learner.name} has no verified email address yet, so no reminder "
            "can reach them. Try again once they have confirmed it.",
        )
    else:
        if sent is None:
            messages.info(
                request,
                f"{learner.name} already got a reminder today. You can send "
                "another tomorrow.",
            )
        else:
            messages.success(request, f"A reminder is on its way to {learner.name}.")
    return redirect("mentee_dashboard", username=learner.username)
