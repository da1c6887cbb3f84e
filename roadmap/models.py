"""The content of Waymark: roles, their learning paths, skills and where they came from.

Nothing here knows about learners. Content is never deleted by the loader: an item
that disappears from the content files is retired (unpublished), so progress rows
that point at it survive.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.db.models import (
    F,
    OuterRef,
    Prefetch,
    StringAgg,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Coalesce, JSONObject, Now
from django.urls import reverse
from django.utils import timezone

from roadmap.graph import find_cycle

if TYPE_CHECKING:
    from roadmap.citations import Citation


def sees_drafts(user) -> bool:
    """Staff, looking as themselves, see drafts and retired content.

    The content half of the visibility rule; `progress.visibility` adds the
    learner's half (retired items they have history on, mentors' views).
    """
    return user is not None and user.is_authenticated and user.is_staff


class PublishedQuerySet(models.QuerySet):
    # Lookups of the parents whose unpublishing hides this item too.
    parents: tuple[str, ...] = ()

    def published(self) -> PublishedQuerySet:
        lookups = {f"{parent}__is_published": True for parent in self.parents}
        return self.filter(is_published=True, **lookups)

    def visible(self, drafts: bool) -> PublishedQuerySet:
        """Published content, or everything when drafts show."""
        return self.all() if drafts else self.published()

    def visible_to(self, user) -> PublishedQuerySet:
        """Drafts and retired items are visible to staff only."""
        return self.visible(sees_drafts(user))

    def publish(self) -> int:
        """Publish in bulk, stamping when each item was first published."""
        return self.update(
            is_published=True,
            first_published_at=Coalesce(F("first_published_at"), Now()),
        )


class Content(models.Model):
    """Fields every content item shares."""

    is_published = models.BooleanField(
        "published",
        default=True,
        help_text="Unpublished items (drafts and retired items) are shown to staff "
        "only.",
    )
    first_published_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="Empty for a draft that was never published. An unpublished item "
        "that was once published is retired: learners keep seeing it where they "
        "have history on it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PublishedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.is_published and self.first_published_at is None:
            self.first_published_at = timezone.now()
            fields = kwargs.get("update_fields")
            if fields is not None:
                kwargs["update_fields"] = {*fields, "first_published_at"}
        super().save(*args, **kwargs)

    @property
    def is_retired(self) -> bool:
        """Once published, now not (the item itself; parents aside)."""
        return not self.is_published and self.first_published_at is not None


class Cited(models.Model):
    """An item taken from source documents: the passage it rests on in each, and
    what Waymark adds of its own, kept apart."""

    quotes = models.JSONField(
        default=dict,
        blank=True,
        help_text="For each source the item cites (by slug), the passage it rests "
        "on, word for word; the loader checks each occurs in the source's text.",
    )
    editorial = models.TextField(
        "Waymark's note",
        blank=True,
        help_text="What Waymark adds beyond the sources, shown apart from the "
        "sourced text and labelled as Waymark's own.",
    )

    class Meta:
        abstract = True

    def citations(self) -> list[Citation]:
        """Each (prefetched) source with the passage quoted from it."""
        return citations_of(self.sources.all(), self.quotes)


def citations_of(sources, quotes: dict) -> list[Citation]:
    from roadmap.citations import Citation

    return [Citation(source, quotes.get(source.slug, "")) for source in sources]


class Source(Content):
    """A seed document that content was taken from, with its text."""

    class Kind(models.TextChoices):
        VIDEO = "video", "Video"
        GUIDE = "guide", "Guide"
        PROFILE = "profile", "Role profile"
        ARTICLE = "article", "Article"
        ESSAY = "essay", "Essay"

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    file_name = models.CharField(
        max_length=200, help_text="The seed document's file name."
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    published_on = models.DateField(null=True, blank=True)
    summary = models.TextField(blank=True)
    text = models.TextField(
        blank=True,
        help_text="The document's text, read from its file by the content loader.",
    )

    class Meta:
        ordering = ["file_name"]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_kind_display().lower()})"

    def get_absolute_url(self) -> str:
        return reverse("source_detail", args=[self.slug])


class Resource(Cited, Content):
    """A curated link that helps with a learning step."""

    class Kind(models.TextChoices):
        OFFICIAL_DOCS = "official_docs", "Official documentation"
        SPECIFICATION = "specification", "Specification"
        REFERENCE = "reference", "Reference documentation"
        ARTICLE = "article", "Article"
        VIDEO = "video", "Video"
        COURSE = "course", "Course"
        BOOK = "book", "Book"
        TOOL = "tool", "Tool"

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    url = models.URLField(
        max_length=500, validators=[URLValidator(schemes=["http", "https"])]
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    is_free = models.BooleanField(
        "free",
        default=False,
        help_text="Free of charge; said on the pages only when true.",
    )
    sources = models.ManyToManyField(
        Source,
        blank=True,
        related_name="resources",
        help_text="The seed documents that named what this resource covers; none "
        "for a resource Waymark adds of its own.",
    )

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_addition(self) -> bool:
        """No source names it: Waymark's own addition. Pages that list many
        resources annotate `source_count` rather than ask each one."""
        count = getattr(self, "source_count", None)
        return not self.sources.exists() if count is None else count == 0


class SkillQuerySet(PublishedQuerySet):
    def for_page(self, drafts: bool, choices: bool = False) -> SkillQuerySet:
        """Everything the skill page shows, in a fixed number of queries; with
        `choices`, the concepts' choice groups too, in the same queries
        (`Skill.concept_entries`)."""
        sources = Source.objects.visible(drafts).defer("text")  # its page shows it
        role_skills = RoleSkill.objects.filter(
            role__in=Role.objects.visible(drafts)
        ).select_related("role")
        steps = (
            LearningStep.objects.visible(drafts)
            .select_related("stage__role")
            .order_by("stage__role__position", "stage__position", "position")
        )
        concepts = _with_groups(
            Concept.objects.visible(drafts), "concept", drafts, choices
        ).prefetch_related(Prefetch("sources", queryset=sources))
        return self.visible(drafts).prefetch_related(
            Prefetch("sources", queryset=sources),
            Prefetch("concepts", queryset=concepts),
            Prefetch("role_skills", queryset=role_skills),
            Prefetch("steps", queryset=steps),
        )


def _with_groups(
    items: models.QuerySet, member: str, drafts: bool, choices: bool
) -> models.QuerySet:
    """Concepts (`member` "concept") or steps ("learningstep") with their choice
    group as a column of their own row, `choice_group_row`, where `choices`: the
    group's fields and its sources as JSON, so a page shows the groups without a
    query more (an item is in at most one group; see `_entries`)."""
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
    """The item's choice group from its `choice_group_row` (`_with_groups`), one
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


