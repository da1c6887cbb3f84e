"""Roles and what they are made of: skills (shared by every role that needs
them) and their concepts, the roles' facts, and their learning paths: stages of
steps."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import (
    Prefetch,
)
from django.urls import reverse

from roadmap.graph import find_cycle
from roadmap.models.base import (
    CONCEPT_HOURS,
    EFFORT_MAX_HOURS,
    EFFORT_REASON_MAX_LENGTH,
    STEP_HOURS,
    Cited,
    Content,
    Measured,
    PublishedQuerySet,
    Recalled,
    citations_of,
)
from roadmap.models.choices import ChoiceGroup, choice_entries, with_choice_groups
from roadmap.models.sources import Resource, Source

if TYPE_CHECKING:
    from roadmap.citations import Citation


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
        concepts = with_choice_groups(
            Concept.objects.visible(drafts), "concept", drafts, choices
        ).prefetch_related(Prefetch("sources", queryset=sources))
        return self.visible(drafts).prefetch_related(
            Prefetch("sources", queryset=sources),
            Prefetch("concepts", queryset=concepts),
            Prefetch("role_skills", queryset=role_skills),
            Prefetch("steps", queryset=steps),
        )


class Skill(Recalled, Cited, Content):
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
        return choice_entries(self.concepts.all())


class ConceptQuerySet(PublishedQuerySet):
    parents = ("skill",)


class Concept(Recalled, Measured, Cited, Content):
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
            with_choice_groups(
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
                    queryset=with_choice_groups(
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
        return [e for e in choice_entries(self.steps.all()) if e[0] is not None]


class LearningStepQuerySet(PublishedQuerySet):
    parents = ("stage", "stage__role")


class LearningStep(Recalled, Measured, Cited, Content):
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
