"""The role page for signed-in learners: one shared skeleton, filled in per learner.

Rendering a roadmap of 160 items with a status control on each costs far more
than the few queries it needs. So the page is rendered once per content version
with a slot wherever it differs between learners: each control's status, the CSRF
token, the note marks, the stages' summaries, the progress panel and the map.
Each item's control is kept written out once per status, and the whole skeleton
as UTF-8 bytes, so a request picks one version per item and joins bytes: no
template renders the article and nothing encodes it. The page around it is
rendered as usual, with a stand-in where the article's bytes go. The result is
the same HTML the templates would give (tests/progress/test_role_page.py
compares the two).
"""

from __future__ import annotations

import re
import secrets
from itertools import chain

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from config import caching
from progress import figures, pages
from progress.models import Status
from progress.visibility import Audience
from roadmap import page_cache, path_map
from roadmap.models import Role

# Where the article goes in the rendered page (no content can imitate it).
ARTICLE = mark_safe(f"⟦{secrets.token_hex(8)}:article⟧")  # noqa: S308
ARTICLE_BYTES = ARTICLE.encode()


def signed_in_role_page(request: HttpRequest, slug: str) -> HttpResponse:
    """Learners get the shared skeleton filled with their statuses; staff see
    drafts, so their page is rendered afresh."""
    audience = Audience.of(request.user)
    if not audience.drafts:
        return learner_role_page(request, slug)
    role = audience.role_for_page(slug)
    context = pages.role_page_context(request.user, role)
    return render(request, "roadmap/role_detail.html", context)