def _entries(items) -> list[tuple[ChoiceGroup | None, list]]:
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


class Skill(Cited, Content):
    """A skill, shared by every role that needs it."""

    class Kind(models.TextChoices):
        TECHNICAL = "technical", "Technical"
        SOFT = "soft", "Soft"

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.TECHNICAL)
    summary = models.TextField(blank=True)
    sources = models.ManyToManyField(Source, related_name="skills")

    objects = SkillQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("skill_detail", args=[self.slug])

    def concept_entries(self) -> list[tuple[ChoiceGroup | None, list[Concept]]]:
        """The (prefetched) concepts in order, a choice group's members together
        under their group: only where the page fetched the groups
        (`for_page(..., choices=True)`), else each concept on its own."""
        return _entries(self.concepts.all())


# What an item takes when its content file gives no estimate, in hours: a step is
# an afternoon's work; a concept from an hour (an idea) to half a day (a technology).
STEP_HOURS = 4
EFFORT_MAX_HOURS = 500
EFFORT_REASON_MAX_LENGTH = 200
CONCEPT_HOURS = {"idea": 1, "technology": 3, "tool": 2, "practice": 2}
# What a concept query fetches for `Concept.planned_hours_of`.
CONCEPT_HOUR_COLUMNS = ("kind", "effort_hours", "learner_hours")


class Measured(models.Model):
    """How long learners actually took over an item, measured each day from their
    progress (progress/timings.py): the median hours of at least MIN_LEARNERS
    learners, or none. Not content: no file sets it and no export writes it."""

    learner_hours = models.FloatField(
        "hours learners took", null=True, blank=True, editable=False
    )
    learner_count = models.PositiveIntegerField(
        "learners measured", default=0, editable=False
    )

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        if self.effort_reason and self.effort_hours is None:
            raise ValidationError(
                {"effort_reason": "A reason goes with an estimate: give the hours too."}
            )

    @property
    def effort_is_estimated(self) -> bool:
        """Waymark chose an estimate for the item; else `hours` is the default of
        its kind, a guess that pages never present as an estimate."""
        return self.effort_hours is not None

    @property
    def planned_hours(self) -> float:
        """The hours a plan counts: what learners took once known, else the
        estimate."""
        return self.learner_hours or self.hours


