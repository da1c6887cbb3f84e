"""The learner's pages, composed: the signed-in role and skill pages (routed by
`progress.views.role_detail` and `skill_detail`), the dashboard's parts, and the panels
that a status change re-renders on the page it came from.

Each panel's context is built here, once: the role panel by `role_panel`, the
skill panel by `skill_panel`, the dashboard by `dashboard_context`. The role
page itself is filled from a shared skeleton (`progress.role_page`).
"""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from progress import content_changes, figures, reviews
from progress.activity import learner_activity
from progress.forms import GoalForm, SelfAssessmentForm
from progress.models import (
    BulkChange,
    ItemProgress,
    ProgressEvent,
    ReviewSettings,
    RoleFollow,
    SelfAssessment,
    Status,
)
from progress.plan import Goal, goals_of
from progress.structure import (
    GROUP_COLUMNS,
    Groups,
    concept_groups,
    role_structure,
    skill_groups,
)
from progress.visibility import Audience
from roadmap import path_map
from roadmap.models import (
    CONCEPT_HOUR_COLUMNS,
    Concept,
    Role,
    Skill,
    citations_of,
    sees_drafts,
)
from roadmap.views import shows_overview

STATUS_CONTROL = "progress/_status_control.html"
ROLE_PANEL = "progress/_role_panel.html"
SKILL_PANEL = "progress/_skill_panel.html"


def annotate_role_choices(role, statuses: dict, groups) -> None:
    """The choice marks of the role's steps and concepts (`groups`: the role's
    figures')."""
    for stage in role.stages.all():
        annotate_choices(stage.steps.all(), "step", statuses, groups)
    for role_skill in role.role_skills.all():
        annotate_choices(role_skill.skill.concepts.all(), "concept", statuses, groups)


def item_citations(user, item) -> list:
    """The sources an item cites, with the passage quoted from each, as the role
    page shows them: drafts only to those who see drafts; one query."""
    sources = item.sources.visible(sees_drafts(user)).defer("text")
    return citations_of(sources, item.quotes)


def annotate_statuses(items, kind: str, statuses: dict) -> None:
    for item in items:
        item.learner_status = statuses.get((kind, item.pk), Status.NOT_STARTED)


# --- Choice groups on the learner's pages -----------------------------------------

CHOSEN = (Status.DONE, Status.LEARNING)


def choice_marks(statuses: dict, groups: Groups) -> dict:
    """Each choice-group member's mark: "chosen" where the learner is learning
    or has done it; "optional" for the others once `pick` members are done
    (the group is met, as `figures.count_items` counts it); else ""."""
    members: dict[tuple[int, int], list] = {}
    for key, group in groups.items():
        members.setdefault(group, []).append(key)
    marks = {}
    for (_group, pick), keys in members.items():
        found = {key: statuses.get(key, Status.NOT_STARTED) for key in keys}
        met = sum(status == Status.DONE for status in found.values()) >= pick
        for key, status in found.items():
            marks[key] = "chosen" if status in CHOSEN else "optional" if met else ""
    return marks


def choice_mark(key, mark: str, *, oob: bool = False) -> str:
    """A member's mark as its status control shows it (an empty mark keeps its
    place, for a status change elsewhere in the group to fill)."""
    return format_html(
        '<span class="choice__mark{}" id="choice-mark-{}-{}"{}>{}</span>',
        f" choice__mark--{mark}" if mark else "",
        key[0],
        key[1],
        mark_safe(' hx-swap-oob="true"') if oob else "",
        mark,
    )


def annotate_choices(items, kind: str, statuses: dict, groups) -> None:
    """Each item in a choice group gets its `choice_mark`."""
    marks = choice_marks(statuses, groups)
    for item in items:
        if (kind, item.pk) in marks:
            item.choice_mark = choice_mark((kind, item.pk), marks[(kind, item.pk)])


# --- Panels -------------------------------------------------------------------------


def concept_counts(concepts, statuses: dict, groups: Groups) -> figures.Counts:
    """A skill's figures: its published concepts by the learner's status, its
    choice groups (`groups`) counted as the role's figures count them."""
    return figures.skill_counts(skill_concepts(concepts), statuses, groups)


def role_panel(learner, role: Role, statuses: dict | None = None) -> dict:
    """The role page's progress panel: the learner's figures for the role,
    whether they follow it (`role.following`: their follow or None, read here
    when not set), its items changed since they marked them and those added
    since their last visit."""
    if not hasattr(role, "following"):
        role.following = RoleFollow.objects.filter(learner=learner, role=role).first()
    (role_figures,) = figures.role_progress(learner, [role], statuses=statuses)
    return {
        "role": role,
        "role_figures": role_figures,
        "following": role.following is not None,
        "changed": content_changes.Listing(
            content_changes.changed_since_marked(learner, role)
        ),
        "added": content_changes.added_since(learner, role, role.following),
    }


