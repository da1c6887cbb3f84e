"""Extension points of the public pages, so that `roadmap` needs no other app.

An app that builds on the content (progress does) registers a function that adds
context to a page; the page's template includes the templates that context names.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from roadmap.models import Role, Skill

Hook = Callable[..., dict]
_hooks: dict[str, list[Hook]] = {
    "role_page": [],
    "skill_page": [],
    "signed_in_role_page": [],
}


def register(page: str) -> Callable[[Hook], Hook]:
    def decorator(function: Hook) -> Hook:
        _hooks[page].append(function)
        return function

    return decorator


def _context(page: str, request: HttpRequest, **objects) -> dict:
    context: dict = {}
    for hook in _hooks[page]:
        context.update(hook(request, **objects))
    return context


def role_page_context(request: HttpRequest, role: Role) -> dict:
    return _context("role_page", request, role=role)


def skill_page_context(request: HttpRequest, skill: Skill) -> dict:
    return _context("skill_page", request, skill=skill)


def signed_in_role_page(request: HttpRequest, slug: str) -> HttpResponse | None:
    """A response for the role page from an app that renders it for signed-in
    users its own way (progress does), or None."""
    for hook in _hooks["signed_in_role_page"]:
        response = hook(request, slug)
        if response is not None:
            return response
    return None
