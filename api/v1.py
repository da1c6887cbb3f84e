"""Waymark's JSON API, version 1, at /api/v1/ (docs/api.md).

Built with django-ninja: the handlers are typed (api/schemas.py), so the
request is validated and the OpenAPI 3 schema generated from one source.

- **Public, read-only**: published roles with their stages, steps, skills and
  concepts, each with its provenance (quotes, Waymark's notes, estimates,
  choice groups), and each role's changes. The same visibility rule as the
  pages (`progress.visibility.Audience`, for nobody): drafts never show, not
  even to staff. Answers carry an ETag (the content's version) and may be
  cached for five minutes.
- **The learner's own data**, with a personal access token (api/auth.py):
  their roles' figures (the pages' own counting, `progress.figures`) and
  statuses, which a `PUT` sets (idempotent; write scope).
- **Errors** are `application/problem+json` (api/problems.py); **limits** per
  address and per token (api/limits.py).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpRequest
from ninja import NinjaAPI, Path
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from api import (
    auth,
    changes_api,
    goals_api,
    limits,
    notes_api,
    problems,
    reviews_api,
    schemas,
    sources_api,
)
from api.common import (
    PUBLIC_PROBLEMS,
    TOKEN_PROBLEMS,
    PageNumber,
    paginate,
    private,
    public,
)
from mentoring.models import Mentorship, get_visible_learner
from progress import figures, known
from progress import plan as plan_rules
from progress.mentees import cached_mentee_rows
from progress.models import BulkChange, ItemProgress, RoleFollow
from progress.visibility import Audience
from roadmap import revisions
from roadmap.models import Concept, LearningStep, Role, Source, choice_entries

logger = logging.getLogger(__name__)


class WaymarkAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        """The schema, with every error documented as what it is:
        `application/problem+json` in the `Problem` shape."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for item in schema["paths"].values():
            for operation in item.values():
                for code, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if int(code) >= 400 and "application/json" in content:
                        content[problems.CONTENT_TYPE] = content.pop("application/json")
        return schema


api = WaymarkAPI(
    title="Waymark API",
    version="1",
    description=(
        "Published career roadmaps with their sources, and, with a personal "
        "access token, your own progress. See docs/api.md."
    ),
    urls_namespace="api_v1",
    docs_url=None,  # the readable docs page is the site's own (api.views.docs)
    openapi_url="/openapi.json",
    throttle=[limits.PerAddress(), limits.PerToken()],
)


# --- Errors -------------------------------------------------------------------------


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, error: ValidationError):
    return problems.problem(
        400,
        "The request is not valid: see `errors`.",
        errors=problems.field_errors(error.errors),
    )


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, error: AuthenticationError):
    return problems.problem(
        401,
        "A usable personal access token is needed: "
        "`Authorization: Bearer wm_…` (make one in your account settings).",
        headers={"WWW-Authenticate": 'Bearer realm="waymark"'},
    )


@api.exception_handler(Throttled)
def throttled(request: HttpRequest, error: Throttled):
    return problems.problem(429, "Too many requests: wait, then try again.")


@api.exception_handler(Http404)
def not_found(request: HttpRequest, error: Http404):
    return problems.problem(404, str(error) or "Not found.")


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, error: HttpError):
    return problems.problem(error.status_code, str(error))


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, error: RequestDataTooBig):
    return problems.problem(413, "The request body is too large.")


@api.exception_handler(Exception)
def unexpected(request: HttpRequest, error: Exception):
    logger.exception("API error on %s", request.path)
    return problems.problem(500, "Something went wrong on our side.")


def citations(item) -> list[dict]:
    return [
        {
            "source": citation.source.slug,
            "title": citation.source.title,
            "quotes": citation.quotes,
        }
        for citation in item.citations()
    ]


def choice_groups(items) -> dict[int, dict | None]:
    """Each item's choice group, by the item's id."""
    found: dict[int, dict | None] = {}
    for group, members in choice_entries(items):
        described = (
            None
            if group is None
            else {
                "slug": group.slug,
                "title": group.title,
                "pick": group.pick,
                "note": group.editorial,
            }
        )
        for member in members:
            found[member.pk] = described
    return found