def follow_of(follows: list[RoleFollow], role: Role) -> RoleFollow | None:
    """The learner's follow of `role` among their `follows`, or None."""
    return next((follow for follow in follows if follow.role_id == role.pk), None)


def skill_panel(
    learner, skill: Skill, statuses: dict | None = None, assessment_form=None
) -> dict:
    """The skill page's panel: concept figures, self-assessments (`assessment_form`
    is a refused rating, shown with its error). Mentors' endorsements and feedback
    are added by the template (`mentor_feedback`)."""
    statuses = figures.statuses_for(learner) if statuses is None else statuses
    counts = concept_counts(skill.concepts.all(), statuses, skill_groups(skill))
    assessments = list(SelfAssessment.objects.filter(learner=learner, skill=skill)[:20])
    return {
        "skill": skill,
        "skill_figures": counts,
        "assessments": assessments,
        "assessment_form": assessment_form
        or SelfAssessmentForm(
            initial={"level": assessments[0].level if assessments else None}
        ),
    }


# --- The signed-in role and skill pages ----------------------------------------------


def learner_map(
    path: path_map.PathMap | None, statuses: dict, role_figures, *, oob: bool = False
):
    """The map of a role's path with a learner's statuses and their next step:
    the same for the learner's role page, their mentor's view of it and the
    answer to a status change (`oob`: to replace the one on the page)."""
    if path is None:
        return path_map.render(None)
    next_step = role_figures.next_step
    return path_map.render(
        path,
        {
            node.pk: statuses.get(("step", node.pk), Status.NOT_STARTED)
            for node in path.nodes
        },
        next_step.pk if next_step else None,
        dict(Status.choices),
        oob=oob,
    )


NOTE_MARK = "You have a note here."


def noted_items(learner) -> set:
    """The items the learner keeps a note on (the role page marks them)."""
    return {
        ("step", step_id) if step_id else ("concept", concept_id)
        for step_id, concept_id in ItemProgress.objects.filter(learner=learner)
        .exclude(note="")
        .values_list("step_id", "concept_id")
    }


def statuses_and_notes(learner) -> tuple[dict, set]:
    """The learner's statuses (as `figures.statuses_for` gives them) and the
    items they keep a note on (as `noted_items`), in one query: the role
    page's data."""
    statuses, noted = {}, set()
    rows = (
        ItemProgress.objects.filter(learner=learner)
        .annotate(noted=~Q(note=""))
        .values_list("step_id", "concept_id", "status", "noted")
    )
    for step_id, concept_id, status, has_note in rows:
        key = ("step", step_id) if step_id else ("concept", concept_id)
        statuses[key] = status
        if has_note:
            noted.add(key)
    return statuses, noted


# --- Freshness: a done item whose predicted recall has fallen below the learner's
# target retention is fading (`reviews.fading`); done stays done, and the role
# and skill pages mark it beside its status.


def learner_follows(learner) -> list[RoleFollow]:
    """The roles the learner follows as the pages count them (`shown`), each
    with the learner's review pacing: one query tells whether they follow a
    role and, with `fading_items`, what is fading."""
    return list(
        RoleFollow.objects.filter(learner=learner)
        .shown()
        .select_related("learner__review_settings")
    )


def fading_items(learner, follows: list[RoleFollow]) -> set:
    """The learner's fading items now, (kind, id), with the pacing that came
    with `follows` (`learner_follows`): one query, none without a role whose
    reviews are on."""
    if not follows:
        return set()
    try:
        pacing = follows[0].learner.review_settings
    except ReviewSettings.DoesNotExist:
        pacing = ReviewSettings(learner=learner)  # the defaults
    return reviews.fading(learner, follows, timezone.now(), pacing)


def fading_mark(item) -> str:
    """A fading item's mark beside its status: in words, not colour alone, and
    the way to review it (the space before it parts it from a status in words)."""
    return format_html(
        ' <span class="fading">fading<span class="visually-hidden"> from memory: '
        '{}</span> <span aria-hidden="true">·</span> <a href="{}">review it</a>'
        "</span>",
        item,
        reverse("reviews"),
    )


def annotate_fading(items, kind: str, fading: set) -> None:
    """Each fading item gets its `fading_mark` (a page rendered directly; the
    role page's skeleton has a slot for it)."""
    for item in items:
        if (kind, item.pk) in fading:
            item.fading_mark = fading_mark(item)


