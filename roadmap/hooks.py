"""The one extension point of the public pages, so that `roadmap` needs no
other app: an app that keeps people's progress (`progress` does) renders the role
and skill pages for signed-in people its own way, with their statuses and
figures. Signed out, and when no app registered, the public page is rendered.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

Page = Callable[[HttpRequest, str], HttpResponse]
_pages: dict[str, Page] = {}


def register(page: str, view: Page) -> None:
    """`page` is "role" or "skill"; `view(request, slug)` answers for it."""
    _pages[page] = view


def signed_in_page(page: str, request: HttpRequest, slug: str) -> HttpResponse | None:
    view = _pages.get(page)
    return view(request, slug) if view is not None else None
