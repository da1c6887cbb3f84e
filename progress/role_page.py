"""The role page for signed-in learners: a shared skeleton and the learner's data.

Rendering a roadmap of 160 items with a status control on each through the
templates costs far more than the few queries it needs, and all but a few
hundred bytes of it are the same for every learner. So the page is put
together from two cached parts:

- **The skeleton**, shared by every learner and cached per content version
  (`roadmap.page_cache`): the article as the templates render it, kept as a
  list of pieces. A piece is either shared HTML or a *slot*, a place where one
  learner's page differs: an item's status, its control, its note mark, its
  fading mark, a stage's summary and whether it starts open, a choice group's
  mark, a skill's line (the overview's, in place of its concepts), the
  progress panel, the map, the CSRF token. The overview and the whole page
  (`?view=all`, `roadmap.views.shows_overview`) have a skeleton each. A
  skeleton is built by rendering the templates with a marker at each slot
  (`Slots.mark`) and cutting the text at the markers; each item's control is
  rendered by its own template once per status, so a request picks the
  version that matches the learner's status.
- **The learner's data**: their statuses, their figures for the role, the
  items they keep notes on and the items fading from their memory
  (`reviews.fading`), cached under their generation, the content's and their
  day (`figures.cached_for_learner`).

`fill` walks the pieces and writes each slot from the data; the progress
panel is rendered by its template on every request. The result is exactly
the page `pages.role_page_context` renders directly
(tests/progress/test_role_page.py compares the two).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from progress import content_changes, figures, known, pages
from progress.models import RoleFollow, Status
from progress.visibility import Audience
from roadmap import page_cache, path_map
from roadmap.models import Role
from roadmap.views import shows_overview

NOT_STARTED = Status.NOT_STARTED


def signed_in_role_page(request: HttpRequest, slug: str) -> HttpResponse:
    """Learners get the shared skeleton filled with their data; staff see
    drafts, which are never cached, so their page is rendered directly."""
    audience = Audience.of(request.user)
    if not audience.drafts:
        return learner_role_page(request, slug)
    role = audience.role_for_page(slug)
    if role.is_published:
        follow = RoleFollow.objects.filter(learner=request.user, role=role).first()
        if follow is not None:
            content_changes.record_visit(follow)
    overview = shows_overview(request)
    context = pages.role_page_context(request.user, role, overview=overview)
    return render(request, "roadmap/role_detail.html", _offer(request, context))


def learner_role_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The role page of a signed-in learner who is not staff."""
    overview = shows_overview(request)
    skeleton = page_cache.cached_page(
        f"role:{slug}:learner:{'overview' if overview else 'all'}",
        lambda: _skeleton(slug, overview),
    )
    learner = request.user
    key = f"role:{skeleton.role.pk}"
    data = figures.cached_for_learner(
        learner, key, lambda: _learner_data(learner, skeleton)
    )
    if data.follow is not None and content_changes.record_visit(data.follow):
        # Their data is stale: it holds when they last looked (and, on a new
        # visit, which items are new to them).
        data = figures.cached_for_learner(
            learner, key, lambda: _learner_data(learner, skeleton)
        )
    panel = render_to_string(
        pages.ROLE_PANEL,
        {"role": skeleton.role, "overview": overview, **data.panel},
        request=request,
    )
    article = fill(skeleton.pieces, data, panel=panel, token=get_token(request))
    context = {"role": skeleton.role, "article": mark_safe(article)}  # noqa: S308 - our templates' HTML
    return render(request, "roadmap/role_detail.html", _offer(request, context))


def _offer(request: HttpRequest, context: dict) -> dict:
    """Right after "I already know this", the page offers to undo it."""
    change = known.offer(request)
    if change is not None:
        context["notice"] = render_to_string(
            "progress/_known_offer.html",
            {"change": change, "next": request.path},
            request=request,
        )
    return context


# --- The learner's data --------------------------------------------------------------


