from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from roadmap import page_cache, path_map, revisions
from roadmap.models import Role, Skill, Source, sees_drafts
from roadmap.search import search as search_content
from roadmap.source_page import source_context


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    roles = Role.objects.visible_to(request.user).for_listing()
    return render(request, "roadmap/home.html", {"roles": roles})


@require_GET
def public_role_page(request: HttpRequest, slug: str) -> HttpResponse:
    """A role's page as every visitor shares it: rendered once per content
    version and served from the shared cache. (Signed in, people get their own
    page from `progress.views.role_detail`, which routes here for the others.)"""
    overview = shows_overview(request)
    page = page_cache.cached_page(
        f"role:{slug}:{'overview' if overview else 'all'}",
        lambda: _public_role(slug, overview),
    )
    context = {"role": page, "article": mark_safe(page["article"])}  # noqa: S308
    return render(request, "roadmap/role_detail.html", context)


def shows_overview(request: HttpRequest) -> bool:
    """Whether a role page shows its overview (each item's sources named, the
    passages they quote on the sources' pages) rather than everything
    (`?view=all`: every resource, concept and quoted passage in place)."""
    return request.GET.get("view") != "all"


def _public_role(slug: str, overview: bool) -> dict:
    role = get_object_or_404(
        Role.objects.for_page(drafts=False, choices=True), slug=slug
    )
    context = {
        "role": role,
        "role_panel_template": "roadmap/_role_sign_in.html",
        "role_map": path_map.render(path_map.role_map(role)),
        "overview": overview,
    }
    article = render_to_string("roadmap/_role_article.html", context)
    return {"title": role.title, "tagline": role.tagline, "article": article}


@require_GET
def public_skill_page(request: HttpRequest, slug: str) -> HttpResponse:
    """A skill's page as every visitor shares it (signed in, people get their
    own from `progress.views.skill_detail`)."""
    skill = get_object_or_404(
        Skill.objects.for_page(drafts=False, choices=True), slug=slug
    )
    context = {"skill": skill, "skill_panel_template": "roadmap/_skill_sign_in.html"}
    return render(request, "roadmap/skill_detail.html", context)


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search roles, skills, concepts, steps and sources",
        max_length=settings.SEARCH_MAX_QUERY_LENGTH,
        strip=True,
        widget=forms.SearchInput,
    )


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET if "q" in request.GET else None)
    results = None
    status = 200
    if form.is_bound:
        if form.is_valid():
            results = search_content(form.cleaned_data["q"], request.user)
        else:
            status = 400
    return render(
        request,
        "roadmap/search.html",
        {"form": form, "results": results},
        status=status,
    )


@require_GET
def sources(request: HttpRequest) -> HttpResponse:
    sources = Source.objects.visible_to(request.user)
    return render(request, "roadmap/sources.html", {"sources": sources})


@require_GET
def source_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A source's text, each quoted passage marked and linked to what rests on it."""
    context = source_context(slug, drafts=sees_drafts(request.user))
    return render(request, "roadmap/source_detail.html", context)


CHANGES_PER_PAGE = 20


@require_GET
def role_changes(request: HttpRequest, slug: str) -> HttpResponse:
    """What changed in a published role's content, newest first (drafts'
    changes are never shown, to anyone)."""
    role = get_object_or_404(Role.objects.visible(drafts=False), slug=slug)
    page = Paginator(role.revisions.all(), CHANGES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {"role": role, "page": page, "entries": revisions.public(page, role)}
    return render(request, "roadmap/role_changes.html", context)