def role_detail(request: HttpRequest, role: Role) -> dict:
    url = request.build_absolute_uri

    def step(item, groups) -> dict:
        return {
            "slug": item.slug,
            "title": item.title,
            "summary": item.summary,
            "url": url(item.get_absolute_url()),
            "planned_hours": item.planned_hours,
            "effort_hours": item.effort_hours,
            "effort_reason": item.effort_reason,
            "prerequisites": [p.slug for p in item.prerequisites.all()],
            "resources": [
                {
                    "slug": r.slug,
                    "title": r.title,
                    "url": r.url,
                    "kind": r.kind,
                    "is_free": r.is_free,
                }
                for r in item.resources.all()
            ],
            "choice_group": groups.get(item.pk),
            "note": item.editorial,
            "citations": citations(item),
        }

    def concept(item, groups) -> dict:
        return {
            "slug": item.slug,
            "name": item.name,
            "kind": item.kind,
            "summary": item.summary,
            "url": url(item.get_absolute_url()),
            "planned_hours": item.planned_hours,
            "choice_group": groups.get(item.pk),
            "note": item.editorial,
            "citations": citations(item),
        }

    stages = []
    for stage in role.stages.all():
        steps = list(stage.steps.all())
        groups = choice_groups(steps)
        stages.append(
            {
                "slug": stage.slug,
                "title": stage.title,
                "summary": stage.summary,
                "note": stage.editorial,
                "citations": citations(stage),
                "steps": [step(item, groups) for item in steps],
            }
        )
    # The role's page names no skill's or concept's sources: read them here,
    # one query for all the skills' and one for all the concepts'.
    sources = Prefetch("sources", queryset=Source.objects.published().defer("text"))
    role_skills = list(role.role_skills.all())
    prefetch_related_objects([rs.skill for rs in role_skills], sources)
    prefetch_related_objects(
        [c for rs in role_skills for c in rs.skill.concepts.all()], sources
    )
    skills = []
    for role_skill in role_skills:
        skill = role_skill.skill
        concepts = list(skill.concepts.all())
        groups = choice_groups(concepts)
        skills.append(
            {
                "slug": skill.slug,
                "name": skill.name,
                "kind": skill.kind,
                "summary": skill.summary,
                "url": url(skill.get_absolute_url()),
                "importance": role_skill.importance,
                "note": skill.editorial,
                "citations": citations(skill),
                "concepts": [concept(item, groups) for item in concepts],
            }
        )
    return {
        **role_summary(request, role),
        "note": role.editorial,
        "citations": citations(role),
        "stages": stages,
        "skills": skills,
    }


def role_summary(request: HttpRequest, role: Role) -> dict:
    return {
        "slug": role.slug,
        "title": role.title,
        "tagline": role.tagline,
        "summary": role.summary,
        "url": request.build_absolute_uri(role.get_absolute_url()),
    }


NOBODY = Audience.of(None)


# --- Public content -----------------------------------------------------------------


@api.get(
    "/roles",
    response={200: schemas.RolePage, **PUBLIC_PROBLEMS},
    tags=["content"],
    summary="Published roles",
)
@public
def list_roles(request: HttpRequest, page: PageNumber = 1):
    """Every published role, in the home page's order, 20 a page."""
    roles, fields = paginate(request, NOBODY.roles().order_by("position", "id"), page)
    return {**fields, "items": [role_summary(request, role) for role in roles]}


@api.get(
    "/roles/{slug}",
    response={200: schemas.Role, **PUBLIC_PROBLEMS},
    tags=["content"],
    summary="A role with its stages, steps, skills and concepts",
)
@public
def get_role(request: HttpRequest, slug: Path[str]):
    """A published role as its page shows it: each item with the passages it
    quotes from its sources, Waymark's note, its estimate and choice group."""
    return role_detail(request, NOBODY.role_for_page(slug))