@dataclass
class LearnerData:
    """What one learner's role page needs beyond the skeleton."""

    statuses: dict
    panel: dict  # the progress panel's context: the figures, whether they follow
    open_stage: int | None
    stage_progress: dict[int, str]  # stage id -> its summary line
    marks: dict  # (kind, id) -> a choice group member's mark, as HTML
    noted: set
    fading: set  # (kind, id) of the done items fading from memory
    follow: RoleFollow | None  # theirs of this role, with when they last visited
    map: str = ""
    skill_progress: dict[int, str] = field(default_factory=dict)  # the overview's


def _learner_data(learner, skeleton: Skeleton) -> LearnerData:
    role = Role.objects.published().get(pk=skeleton.role.pk)
    statuses, noted = pages.statuses_and_notes(learner)
    follows = pages.learner_follows(learner)
    role.following = pages.follow_of(follows, role)
    panel = pages.role_panel(learner, role, statuses)
    role_figures = panel["role_figures"]
    groups = role_figures.groups  # the role's choice groups, counted
    fading = pages.fading_items(learner, follows)
    return LearnerData(
        statuses=statuses,
        panel={
            "role_figures": role_figures,
            "following": panel["following"],
            "changed": panel["changed"],
            "added": panel["added"],
        },
        open_stage=pages.open_stage(role_figures),
        stage_progress={
            stage_id: pages.stage_progress(steps, statuses, groups)
            for stage_id, steps in skeleton.stage_steps.items()
        },
        marks={
            key: str(pages.choice_mark(key, mark))
            for key, mark in pages.choice_marks(statuses, groups).items()
        },
        noted=noted,
        fading=fading,
        follow=role.following,
        map=str(pages.learner_map(skeleton.map, statuses, role_figures)),
        skill_progress={
            skill_id: pages.skill_progress(concepts, statuses, groups, fading)
            for skill_id, concepts in skeleton.skill_concepts.items()
        },
    )


# --- The skeleton ------------------------------------------------------------------


class Slots:
    """The slots of a skeleton as it is rendered: `mark(kind, ...)` gives the
    marker a template writes where the slot goes, and `cut(text)` turns the
    rendered text into pieces, each marker replaced by its slot. A marker is
    random per skeleton, so no content can imitate one."""

    def __init__(self):
        self.fence = f"⟦{secrets.token_hex(8)}⟧"
        self.found: list[tuple] = []

    def mark(self, *slot) -> SafeString:
        self.found.append(slot)
        return mark_safe(f"{self.fence}{len(self.found) - 1}{self.fence}")  # noqa: S308 - no markup

    def cut(self, text: str) -> list:
        parts = text.split(self.fence)
        pieces = []
        for index, part in enumerate(parts):
            if index % 2:
                pieces.append(self.found[int(part)])
            elif part:
                pieces.append(part)
        return pieces


@dataclass
class Skeleton:
    role: Role  # its id, slug, title and tagline: what the page around shows
    pieces: list
    stage_steps: dict[int, list[int]] = field(default_factory=dict)
    map: path_map.PathMap | None = None
    # Each skill's published concepts, (id, hours): its line on the overview.
    skill_concepts: dict[int, list[tuple[int, float]]] = field(default_factory=dict)


