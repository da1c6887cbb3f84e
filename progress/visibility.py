"""What content a person may see: the one rule every learner page, mentor page,
fragment, command and export looks content up through.

- Published content is for everyone: an item shows when it and every parent is
  published (`roadmap`'s `published()`).
- Staff, looking as themselves, also see drafts (`roadmap.models.sees_drafts`).
- A learner also sees the retired items they have history on (a status, a note,
  evidence): what they did stays theirs after a curator retires the item.
  Retired means once published, now not; a draft that was never published never
  opens through history.
- A mentor sees exactly what the mentee may see as a learner: the mentee's
  published content and retired history, never drafts (not even when either of
  them is staff), and nothing of the mentor's own.

Public listing pages (home, role, skill, search, sources) have no learner
history to add, so they use the content half alone (`visible_to`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Model, QuerySet
from django.http import Http404

from progress.models import ItemProgress
from progress.structure import skill_groups_column
from roadmap.models import (
    Concept,
    LearningStep,
    Role,
    Skill,
    Source,
    Stage,
    sees_drafts,
)

ITEM_MODELS: dict[str, type[Model]] = {"step": LearningStep, "concept": Concept}
# Things a feedback thread can be about: items, and skills.
THREAD_MODELS: dict[str, type[Model]] = {**ITEM_MODELS, "skill": Skill}
_PARENTS = {"step": "stage__role", "concept": "skill", "skill": None}


def published(item) -> bool:
    """The item and every parent are published (read off the loaded parents)."""
    objects = [item]
    for parent in type(item).objects.none().parents:
        target = item
        for name in parent.split("__"):
            target = getattr(target, name)
        objects.append(target)
    return all(obj.is_published for obj in objects)


def may_hold_history(item) -> bool:
    """A learner can have history only on content that was published once:
    published now, or retired. Never on a draft."""
    return published(item) or item.first_published_at is not None


@dataclass(frozen=True)
class Audience:
    """Whose eyes: the learner whose history opens retired items, and whether
    drafts show. Build one with `Audience.of(user)` for a person looking as
    themselves, or `Audience.mentee(learner)` for a mentor's view of a mentee."""

    learner: object | None
    drafts: bool = False

    @classmethod
    def of(cls, user) -> Audience:
        if user is None or not user.is_authenticated:
            return cls(None)
        return cls(user, drafts=sees_drafts(user))

    @classmethod
    def mentee(cls, learner) -> Audience:
        return cls(learner)

    # Listings: published content (or everything, for staff).

    def roles(self) -> QuerySet:
        return Role.objects.visible(self.drafts)

    def sources(self) -> QuerySet:
        return Source.objects.visible(self.drafts)

    def role(self, slug: str) -> Role:
        return self._get(self.roles(), slug)

    def source(self, slug: str) -> Source:
        return self._get(self.sources(), slug)

    def role_for_page(self, slug: str) -> Role:
        """The role with everything its page lists, its choice groups too."""
        return self._get(Role.objects.for_page(self.drafts, choices=True), slug)

    def skill(self, slug: str) -> Skill:
        return self._get(Skill.objects.visible(self.drafts), slug)

    def skill_for_page(self, slug: str) -> Skill:
        """The skill with everything its page lists."""
        # With its choice groups in its own row, for its figures.
        skills = Skill.objects.for_page(self.drafts, choices=True).annotate(
            choice_members=skill_groups_column()
        )
        return self._get(skills, slug)

    def stage(self, role: Role, slug: str) -> Stage:
        """A stage of `role` (itself looked up through this audience)."""
        return self._get(Stage.objects.visible(self.drafts).filter(role=role), slug)

    def skill_or_none(self, slug: str) -> Skill | None:
        return Skill.objects.visible(self.drafts).filter(slug=slug).first()

    # Single items: published, a draft for staff, or retired with history.

    def item(self, kind: str, slug: str):
        """A step or concept this audience may open, or 404."""
        if kind not in ITEM_MODELS:
            raise Http404("Unknown kind of item.")
        return self._item(kind, slug)

    def thread_item(self, kind: str, slug: str):
        """A step, concept or skill a feedback thread may be about, or 404."""
        if kind == "skill":
            return self.skill(slug)
        return self.item(kind, slug)

    def can_see(self, item) -> bool:
        """The rule for an item already loaded with its parents."""
        if self.drafts or published(item):
            return True
        return self._has_history(item)

    def _item(self, kind: str, slug: str):
        model = ITEM_MODELS[kind]
        item = model.objects.select_related(_PARENTS[kind]).filter(slug=slug).first()
        if item is None or not self.can_see(item):
            raise Http404("No such item.")
        return item

    def _has_history(self, item) -> bool:
        if self.learner is None or item.first_published_at is None:
            return False
        return ItemProgress.objects.filter(learner=self.learner).for_item(item).exists()

    @staticmethod
    def _get(queryset: QuerySet, slug: str):
        found = queryset.filter(slug=slug).first()
        if found is None:
            raise Http404("No such content.")
        return found