@api.get(
    "/roles/{slug}/revisions",
    response={200: schemas.RevisionPage, **PUBLIC_PROBLEMS},
    tags=["content"],
    summary="What changed in a role",
)
@public
def list_revisions(request: HttpRequest, slug: Path[str], page: PageNumber = 1):
    """The role's changes, newest first, as its "what changed" page lists
    them (drafts' changes never show)."""
    role = NOBODY.role(slug)
    shown = revisions.public(role.revisions.all(), role)
    entries, fields = paginate(request, shown, page)
    items = [
        {
            "id": revision.pk,
            "created_at": revision.created_at,
            "origin": revision.origin,
            "note": revision.note,
            "changes": [
                {
                    "kind": change["kind"],
                    "action": change["action"].lower(),
                    "slug": change["slug"],
                    "title": change["title"],
                    "fields": [
                        {"field": name, "old": str(old), "new": str(new)}
                        for name, old, new in change["fields"]
                    ],
                }
                for change in changes
            ],
        }
        for revision, changes in entries
    ]
    return {**fields, "items": items}


# --- The learner's own data ---------------------------------------------------------


@api.get(
    "/me/roles",
    response={200: list[schemas.RoleFigures], **TOKEN_PROBLEMS},
    auth=auth.READ,
    tags=["your progress"],
    summary="Your roles and their figures",
)
@private
def my_roles(request: HttpRequest):
    """The roles you follow, each with the figures every page shows: counted
    by the one function the pages use (choice groups included)."""
    return _role_figures(request.auth)


@api.get(
    "/me/statuses",
    response={200: schemas.StatusPage, **TOKEN_PROBLEMS, 404: schemas.Problem},
    auth=auth.READ,
    tags=["your progress"],
    summary="Your statuses",
)
@private
def my_statuses(request: HttpRequest, page: PageNumber = 1):
    """Every status you set on a step or concept you may still open, the most
    recently changed first."""
    return _statuses(request, request.auth, page)


def _role_figures(learner) -> list[dict]:
    """The learner's followed roles with their figures (`progress.figures`)
    and, where they set a goal, its plan: the data file's very figures."""
    follows = list(RoleFollow.objects.filter(learner=learner).shown())
    roles = [f.role for f in follows]
    goals = plan_rules.goals_of(follows)
    return [
        progress.as_dict()
        for progress in figures.role_progress(learner, roles, goals=goals)
    ]


def _statuses(request: HttpRequest, learner, page: int) -> dict:
    """A page of the learner's statuses on what they may open (published
    content, and the retired items of their history), newest change first."""
    rows = (
        ItemProgress.objects.filter(learner=learner)
        .select_related("step__stage__role", "concept__skill")
        .order_by("-status_changed_at", "-id")
    )
    visible = Audience.mentee(learner)
    rows = [row for row in rows if visible.can_see(row.item)]
    rows, fields = paginate(request, rows, page)
    return {**fields, "items": [_status(row.item_kind, row.item, row) for row in rows]}


@api.put(
    "/me/statuses/{kind}/{slug}",
    response={
        200: schemas.Status,
        **TOKEN_PROBLEMS,
        403: schemas.Problem,
        404: schemas.Problem,
        413: schemas.Problem,
    },
    auth=auth.WRITE,
    tags=["your progress"],
    summary="Set your status on a step or concept",
)
@private
def set_status(
    request: HttpRequest,
    kind: Path[schemas.Kind],
    slug: Path[str],
    body: schemas.StatusIn,
):
    """Set (never toggle) your status on an item: the same request twice
    leaves the same status and one change in your history."""
    learner = request.auth
    item = Audience(learner).item(kind, slug)
    ItemProgress.objects.set_status(learner, item, body.status)
    row = ItemProgress.objects.filter(learner=learner, **{kind: item}).first()
    return _status(kind, item, row)


@api.post(
    "/me/roles/{role}/known/{part}/{slug}",
    response={
        200: schemas.KnownChange,
        **TOKEN_PROBLEMS,
        403: schemas.Problem,
        404: schemas.Problem,
    },
    auth=auth.WRITE,
    tags=["your progress"],
    summary="I already know this: a whole stage or skill done",
)
@private
def mark_known(
    request: HttpRequest,
    role: Path[str],
    part: Path[schemas.Part],
    slug: Path[str],
):
    """Mark a role's stage (its published steps) or skill (its published
    concepts) done at once, as the role page's "I already know this" does:
    items not started or being learnt become done; done and skipped ones stay.
    One change, which `POST /me/known/{id}/undo` undoes."""
    found = known.find(request.auth, role, part, slug)
    change = known.mark_known(request.auth, found)
    changed = {entry["id"] for entry in change.items} if change else set()
    return {
        "id": change.pk if change else None,
        "role": found.role.slug,
        "part": part,
        "slug": slug,
        "title": found.title,
        "marked_done": [item.slug for item in found.items if item.pk in changed],
    }