def _skeleton(slug: str, overview: bool) -> Skeleton:
    role = get_object_or_404(
        Role.objects.for_page(drafts=False, choices=True), slug=slug
    )
    slots = Slots()
    stage_steps = {}
    items = []
    for stage in role.stages.all():
        stage.open_attr = slots.mark("open", stage.pk)
        stage.progress_text = slots.mark("stage", stage.pk)
        stage_steps[stage.pk] = pages.counted_steps(stage)
        for step in stage.steps.all():
            step.note_mark = slots.mark("note", ("step", step.pk))
            items.append(("step", step))
    # Every skill's concepts, in both views: the learner's data, cached once
    # for both, holds each skill's line.
    skill_concepts = {}
    for role_skill in role.role_skills.all():
        skill = role_skill.skill
        skill_concepts[skill.pk] = pages.skill_concepts(skill.concepts.all())
        if overview:  # a line per skill, its concepts on its own page
            skill.progress_text = slots.mark("skill", skill.pk)
        else:
            items.extend(("concept", concept) for concept in skill.concepts.all())
    for kind, item in items:
        versions = _control_versions(kind, item)
        item.status_control = slots.mark("control", (kind, item.pk), versions)
        item.learner_status = slots.mark("status", (kind, item.pk))
    context = {
        "role": role,
        "role_panel_template": "progress/_role_panel_slot.html",
        "panel_slot": slots.mark("panel"),
        "item_status_template": "progress/_status_control_slot.html",
        "status_choices": Status.choices,
        "role_map": slots.mark("map"),
        "overview": overview,
    }
    article = render_to_string("roadmap/_role_article.html", context)
    shown = Role(pk=role.pk, slug=role.slug, title=role.title, tagline=role.tagline)
    return Skeleton(
        role=shown,
        pieces=slots.cut(article),
        stage_steps=stage_steps,
        map=path_map.role_map(role),
        skill_concepts=skill_concepts,
    )


def _control_versions(kind: str, item) -> dict[str, list]:
    """The item's status control as its template renders it in each status,
    with slots for the CSRF token, the choice group's mark and, when done,
    the fading mark."""
    versions = {}
    for status in Status.values:
        slots = Slots()
        item.learner_status = status
        if getattr(item, "choice_group_row", None) is not None:
            item.choice_mark = slots.mark("mark", (kind, item.pk))
        item.__dict__.pop("fading_mark", None)
        if status == Status.DONE:  # only a done item fades
            item.fading_mark = _fading_slot(slots, kind, item)
        context = {
            "item": item,
            "kind": kind,
            "status_choices": Status.choices,
            "csrf_token": slots.mark("token"),
        }
        versions[status] = slots.cut(render_to_string(pages.STATUS_CONTROL, context))
    item.__dict__.pop("choice_mark", None)
    item.__dict__.pop("fading_mark", None)
    return versions


def _fading_slot(slots: Slots, kind: str, item) -> SafeString:
    """The slot of an item's fading mark, holding the mark (it names the item)."""
    return slots.mark("fading", (kind, item.pk), pages.fading_mark(item))


# --- Filling it in -----------------------------------------------------------------


def fill(pieces: list, data: LearnerData, *, panel: str, token: str) -> str:
    """The skeleton's pieces with every slot written from the learner's data."""
    out: list[str] = []
    _write(pieces, data, panel, token, out)
    return "".join(out)


def _write(pieces: list, data: LearnerData, panel: str, token: str, out: list) -> None:
    statuses = data.statuses
    for piece in pieces:
        if isinstance(piece, str):
            out.append(piece)
            continue
        kind = piece[0]
        if kind == "control":  # the control in the item's status, itself with slots
            version = piece[2][statuses.get(piece[1], NOT_STARTED)]
            _write(version, data, panel, token, out)
        elif kind == "status":
            out.append(statuses.get(piece[1], NOT_STARTED))
        elif kind == "token":
            out.append(token)
        elif kind == "note":
            out.append(pages.NOTE_MARK if piece[1] in data.noted else "")
        elif kind == "fading":
            out.append(piece[2] if piece[1] in data.fading else "")
        elif kind == "mark":
            mark = data.marks.get(piece[1])
            out.append(mark if mark is not None else pages.choice_mark(piece[1], ""))
        elif kind == "stage":
            out.append(data.stage_progress[piece[1]])
        elif kind == "skill":
            out.append(data.skill_progress[piece[1]])
        elif kind == "open":
            out.append(" open" if piece[1] == data.open_stage else "")
        elif kind == "panel":
            out.append(panel)
        elif kind == "map":
            out.append(data.map)
        else:
            raise ValueError(f"no such slot: {piece!r}")