def skill_concepts(concepts) -> list[tuple[int, float]]:
    """The published ones of a skill's (prefetched) `concepts`, (id, hours) in
    its order: what `figures.skill_counts` counts."""
    return [(c.pk, c.planned_hours) for c in concepts if c.is_published]


def skill_progress(
    concepts: list[tuple[int, float]], statuses: dict, groups: Groups, fading: set
) -> str:
    """A skill's line on the role page's overview, in place of its concepts
    (they are on the skill's page, and in the role page's "Everything"): its
    figures as its own page counts them (`figures.skill_counts`) and how many
    of its done concepts are fading from memory. Empty without concepts."""
    if not concepts:
        return ""
    counts = figures.skill_counts(concepts, statuses, groups)
    parts = [f"{counts.percent}% done: {counts.done} of {counts.counted} concepts done"]
    if counts.learning:
        parts.append(f"{counts.learning} learning")
    if counts.skipped:
        parts.append(f"{counts.skipped} skipped")
    fading_count = sum(("concept", pk) in fading for pk, _hours in concepts)
    if fading_count:
        parts.append(f"{fading_count} fading from memory")
    return format_html('<p class="skill-progress meta">{}</p>', ", ".join(parts))


def annotate_skills(role, statuses: dict, groups: Groups, fading: set) -> None:
    """Each skill's line on the overview, for a page rendered directly (the
    skeleton has a slot for it)."""
    for role_skill in role.role_skills.all():
        skill = role_skill.skill
        skill.progress_text = skill_progress(
            skill_concepts(skill.concepts.all()), statuses, groups, fading
        )


def stage_progress(step_ids, statuses: dict, groups: Groups) -> str:
    """A stage's summary line: how many of its published steps the learner has
    done (skipped steps do not count, and a choice group counts as its pick,
    as in the percentage)."""
    keys = [("step", pk) for pk in step_ids]
    counts = figures.count_items(keys, statuses, groups)
    return f"{counts.done} of {counts.counted} done"


def counted_steps(stage) -> list[int]:
    """The steps a stage's summary counts: its published ones (from the stage's
    prefetched steps; `_stage_progress_oob` reads the same from the figures'
    structure)."""
    return [step.pk for step in stage.steps.all() if step.is_published]


def _stage_progress_oob(structure, stage_id: int, statuses: dict) -> str:
    """A stage's summary, to replace the one on the role page: its published
    steps as the figures count them (the role's cached structure, no query)."""
    steps = [s.pk for s in structure.steps if s.stage_id == stage_id]
    text = stage_progress(steps, statuses, structure.groups)
    return format_html(
        '<span class="stage__progress" id="stage-progress-{}" hx-swap-oob="true">'
        "{}</span>",
        stage_id,
        text,
    )


def open_stage(role_figures) -> int | None:
    """The stage shown open on the role page: the one to continue in."""
    step = role_figures.next_step if role_figures else None
    return step.stage_id if step else None


def annotate_stages(role, statuses, role_figures, noted=frozenset()) -> None:
    """What each stage's summary says and whether it starts open, and the
    note marks: for a page rendered directly (the skeleton has slots)."""
    opened = open_stage(role_figures)
    for stage in role.stages.all():
        stage.progress_text = stage_progress(
            counted_steps(stage), statuses, role_figures.groups if role_figures else {}
        )
        stage.open_attr = " open" if stage.pk == opened else ""
        for step in stage.steps.all():
            step.note_mark = NOTE_MARK if ("step", step.pk) in noted else ""


def role_page_context(learner, role: Role, *, overview: bool = False) -> dict:
    """The role page with the learner's statuses and panel, rendered directly
    (the skeleton in `progress.role_page` gives the same page); `overview`:
    the page's overview rather than everything (`roadmap.views.shows_overview`)."""
    statuses = figures.statuses_for(learner)
    for stage in role.stages.all():
        annotate_statuses(stage.steps.all(), "step", statuses)
    for role_skill in role.role_skills.all():
        annotate_statuses(role_skill.skill.concepts.all(), "concept", statuses)
    follows = learner_follows(learner)
    if role.is_published:  # the follows read are of published roles (`shown`)
        role.following = follow_of(follows, role)
    panel = role_panel(learner, role, statuses)
    annotate_role_choices(role, statuses, panel["role_figures"].groups)
    annotate_stages(role, statuses, panel["role_figures"], noted_items(learner))
    fading = fading_items(learner, follows)
    for stage in role.stages.all():
        annotate_fading(stage.steps.all(), "step", fading)
    for role_skill in role.role_skills.all():
        annotate_fading(role_skill.skill.concepts.all(), "concept", fading)
    annotate_skills(role, statuses, panel["role_figures"].groups, fading)
    return {
        **panel,
        "role_map": learner_map(
            path_map.role_map(role), statuses, panel["role_figures"]
        ),
        "role_panel_template": ROLE_PANEL,
        "item_status_template": STATUS_CONTROL,
        "status_choices": Status.choices,
        "overview": overview,
    }