def learner_role_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The role page of a signed-in learner who is not staff (staff see drafts,
    which are never cached)."""
    skeleton = page_cache.cached_page(f"role:{slug}:learner", lambda: _skeleton(slug))
    learner = request.user
    parts = caching.cached_parts(
        request,
        lambda token: _figures(learner, skeleton, token),
        **figures.learner_entry(learner, f"role:{skeleton['role_id']}"),
    )
    article = fill(skeleton, parts, token=get_token(request))
    # The page around the article is rendered with a stand-in, and the article's
    # bytes go in its place: half a megabyte of text through the template
    # engine and the response's encoding cost more than the whole rest.
    context = {"role": skeleton, "article": ARTICLE}
    response = render(request, "roadmap/role_detail.html", context)
    before, found, after = response.content.partition(ARTICLE_BYTES)
    if not found:
        raise RuntimeError("roadmap/role_detail.html left out the article")
    response.content = b"".join((before, article, after))
    return response


def _figures(learner, skeleton: dict, csrf_token: str) -> dict:
    """The learner's statuses, their rendered progress panel and their map of
    the path: cached until their data or the content changes."""
    role = get_object_or_404(Role.objects.published(), pk=skeleton["role_id"])
    statuses = figures.statuses_for(learner)
    context = {
        **pages.role_panel(learner, role, statuses),
        "user": learner,
        "csrf_token": csrf_token,
    }
    panel = render_to_string(pages.ROLE_PANEL, context)
    role_figures = context["role_figures"]
    return {
        "statuses": statuses,
        "panel": panel,
        "map": str(pages.learner_map(skeleton["map"], statuses, role_figures)),
        "open_stage": pages.open_stage(role_figures),
        "noted": pages.noted_items(learner),
        "groups": role_figures.groups,  # the stages' choice groups, counted
    }


def _skeleton(slug: str) -> dict:
    role = get_object_or_404(
        Role.objects.for_page(drafts=False, choices=True), slug=slug
    )
    key = secrets.token_hex(8)  # slots no content can imitate
    stage_steps = {}
    for stage in role.stages.all():
        stage.open_attr = f"⟦{key}:open:{stage.pk}⟧"
        stage.progress_text = f"⟦{key}:stage:{stage.pk}⟧"
        stage_steps[stage.pk] = pages.counted_steps(stage)
        for step in stage.steps.all():
            step.learner_status = f"⟦{key}:step:{step.pk}⟧"
            step.note_mark = f"⟦{key}:note:{step.pk}⟧"
            if getattr(step, "choice_group_row", None) is not None:
                step.choice_mark = f"⟦{key}:stepmark:{step.pk}⟧"
    for role_skill in role.role_skills.all():
        for concept in role_skill.skill.concepts.all():
            concept.learner_status = f"⟦{key}:concept:{concept.pk}⟧"
            if getattr(concept, "choice_group_row", None) is not None:
                concept.choice_mark = f"⟦{key}:mark:{concept.pk}⟧"
    context = {
        "role": role,
        "role_panel_template": "progress/_role_panel_slot.html",
        "item_status_template": pages.STATUS_CONTROL,
        "status_choices": Status.choices,
        "csrf_token": f"⟦{key}:csrf⟧",
        "slot_key": key,
        "role_map": f"⟦{key}:map⟧",
    }
    article = render_to_string("roadmap/_role_article.html", context)
    return {
        "role_id": role.pk,
        "map": path_map.role_map(role),
        "stage_steps": stage_steps,
        "title": role.title,
        "tagline": role.tagline,
        "compiled": _compile(article, key),
    }


def _compile(article: str, key: str) -> dict:
    """The skeleton as texts and the slots between them: `texts[i]`, then the
    value of `slots[i]`, and so on, ending with the last text; all as UTF-8
    bytes, so a request joins bytes and encodes nothing. A slot is ("item",
    item, {status: bytes}) (an item's whole control, one version per status),
    ("note", step id), ("open", stage id), ("stage", stage id), ("mark",
    concept id) and ("stepmark", step id) (a choice group's member's mark), ("csrf",),
    ("panel",) or ("map",)."""
    pattern = re.compile(
        rf"⟦{key}:(?:(?P<kind>step|concept):(?P<pk>\d+)"
        r"|(?P<part>note|open|stage|mark|stepmark):(?P<id>\d+)|(?P<whole>csrf|map|panel))⟧"
        r'|name="status" value="(?P<button>[a-z_]+)" aria-pressed="false"'
    )
    texts: list[str] = []
    slots: list[tuple] = []
    position = 0
    item = None
    for match in pattern.finditer(article):
        found = match.groupdict()
        if found["button"]:
            texts.append(
                article[position : match.start()]
                + f'name="status" value="{found["button"]}" aria-pressed="'
            )
            slots.append(("button", item, found["button"]))
            position = match.end() - 1  # the closing quote starts the next text
            continue
        texts.append(article[position : match.start()])
        if found["kind"]:
            item = (found["kind"], int(found["pk"]))
            slots.append(("status", item))
        elif found["part"]:
            slots.append((found["part"], int(found["id"])))
        else:
            slots.append((found["whole"],))
        position = match.end()
    texts.append(article[position:])
    texts, slots = _merge_items(texts, slots)
    return {"texts": [text.encode() for text in texts], "slots": slots}


ITEM_RUN_LIMIT = 4000  # characters: longer text between an item's slots stays shared


def _merge_items(texts: list[str], slots: list[tuple]) -> tuple[list, list]:
    """Each run of one item's status and button slots, with the short texts
    between them, becomes one ("item", item, versions) slot: the run written out
    once for each status. A request then looks up one version per item instead
    of filling six or seven slots."""
    merged_texts, merged_slots = [texts[0]], []
    index = 0
    while index < len(slots):
        slot = slots[index]
        if slot[0] not in ("status", "button"):
            merged_slots.append(slot)
            merged_texts.append(texts[index + 1])
            index += 1
            continue
        item, end, length = slot[1], index + 1, 0
        while (
            end < len(slots)
            and slots[end][0] in ("status", "button")
            and slots[end][1] == item
            and length + len(texts[end]) <= ITEM_RUN_LIMIT
        ):
            length += len(texts[end])
            end += 1
        versions = {}
        for status in Status.values:
            pieces = []
            for at in range(index, end):
                if at > index:
                    pieces.append(texts[at])
                pieces.append(_slot_text(slots[at], status))
            versions[status] = "".join(pieces).encode()
        merged_slots.append(("item", item, versions))
        merged_texts.append(texts[end])
        index = end
    return merged_texts, merged_slots


def _slot_text(slot: tuple, status: str) -> str:
    if slot[0] == "button":
        return "true" if status == slot[2] else "false"
    return status


def fill(skeleton: dict, parts: dict, *, token: str) -> bytes:
    """The skeleton with its slots filled from the learner's parts: each item's
    control in its status, the note marks, each stage's summary and which one
    is open, the CSRF token, the progress panel and the map."""
    compiled = skeleton["compiled"]
    statuses = parts["statuses"]
    default = Status.NOT_STARTED
    noted = parts["noted"]
    note = pages.NOTE_MARK.encode()
    token_bytes = token.encode()
    marks = pages.choice_marks(statuses, parts["groups"])

    def value(slot: tuple) -> bytes:
        kind = slot[0]
        if kind == "item":
            return slot[2][statuses.get(slot[1], default)]
        if kind == "note":
            return note if ("step", slot[1]) in noted else b""
        if kind == "open":
            return b" open" if slot[1] == parts["open_stage"] else b""
        if kind == "stage":
            steps = skeleton["stage_steps"][slot[1]]
            return pages.stage_progress(steps, statuses, parts["groups"]).encode()
        if kind in ("mark", "stepmark"):
            key = ("concept" if kind == "mark" else "step", slot[1])
            return str(pages.choice_mark(key, marks.get(key, ""))).encode()
        if kind == "csrf":
            return token_bytes
        return parts[kind].encode()  # the panel or the map

    values = [value(slot) for slot in compiled["slots"]]
    values.append(b"")
    return b"".join(chain.from_iterable(zip(compiled["texts"], values, strict=True)))
