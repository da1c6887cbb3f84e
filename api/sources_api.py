"""The sources Waymark's content quotes, through the API (`/api/v1/sources`):
each published source with its text, and what in the published roadmap cites
it with the passages it quotes, as the source's page lists them
(`roadmap.source_page.uses_of`, the page's own rule)."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from ninja import Path, Router, Schema
from pydantic import Field

from api.common import PUBLIC_PROBLEMS, PageNumber, paginate, public
from api.schemas import Page
from progress.visibility import Audience
from roadmap.models import Source
from roadmap.source_page import uses_of

router = Router(tags=["content"])
NOBODY = Audience.of(None)


class SourceSummary(Schema):
    slug: str
    title: str
    kind: str = Field(description="video, guide, profile, article or essay.")
    published_on: datetime.date | None
    summary: str
    url: str = Field(description="Its page on Waymark, with the passages marked.")


class SourcePage(Page):
    items: list[SourceSummary]


class SourceUse(Schema):
    kind: str = Field(description='What cites it, as its page groups them: "Roles"…')
    title: str
    url: str
    quotes: list[str] = Field(description="The passages it quotes, verbatim.")


class SourceDetail(SourceSummary):
    text: str = Field(description="The document's whole text.")
    cited_by: list[SourceUse]


def _summary(request: HttpRequest, source: Source) -> dict:
    return {
        "slug": source.slug,
        "title": source.title,
        "kind": source.kind,
        "published_on": source.published_on,
        "summary": source.summary,
        "url": request.build_absolute_uri(source.get_absolute_url()),
    }


@router.get(
    "",
    response={200: SourcePage, **PUBLIC_PROBLEMS},
    summary="Published sources",
)
@public
def list_sources(request: HttpRequest, page: PageNumber = 1):
    """Every published source the content quotes, 20 a page (without their
    texts: `GET /sources/{slug}` has each one's)."""
    sources = NOBODY.sources().defer("text").order_by("file_name", "id")
    sources, fields = paginate(request, sources, page)
    return {**fields, "items": [_summary(request, source) for source in sources]}


@router.get(
    "/{slug}",
    response={200: SourceDetail, **PUBLIC_PROBLEMS},
    summary="A source, its text and what cites it",
)
@public
def get_source(request: HttpRequest, slug: Path[str]):
    """A published source with its text, and each published item that cites
    it with the passages it quotes, as the source's page lists them."""
    source = NOBODY.source(slug)
    uses = [
        {
            "kind": use.kind,
            "title": use.label,
            "url": request.build_absolute_uri(use.url),
            "quotes": list(use.quotes),
        }
        for use in uses_of(source, drafts=False)
    ]
    return {**_summary(request, source), "text": source.text, "cited_by": uses}