def signed_in_skill_page(
    request: HttpRequest, slug: str, assessment_form=None, status: int = 200
) -> HttpResponse:
    audience = Audience.of(request.user)
    skill = audience.skill_for_page(slug)
    statuses = figures.statuses_for(request.user)
    annotate_statuses(skill.concepts.all(), "concept", statuses)
    groups = skill_groups(skill)
    annotate_choices(skill.concepts.all(), "concept", statuses, groups)
    # Only a done concept fades: a skill with none done asks nothing more.
    if any(
        statuses.get(("concept", c.pk)) == Status.DONE for c in skill.concepts.all()
    ):
        fading = fading_items(request.user, learner_follows(request.user))
        annotate_fading(skill.concepts.all(), "concept", fading)
    context = {
        **skill_panel(request.user, skill, statuses, assessment_form),
        "skill_panel_template": SKILL_PANEL,
        "item_status_template": STATUS_CONTROL,
        "status_choices": Status.choices,
    }
    return render(request, "roadmap/skill_detail.html", context, status=status)


def reset_confirmation(learner, role: Role) -> dict:
    """What resetting a role would change, for the learner to confirm: the
    counts, and the concepts it shares with other roles the learner follows."""
    started = ItemProgress.objects.started_in_role(learner, role)
    concepts = Concept.objects.filter(skill__role_skills__role=role)
    concept_rows = started.filter(concept__isnull=False).select_related("concept")
    return {
        "role": role,
        "step_count": started.filter(step__isnull=False).count(),
        "concept_count": concept_rows.count(),
        "other_roles": Role.objects.filter(follows__learner=learner)
        .exclude(pk=role.pk)
        .filter(role_skills__skill__concepts__in=concepts)
        .distinct(),
        "shared": concept_rows.filter(
            concept__skill__role_skills__role__follows__learner=learner
        ).exclude(concept__skill__role_skills__role=role),
    }


# --- The dashboard -----------------------------------------------------------------


# What the dashboard's recent changes show of each event: it is cached, so it
# keeps no more than it needs.
RECENT_FIELDS = (
    "from_status",
    "to_status",
    "created_at",
    "step__slug",
    "step__title",
    "step__is_published",
    "step__stage__role__title",
    "concept__slug",
    "concept__name",
    "concept__is_published",
    "concept__skill__name",
)


def dashboard_context(learner) -> dict:
    """Everything the dashboard shows (its out-of-band updates render from it)."""
    follows = list(RoleFollow.objects.filter(learner=learner).shown())
    statuses = figures.statuses_for(learner)
    role_figures = figures.role_progress(
        learner,
        [follow.role for follow in follows],
        statuses=statuses,
        goals=goals_of(follows),
    )
    for progress in role_figures:
        if progress.continue_with:
            annotate_statuses(
                [progress.continue_with], progress.continue_kind, statuses
            )
    return {
        **reviews_context(learner, follows),
        "role_figures": role_figures,
        "activity": learner_activity(learner).shown(),
        "recent": recent_changes(learner),
        "changed": content_changes.changed_since_marked(learner),
        "status_choices": Status.choices,
        "other_roles": list(
            Audience.of(learner)
            .roles()
            .exclude(pk__in=[follow.role_id for follow in follows])
        ),
    }


def recent_changes(learner, size: int = 12) -> list:
    """The dashboard's recent changes, newest first: status changes one by one,
    and each "I already know this" as one (`BulkChange`, not its events), in
    two queries."""
    events = (
        ProgressEvent.objects.filter(learner=learner)
        .filter(Q(bulk_change__isnull=True) | Q(bulk_change__undone_at__isnull=False))
        .select_related("step__stage__role", "concept__skill")
        .only(*RECENT_FIELDS)
        .order_by("-created_at", "-id")[:size]
    )
    changes = BulkChange.objects.filter(learner=learner, undone_at__isnull=True)
    recent = [*events, *changes.defer("items")[:size]]
    recent.sort(key=lambda change: change.created_at, reverse=True)
    return recent[:size]


