"""A source document's page: its text with every quoted passage marked, and what
in the roadmap comes from it. Nine queries, whatever the size of the roadmap."""

from __future__ import annotations

from dataclasses import dataclass

from django.shortcuts import get_object_or_404
from django.utils.text import Truncator

from roadmap.citations import (
    Passage,
    anchor,
    marked_paragraphs,
    normalise,
    passages_of,
)
from roadmap.models import Role, RoleFact, Source
from roadmap.templatetags.links import web_link


@dataclass(frozen=True)
class Use:
    """Something in the roadmap that cites the source."""

    kind: str  # as the page lists it: "Learning steps", ...
    label: str
    url: str
    quotes: tuple[str, ...]  # the passages it quotes from the source

    @property
    def quote(self) -> str:
        return next(iter(self.quotes), "")

    @property
    def anchor(self) -> str:
        return anchor(self.quote)


def uses_of(source: Source, drafts: bool) -> list[Use]:
    """Every visible item citing `source`, in the order the page lists them."""
    roles = Role.objects.visible(drafts)
    facts = RoleFact.objects.filter(sources=source, role__in=roles)
    listed = [
        ("Roles", roles.filter(sources=source), _role),
        ("Roles", roles.filter(salary_sources=source), _salary),
        ("What the roles involve", facts.select_related("role"), _fact),
        ("Stages", source.stages.visible(drafts).select_related("role"), _titled),
        (
            "Learning steps",
            source.steps.visible(drafts).select_related("stage__role"),
            _titled,
        ),
        ("Skills", source.skills.visible(drafts), _named),
        ("Concepts", source.concepts.visible(drafts).select_related("skill"), _named),
        ("Resources", source.resources.visible(drafts), _resource),
    ]
    uses = []
    for kind, items, describe in listed:
        for item in items:
            label, url, quotes = describe(item)
            quoted = tuple(passages_of(quotes.get(source.slug)))
            uses.append(Use(kind, label, url, quoted))
    return uses


def _role(role):
    return role.title, role.get_absolute_url(), role.quotes


def _salary(role):
    return (
        f"{role.title}: pay",
        role.get_absolute_url() + "#salary-title",
        role.salary_quotes,
    )


def _fact(fact):
    kind = fact.get_kind_display().lower()
    label = f"{fact.role.title}, {kind}: {Truncator(fact.text).words(10)}"
    return label, fact.role.get_absolute_url() + "#about", fact.quotes


def _titled(item):
    return item.title, item.get_absolute_url(), item.quotes


def _named(item):
    return item.name, item.get_absolute_url(), item.quotes


def _resource(resource):
    return resource.title, web_link(resource.url), resource.quotes


def passages(uses: list[Use]) -> list[Passage]:
    """One passage per distinct quote (same words, same passage), with its items."""
    by_words: dict[str, Passage] = {}
    for use in uses:
        for quote in use.quotes:
            passage = by_words.setdefault(normalise(quote), Passage(quote))
            passage.items.append((use.label, use.url))
    return list(by_words.values())


def source_context(slug: str, drafts: bool) -> dict:
    source = get_object_or_404(Source.objects.visible(drafts), slug=slug)
    uses = uses_of(source, drafts)
    groups: dict[str, list[Use]] = {}
    for use in uses:
        groups.setdefault(use.kind, []).append(use)
    return {
        "source": source,
        "paragraphs": marked_paragraphs(source.text, passages(uses)),
        "uses": list(groups.items()),
        "use_count": len(uses),
        "quoted_count": sum(1 for use in uses if use.quote),
    }