class ConceptQuerySet(PublishedQuerySet):
    parents = ("skill",)


class Concept(Measured, Cited, Content):
    """Something to understand or a technology to know, within one skill."""

    class Kind(models.TextChoices):
        IDEA = "idea", "Fundamental concept"
        TECHNOLOGY = "technology", "Technology"
        TOOL = "tool", "Tool"
        PRACTICE = "practice", "Practice"

    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="concepts")
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.IDEA)
    summary = models.TextField(blank=True)
    effort_hours = models.PositiveSmallIntegerField(
        "effort (hours)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(EFFORT_MAX_HOURS)],
        help_text="Waymark's estimate; empty means no estimate yet (plans then "
        "count the kind's default).",
    )
    effort_reason = models.CharField(
        "why this estimate",
        max_length=EFFORT_REASON_MAX_LENGTH,
        blank=True,
        help_text="One line on what the estimate counts, shown beside it.",
    )
    position = models.PositiveIntegerField(default=0)
    sources = models.ManyToManyField(Source, related_name="concepts")

    objects = ConceptQuerySet.as_manager()

    class Meta:
        ordering = ["skill_id", "position", "id"]
        indexes = [models.Index(fields=["skill", "position"], name="concept_order")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("skill_detail", args=[self.skill.slug]) + f"#concept-{self.slug}"

    @property
    def hours(self) -> int:
        """The hours plans count: Waymark's estimate, else the kind's default (a
        guess: see `effort_is_estimated`)."""
        return self.effort_hours or CONCEPT_HOURS[self.kind]

    @staticmethod
    def planned_hours_of(kind: str, effort_hours, learner_hours) -> float:
        """`planned_hours` from a query's CONCEPT_HOUR_COLUMNS, with no instance."""
        return learner_hours or effort_hours or CONCEPT_HOURS[kind]


class RoleQuerySet(PublishedQuerySet):
    def for_listing(self) -> RoleQuerySet:
        """Roles with the counts the home page shows, in one query."""
        return self.annotate(
            stage_count=models.Count("stages", distinct=True),
            step_count=models.Count("stages__steps", distinct=True),
            skill_count=models.Count("role_skills", distinct=True),
        )

    def for_page(self, drafts: bool, choices: bool = False) -> RoleQuerySet:
        """Everything the role page shows, in a fixed number of queries; with
        `choices`, the skills' and stages' choice groups too, in the same queries
        (`Skill.concept_entries`, `Stage.step_choices`)."""
        sources = Source.objects.visible(drafts).defer("text")  # its page shows it
        steps = (
            _with_groups(
                LearningStep.objects.visible(drafts), "learningstep", drafts, choices
            )
            .order_by("position", "id")
            .prefetch_related(
                Prefetch("skills", queryset=Skill.objects.visible(drafts)),
                Prefetch(
                    "concepts",
                    queryset=Concept.objects.visible(drafts).order_by("name"),
                ),
                Prefetch(
                    "prerequisites",
                    queryset=LearningStep.objects.visible(drafts).order_by("title"),
                ),
                Prefetch(
                    "resources",
                    queryset=Resource.objects.visible(drafts).annotate(
                        source_count=models.Count("sources")
                    ),
                ),
                Prefetch("sources", queryset=sources),
            )
        )
        stages = (
            Stage.objects.visible(drafts)
            .order_by("position", "id")
            .prefetch_related(
                Prefetch("steps", queryset=steps),
                Prefetch("sources", queryset=sources),
            )
        )
        role_skills = (
            RoleSkill.objects.filter(skill__in=Skill.objects.visible(drafts))
            .select_related("skill")
            .prefetch_related(
                Prefetch(
                    "skill__concepts",
                    queryset=_with_groups(
                        Concept.objects.visible(drafts), "concept", drafts, choices
                    ),
                )
            )
        )
        facts = RoleFact.objects.prefetch_related(Prefetch("sources", queryset=sources))
        return self.visible(drafts).prefetch_related(
            Prefetch("sources", queryset=sources),
            Prefetch("salary_sources", queryset=sources),
            Prefetch("facts", queryset=facts),
            Prefetch("role_skills", queryset=role_skills),
            Prefetch("stages", queryset=stages),
        )


class Role(Cited, Content):
    """A job someone wants to grow into, with its learning path."""

    class SalaryPeriod(models.TextChoices):
        YEAR = "year", "a year"
        MONTH = "month", "a month"
        HOUR = "hour", "an hour"

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    tagline = models.CharField(max_length=300, blank=True)
    summary = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    sources = models.ManyToManyField(Source, related_name="roles")
    skills = models.ManyToManyField(Skill, through="RoleSkill", related_name="roles")

    salary_amount = models.PositiveIntegerField(null=True, blank=True)
    salary_currency = models.CharField(max_length=3, blank=True)
    salary_period = models.CharField(
        max_length=10, choices=SalaryPeriod.choices, blank=True
    )
    salary_region = models.CharField(max_length=100, blank=True)
    salary_cited = models.CharField(
        "salary cited from",
        max_length=200,
        blank=True,
        help_text="Who published the figure, as the source document says.",
    )
    salary_as_of = models.DateField(
        null=True,
        blank=True,
        help_text="The month the figure is for (stored as the month's first day).",
    )
    salary_sources = models.ManyToManyField(
        Source, blank=True, related_name="salary_roles"
    )
    salary_quotes = models.JSONField(
        default=dict,
        blank=True,
        help_text="For each source of the salary, the passage that gives it.",
    )

    objects = RoleQuerySet.as_manager()

    class Meta:
        ordering = ["position", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("role_detail", args=[self.slug])

    def salary_citations(self) -> list[Citation]:
        return citations_of(self.salary_sources.all(), self.salary_quotes)

    def clean(self) -> None:
        salary = [self.salary_amount, self.salary_currency, self.salary_period]
        if any(salary) and not all(salary):
            raise ValidationError(
                "A salary needs an amount, a currency and a period, or none of them."
            )

    def facts_by_kind(self) -> list[tuple[str, list[RoleFact]]]:
        """Prefetched facts grouped in the order the page shows them."""
        grouped: dict[str, list[RoleFact]] = {kind: [] for kind in RoleFact.Kind}
        for fact in self.facts.all():
            grouped[fact.kind].append(fact)
        return [
            (RoleFact.Kind(kind).label, facts)
            for kind, facts in grouped.items()
            if facts
        ]

    def skills_by_importance(self) -> list[tuple[str, list[RoleSkill]]]:
        grouped: dict[str, list[RoleSkill]] = {
            value: [] for value in RoleSkill.Importance
        }
        for role_skill in self.role_skills.all():
            grouped[role_skill.importance].append(role_skill)
        return [
            (RoleSkill.Importance(value).label, items)
            for value, items in grouped.items()
            if items
        ]


class RoleFact(Cited):
    """One thing the sources say about a role: a responsibility, an industry..."""

    class Kind(models.TextChoices):
        RESPONSIBILITY = "responsibilities", "Responsibilities"
        DAY_TO_DAY = "day_to_day", "Day to day"
        BACKGROUND = "background", "Typical background"
        EDUCATION = "education", "Education"
        CERTIFICATION = "certifications", "Certifications"
        INDUSTRY = "industries", "Leading industries"
        EMPLOYERS = "employers_look_for", "What employers look for"
        FIT = "right_for_you", "Is this role right for you?"

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="facts")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    text = models.TextField()
    position = models.PositiveIntegerField(default=0)
    sources = models.ManyToManyField(Source, related_name="role_facts")

    class Meta:
        ordering = ["role_id", "kind", "position", "id"]

    def __str__(self) -> str:
        return self.text[:80]


class RoleSkill(models.Model):
    """How much a role needs a skill."""

    class Importance(models.TextChoices):
        CORE = "core", "Core"
        RECOMMENDED = "recommended", "Recommended"
        OPTIONAL = "optional", "Optional"

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="role_skills")
    skill = models.ForeignKey(
        Skill, on_delete=models.CASCADE, related_name="role_skills"
    )

    class Basis(models.TextChoices):
        SOURCES = "sources", "From the sources"
        WAYMARK = "waymark", "Waymark's judgement"

    importance = models.CharField(max_length=20, choices=Importance.choices)
    importance_basis = models.CharField(
        max_length=20,
        choices=Basis.choices,
        default=Basis.WAYMARK,
        help_text="`sources` where the seed documents rank the skill (the skill's "
        "quotes give the passage); `waymark` where they do not and the importance "
        "is Waymark's judgement. Pages label the latter.",
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["role_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["role", "skill"], name="unique_role_skill")
        ]

    def __str__(self) -> str:
        return f"{self.skill} ({self.get_importance_display().lower()})"


class StageQuerySet(PublishedQuerySet):
    parents = ("role",)


class Stage(Cited, Content):
    """An ordered part of a role's learning path."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="stages")
    slug = models.SlugField(max_length=80)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    sources = models.ManyToManyField(Source, related_name="stages")

    objects = StageQuerySet.as_manager()

    class Meta:
        ordering = ["role_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["role", "slug"], name="unique_stage_slug_per_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("role_detail", args=[self.role.slug]) + f"#stage-{self.slug}"

    def step_choices(self) -> list[tuple[ChoiceGroup, list[LearningStep]]]:
        """The stage's choice groups with their (prefetched) steps in order, where
        the page fetched them (`for_page(..., choices=True)`)."""
        return [e for e in _entries(self.steps.all()) if e[0] is not None]


class LearningStepQuerySet(PublishedQuerySet):
    parents = ("stage", "stage__role")


class LearningStep(Measured, Cited, Content):
    """One thing to do on the way to a role, in order within its stage."""

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="steps")
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    effort_hours = models.PositiveSmallIntegerField(
        "effort (hours)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(EFFORT_MAX_HOURS)],
        help_text="Waymark's estimate; empty means no estimate yet (plans then "
        f"count {STEP_HOURS} hours).",
    )
    effort_reason = models.CharField(
        "why this estimate",
        max_length=EFFORT_REASON_MAX_LENGTH,
        blank=True,
        help_text="One line on what the estimate counts, shown beside it.",
    )
    position = models.PositiveIntegerField(default=0)
    skills = models.ManyToManyField(Skill, blank=True, related_name="steps")
    concepts = models.ManyToManyField(Concept, blank=True, related_name="steps")
    prerequisites = models.ManyToManyField(
        "self",
        blank=True,
        symmetrical=False,
        related_name="unlocks",
        help_text="Steps to finish first. A prerequisite cycle is refused.",
    )
    resources = models.ManyToManyField(Resource, blank=True, related_name="steps")
    sources = models.ManyToManyField(Source, related_name="steps")

    objects = LearningStepQuerySet.as_manager()

    class Meta:
        ordering = ["stage_id", "position", "id"]
        indexes = [models.Index(fields=["stage", "position"], name="step_order")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return (
            reverse("role_detail", args=[self.stage.role.slug]) + f"#step-{self.slug}"
        )

    @property
    def hours(self) -> int:
        """The hours plans count: Waymark's estimate, else the default (a guess:
        see `effort_is_estimated`)."""
        return self.effort_hours or STEP_HOURS

    @classmethod
    def prerequisite_edges(cls) -> dict[int, set[int]]:
        """Every step's prerequisites, by id, in one query."""
        edges: dict[int, set[int]] = {}
        through = cls.prerequisites.through.objects.values_list(
            "from_learningstep_id", "to_learningstep_id"
        )
        for step_id, prerequisite_id in through:
            edges.setdefault(step_id, set()).add(prerequisite_id)
        return edges

    @classmethod
    def check_prerequisite_edges(cls, edges: dict[int, set[int]]) -> None:
        """Raise ValidationError naming the steps when the edges hold a cycle."""
        cycle = find_cycle(edges)
        if cycle is None:
            return
        titles = dict(cls.objects.filter(pk__in=set(cycle)).values_list("pk", "title"))
        path = " → ".join(titles.get(pk, str(pk)) for pk in cycle)
        raise ValidationError(
            f"These prerequisites would make a cycle: {path}.", code="cycle"
        )

    def check_prerequisites(self, prerequisite_ids: Iterable[int]) -> None:
        """Refuse prerequisites that would make the graph cyclic."""
        ids = set(prerequisite_ids)
        if self.pk is None:
            return  # a new step has no dependents, so it cannot close a cycle
        if self.pk in ids:
            raise ValidationError(
                "A step cannot be its own prerequisite.", code="cycle"
            )
        edges = self.prerequisite_edges()
        edges[self.pk] = ids
        self.check_prerequisite_edges(edges)


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
        Skill,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="choice_groups",
    )
    stage = models.ForeignKey(
        Stage,
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
        Concept,
        blank=True,
        related_name="choice_groups",
        help_text="A skill's group: the concepts to choose among.",
    )
    steps = models.ManyToManyField(
        LearningStep,
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