def reviews_context(learner, follows=None) -> dict:
    """The dashboard's reviews due today (progress/reviews.py)."""
    if follows is None:
        follows = RoleFollow.objects.filter(learner=learner).shown()
    due = reviews.due_reviews(learner, list(follows), timezone.now())
    return {"reviews": due}


def cached_dashboard_context(learner) -> dict:
    """`dashboard_context`, cached until the learner's data, the content or
    their day changes: the page renders its templates from it."""
    return figures.cached_for_learner(
        learner, "dashboard", lambda: dashboard_context(learner)
    )


# --- After a status change ---------------------------------------------------------
#
# A status change answers with the item's control alone and announces itself
# (`waymark:status-changed`, an `HX-Trigger` event). Each page that shows
# figures asks for its own, fresh, when it hears it: the role page's panel
# (`role_figures`), the skill page's figures (`skill_figures`), the dashboard's
# roles (`dashboard_figures`). The answers replace their parts out of band.

STATUS_CHANGED = "waymark:status-changed"


def status_control(request: HttpRequest, item, kind: str) -> str:
    """The item's control in its new status (a member of a choice group keeps
    its mark's place, for the page's figures to fill). A step's group is read
    from its role's cached structure, the one the figures count with."""
    if kind == "step":
        in_group = ("step", item.pk) in role_structure([item.stage.role_id]).groups
    else:
        in_group = item.choice_groups.exists()
    if in_group:
        item.choice_mark = choice_mark((kind, item.pk), "")
    context = {"item": item, "kind": kind, "status_choices": Status.choices}
    return render_to_string(STATUS_CONTROL, context, request=request)


def role_figures(request: HttpRequest, role: Role) -> str:
    """The role page's figures, each to replace its own: the progress panel,
    every stage's summary, the map of the path and the choice groups' marks."""
    learner = request.user
    statuses = figures.statuses_for(learner)
    panel = role_panel(learner, role, statuses)
    answer = [_oob(request, ROLE_PANEL, panel)]
    structure = role_structure([role.pk])
    for stage_id in dict.fromkeys(step.stage_id for step in structure.steps):
        answer.append(_stage_progress_oob(structure, stage_id, statuses))
    path = path_map.role_map(role)
    if path is not None:
        answer.append(learner_map(path, statuses, panel["role_figures"], oob=True))
    # The overview shows no concepts (each skill has a line instead), so no
    # concept's mark is there to replace.
    overview = shows_overview(request)
    marks = choice_marks(statuses, structure.groups)
    answer += [
        choice_mark(key, mark, oob=True)
        for key, mark in marks.items()
        if not (overview and key[0] == "concept")
    ]
    return "".join(answer)


def skill_figures(request: HttpRequest, skill: Skill) -> str:
    """The skill page's figures and its choice groups' marks, each to replace
    its own."""
    rows = list(
        Concept.objects.published()
        .filter(skill=skill)
        .values_list("pk", *GROUP_COLUMNS, *CONCEPT_HOUR_COLUMNS)
    )
    statuses = figures.statuses_for(request.user)
    groups = concept_groups(row[:3] for row in rows)
    concepts = figures.concept_hours((row[0], *row[3:]) for row in rows)
    counts = figures.skill_counts(concepts, statuses, groups)
    context = {"skill": skill, "skill_figures": counts}
    marks = choice_marks(statuses, groups)
    return "".join(
        [
            _oob(request, f"{SKILL_PANEL}#figures", context),
            *(choice_mark(key, mark, oob=True) for key, mark in marks.items()),
        ]
    )


def dashboard_figures(request: HttpRequest) -> str:
    """The dashboard's roles and activity, each to replace its own."""
    context = dashboard_context(request.user)
    return "".join(
        _oob(request, f"progress/dashboard.html#{part}", context)
        for part in ("roles", "activity")
    )


def _oob(request: HttpRequest, template: str, context: dict) -> str:
    return render_to_string(template, {**context, "oob": True}, request=request)


# --- A goal for a followed role ---------------------------------------------------


def goal_context(learner, follow: RoleFollow, form=None) -> dict:
    """The goal page: the form, and the plan the goal gives now."""
    today = figures.local_today(learner)
    goal = Goal(follow.target_date, follow.hours_per_week, follow.reviews)
    (progress,) = figures.role_progress(
        learner, [follow.role], goals={follow.role_id: goal} if goal.is_set else {}
    )
    initial = {
        "target_date": follow.target_date,
        "hours_per_week": follow.hours_per_week,
        "reviews": follow.reviews,
    }
    return {
        "role": follow.role,
        "follow": follow,
        "progress": progress,
        "form": form or GoalForm(initial=initial, today=today),
    }