@api.post(
    "/me/known/{change_id}/undo",
    response={
        200: schemas.Undone,
        **TOKEN_PROBLEMS,
        403: schemas.Problem,
        404: schemas.Problem,
        409: schemas.Problem,
    },
    auth=auth.WRITE,
    tags=["your progress"],
    summary='Undo an "I already know this"',
)
@private
def undo_known(request: HttpRequest, change_id: Path[int]):
    """Put back exactly what the change changed, except on items changed
    again since. Twice: 409."""
    change = BulkChange.objects.filter(pk=change_id, learner=request.auth).first()
    if change is None:
        raise Http404("No such change of yours.")
    result = known.undo(change)
    if result is None:
        raise HttpError(409, "This change is undone already.")
    model = LearningStep if change.kind == "step" else Concept
    slugs = dict(
        model.objects.filter(pk__in=[*result[0], *result[1]]).values_list("pk", "slug")
    )
    return {
        "id": change.pk,
        "put_back": [slugs[pk] for pk in result[0]],
        "left": [slugs[pk] for pk in result[1]],
    }


# --- Mentors: their active mentees, read-only ------------------------------------


@api.get(
    "/mentees",
    response={200: schemas.MenteePage, **TOKEN_PROBLEMS, 404: schemas.Problem},
    auth=auth.READ,
    tags=["mentoring"],
    summary="Your active mentees",
)
@private
def list_mentees(request: HttpRequest, page: PageNumber = 1):
    """The learners you actively mentor (with their consent), with the
    figures your mentoring hub shows, 20 a page."""
    mentees = Mentorship.objects.mentees_of(request.auth).order_by("username")
    learners, fields = paginate(request, mentees, page)
    rows = cached_mentee_rows(learners, stalled_days=settings.MENTORING_STALLED_DAYS)
    items = [
        {
            "username": row.learner.username,
            "display_name": row.learner.display_name or row.learner.username,
            "roles": [
                {
                    "role": entry.role.slug,
                    "title": entry.role.title,
                    "overall": entry.counts.as_dict(),
                }
                for entry in row.roles
            ],
            "finished_7_days": row.finished_7_days,
            "finished_30_days": row.finished_30_days,
            "last_active": row.last_active,
            "stalled": row.stalled,
        }
        for row in rows
    ]
    return {**fields, "items": items}


@api.get(
    "/mentees/{username}/roles",
    response={200: list[schemas.RoleFigures], **TOKEN_PROBLEMS, 404: schemas.Problem},
    auth=auth.READ,
    tags=["mentoring"],
    summary="A mentee's roles and their figures",
)
@private
def mentee_roles(request: HttpRequest, username: Path[str]):
    """A learner you actively mentor: their roles' figures, as their own
    pages show them. Anyone else, or a mentorship ended: 404."""
    learner = get_visible_learner(request, username)
    return _role_figures(learner)


@api.get(
    "/mentees/{username}/statuses",
    response={200: schemas.StatusPage, **TOKEN_PROBLEMS, 404: schemas.Problem},
    auth=auth.READ,
    tags=["mentoring"],
    summary="A mentee's statuses",
)
@private
def mentee_statuses(request: HttpRequest, username: Path[str], page: PageNumber = 1):
    """A learner you actively mentor: their statuses, as a mentor's pages
    show them (what the mentee may see, never drafts). Else 404."""
    learner = get_visible_learner(request, username)
    return _statuses(request, learner, page)


def _status(kind: str, item, row) -> dict:
    return {
        "kind": kind,
        "slug": item.slug,
        "title": str(item),
        "status": row.status if row else "not_started",
        "changed_at": row.status_changed_at if row else None,
    }


# --- More of the learner's own data, each part in a module of its own ---------

api.add_router("/me", reviews_api.router)
api.add_router("/me", changes_api.router)
api.add_router("/me", notes_api.router)
api.add_router("/me", goals_api.router)
api.add_router("/sources", sources_api.router)
