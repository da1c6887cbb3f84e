"""Choice groups: "any `pick` of these" among a skill's concepts or a stage's
steps, and how pages read them as a column of each member's row."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import (
    OuterRef,
    StringAgg,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Cast, JSONObject

from roadmap.models.base import Cited, citations_of
from roadmap.models.sources import Source

if TYPE_CHECKING:
    from roadmap.citations import Citation
    from roadmap.models.roles import Concept, LearningStep, Skill, Stage


def with_choice_groups(
    items: models.QuerySet, member: str, drafts: bool, choices: bool
) -> models.QuerySet:
    """Concepts (`member` "concept") or steps ("learningstep") with their choice
    group as a column of their own row, `choice_group_row`, where `choices`: the
    group's fields and its sources as JSON, so a page shows the groups without a
    query more (an item is in at most one group; see `choice_entries`)."""
    if not choices:
        return items
    members = ChoiceGroup.concepts if member == "concept" else ChoiceGroup.steps
    through = members.through
    source = JSONObject(
        id="source_id",
        slug="source__slug",
        title="source__title",
        kind="source__kind",
        file_name="source__file_name",
    )
    sources = (
        ChoiceGroup.sources.through.objects.filter(
            choicegroup=OuterRef("choicegroup_id"),
            source__in=Source.objects.visible(drafts),
        )
        .order_by()
        .values("choicegroup")
        .annotate(text=StringAgg(Cast(source, TextField()), delimiter=Value(",")))
        .values("text")
    )
    group = JSONObject(
        id="choicegroup_id",
        slug="choicegroup__slug",
        title="choicegroup__title",
        pick="choicegroup__pick",
        editorial="choicegroup__editorial",
        quotes=Cast("choicegroup__quotes", TextField()),
        sources=Subquery(sources),
    )
    rows = (
        through.objects.filter(**{member: OuterRef("pk")})
        .order_by("choicegroup__position", "choicegroup_id")
        .values(row=group)[:1]
    )
    return items.annotate(choice_group_row=Subquery(rows))


def _json(value):
    """A value read from a JSON column: decoded already, or JSON text."""
    return json.loads(value) if isinstance(value, str) else value


def _group_of(item, groups: dict[int, ChoiceGroup]) -> ChoiceGroup | None:
    """The item's choice group from its `choice_group_row` (`with_choice_groups`), one
    instance per group in `groups`; None for an item in none or read without."""
    row = getattr(item, "choice_group_row", None)
    if row is None:
        return None
    row = _json(row)
    group = groups.get(row["id"])
    if group is None:
        group = groups[row["id"]] = ChoiceGroup(
            id=row["id"],
            slug=row["slug"],
            title=row["title"],
            pick=row["pick"],
            editorial=row["editorial"],
            quotes=_json(row["quotes"]) or {},
        )
        cited = [Source(**source) for source in _json(f"[{row['sources'] or ''}]")]
        group.cited_sources = sorted(cited, key=lambda source: source.file_name)
    return group


def choice_entries(items) -> list[tuple[ChoiceGroup | None, list]]:
    """Items in order, each group's members together where its first member is:
    (group, members) for a group, (None, [item]) for an item in none."""
    groups: dict[int, ChoiceGroup] = {}
    entries: list[tuple[ChoiceGroup | None, list]] = []
    placed: dict[int, list] = {}
    for item in items:
        group = _group_of(item, groups)
        if group is None:
            entries.append((None, [item]))
        elif group.pk in placed:
            placed[group.pk].append(item)
        else:
            placed[group.pk] = [item]
            entries.append((group, placed[group.pk]))
    return entries


class ChoiceGroup(Cited):
    """ "Any `pick` of these": alternatives among a skill's concepts or a stage's
    steps, where the sources offer a choice (one backend language of several).

    Owned by exactly one skill (`skill`, `Skill.choice_groups`) or one stage
    (`stage`, `Stage.choice_groups`); its members are concepts of that skill
    (`concepts`, `Concept.choice_groups`) or steps of that stage (`steps`,
    `LearningStep.choice_groups`), and an item is a member of at most one group
    (the loader and the admin refuse more). The API for counting: the group counts
    as `pick` items (1 <= pick <= members), met once `pick` of its members are
    done; `members()` lists them in path order, `member_set()` gives their ids,
    `still_needed(done_ids)` says how many more a learner needs. Pages fetch
    groups with `Role.objects.for_page(..., choices=True)` (and `Skill`'s), as a
    column of each member's row: there a group has no members of its own (use
    `Skill.concept_entries` / `Stage.step_choices`), only its fields and sources.
    Not content of its own: no learner data points at a group, so the loader
    deletes one the files drop.
    """

    skill = models.ForeignKey(
        "roadmap.Skill",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="choice_groups",
    )
    stage = models.ForeignKey(
        "roadmap.Stage",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="choice_groups",
    )
    slug = models.SlugField(max_length=80)
    title = models.CharField(max_length=200)
    pick = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1)],
        help_text="How many of the members meet the group: from 1 to the number "
        "of members.",
    )
    position = models.PositiveIntegerField(default=0)
    concepts = models.ManyToManyField(
        "roadmap.Concept",
        blank=True,
        related_name="choice_groups",
        help_text="A skill's group: the concepts to choose among.",
    )
    steps = models.ManyToManyField(
        "roadmap.LearningStep",
        blank=True,
        related_name="choice_groups",
        help_text="A stage's group: the steps to choose among.",
    )
    sources = models.ManyToManyField(Source, blank=True, related_name="choice_groups")

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pick__gte=1), name="choice_group_pick_at_least_one"
            ),
            models.CheckConstraint(
                condition=models.Q(skill__isnull=True, stage__isnull=False)
                | models.Q(skill__isnull=False, stage__isnull=True),
                name="choice_group_one_owner",
            ),
            models.UniqueConstraint(
                fields=["skill", "slug"],
                condition=models.Q(skill__isnull=False),
                name="unique_choice_group_slug_per_skill",
            ),
            models.UniqueConstraint(
                fields=["stage", "slug"],
                condition=models.Q(stage__isnull=False),
                name="unique_choice_group_slug_per_stage",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (pick {self.pick})"

    def citations(self) -> list[Citation]:
        """As every cited item's; from the sources read with the members' rows
        where a page read the group there (`_group_of`)."""
        cited = getattr(self, "cited_sources", None)
        if cited is None:
            return super().citations()
        return citations_of(cited, self.quotes)

    @property
    def owner(self) -> Skill | Stage:
        return self.skill if self.skill_id else self.stage

    def members(self) -> list[Concept] | list[LearningStep]:
        """The concepts or steps to choose among, in path order (prefetched when
        the caller prefetched them)."""
        members = self.concepts.all() if self.skill_id else self.steps.all()
        return sorted(members, key=lambda item: (item.position, item.pk))

    def still_needed(self, done_ids: Iterable[int]) -> int:
        """How many more members a learner must finish to meet the group."""
        done = set(done_ids)
        finished = sum(1 for member in self.members() if member.pk in done)
        return max(0, self.pick - finished)

    def member_set(self) -> set[int]:
        """The members' ids."""
        members = self.concepts if self.skill_id else self.steps
        return {member.pk for member in members.all()}

    def label(self, count: int | None = None) -> str:
        """How pages name the choice: "Pick 1 of 8" (of `count` where a page shows
        fewer members than the group lists)."""
        count = len(self.member_set()) if count is None else count
        return f"Pick {self.pick} of {count}"
