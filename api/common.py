"""What every part of the API shares: pagination, the refusals an endpoint
documents, and how answers may be cached."""

from __future__ import annotations

from typing import Annotated

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest
from django.utils.http import urlencode
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import condition
from ninja import Query
from ninja.decorators import decorate_view

from api import schemas
from config import caching

PER_PAGE = 20
# A list's page: from 1 (a page past the last is a 404).
PageNumber = Annotated[int, Query(ge=1, description="The page, from 1.")]


# The refusals each endpoint documents, each one it can give
# (tests/api/test_status_codes.py reaches every one). Any request may be a 400
# (a NUL character, or invalid parameters) or a 429 (a limit).
PROBLEMS = {400: schemas.Problem, 429: schemas.Problem}
PUBLIC_PROBLEMS = {**PROBLEMS, 404: schemas.Problem}
TOKEN_PROBLEMS = {**PROBLEMS, 401: schemas.Problem}


def content_etag(request: HttpRequest, *args, **kwargs) -> str:
    """The public answers change only with the content (and the code)."""
    return caching.content_etag()


public = decorate_view(
    condition(etag_func=content_etag), cache_control(public=True, max_age=300)
)
private = decorate_view(never_cache)


def paginate(request: HttpRequest, objects, page: int) -> tuple[list, dict]:
    """One page of `objects` (a list or a query set): the page's objects and
    its `Page` fields; a page past the last is a 404."""
    paginator = Paginator(objects, PER_PAGE)
    if page > max(paginator.num_pages, 1):
        raise Http404(f"There are {paginator.num_pages} pages.")
    current = paginator.page(page)
    following = None
    if current.has_next():
        following = request.build_absolute_uri(
            f"{request.path}?{urlencode({'page': page + 1})}"
        )
    fields = {
        "count": paginator.count,
        "page": page,
        "pages": paginator.num_pages,
        "next": following,
    }
    return list(current.object_list), fields
