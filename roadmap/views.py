from django import forms
from django.conf import settings
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from roadmap import hooks, page_cache
from roadmap.models import (
    Concept,
    LearningStep,
    Role,
    RoleSkill,
    Skill,
    Source,
    sees_drafts,
)
from roadmap.search import search as search_content


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    roles = Role.objects.visible_to(request.user).for_listing()
    return render(request, "roadmap/home.html", {"roles": roles})


@require_GET
def role_detail(request: HttpRequest, slug: str) -> HttpResponse:
    user = request.user
    if user.is_authenticated and not user.is_staff:
        response = hooks.signed_in_role_page(request, slug)
        if response is not None:
            return response
    if user.is_authenticated:
        # Staff see drafts: their page is always rendered afresh.
        role = get_object_or_404(Role.objects.for_page(sees_drafts(user)), slug=slug)
        context = {"role": role, **hooks.role_page_context(request, role)}
        return render(request, "roadmap/role_detail.html", context)
    # Everyone signed out sees the same roadmap: render it once per content
    # version (see roadmap.page_cache), then serve it from the shared cache.
    page = page_cache.cached_page(
        f"role:{slug}", lambda: _render_role_article(request, slug)
    )
    context = {"role": page, "article": mark_safe(page["article"])}  # noqa: S308
    return render(request, "roadmap/role_detail.html", context)


def _render_role_article(request: HttpRequest, slug: str) -> dict:
    role = get_object_or_404(
        Role.objects.for_page(sees_drafts(request.user)), slug=slug
    )
    context = {"role": role, **hooks.role_page_context(request, role)}
    article = render_to_string("roadmap/_role_article.html", context, request)
    return {"title": role.title, "tagline": role.tagline, "article": article}


@require_GET
def skill_detail(request: HttpRequest, slug: str) -> HttpResponse:
    user = request.user
    sources = Source.objects.visible_to(user)
    role_skills = RoleSkill.objects.filter(
        role__in=Role.objects.visible_to(user)
    ).select_related("role")
    steps = (
        LearningStep.objects.visible_to(user)
        .select_related("stage__role")
        .order_by("stage__role__position", "stage__position", "position")
    )
    skill = get_object_or_404(
        Skill.objects.visible_to(user).prefetch_related(
            Prefetch("sources", queryset=sources),
            Prefetch(
                "concepts",
                queryset=Concept.objects.visible_to(user).prefetch_related(
                    Prefetch("sources", queryset=sources)
                ),
            ),
            Prefetch("role_skills", queryset=role_skills),
            Prefetch("steps", queryset=steps),
        ),
        slug=slug,
    )
    context = {"skill": skill, **hooks.skill_page_context(request, skill)}
    return render(request, "roadmap/skill_detail.html", context)


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search roles, skills, concepts and steps",
        max_length=settings.SEARCH_MAX_QUERY_LENGTH,
        strip=True,
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
