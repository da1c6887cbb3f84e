"""What all content shares: the published and draft rule (`sees_drafts`,
`PublishedQuerySet`), the `Content` and `Cited` bases, and the effort estimates
of steps and concepts (`Measured`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import (
    F,
)
from django.db.models.functions import Coalesce, Now
from django.utils import timezone

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


RECALL_PROMPT_MAX_LENGTH = 300


class Recalled(models.Model):
    """An item a learner reviews: a question to answer from memory, whose answer
    is the passage the item quotes from one of its sources (with Waymark's note
    beside it)."""

    recall_prompt = models.CharField(
        "recall prompt",
        max_length=RECALL_PROMPT_MAX_LENGTH,
        blank=True,
        help_text="A question a learner answers from memory when the item is up "
        "for review.",
    )
    recall_answer = models.SlugField(
        "answered by the quote from",
        max_length=100,
        blank=True,
        help_text="The source (by slug) whose quoted passage answers the prompt: "
        "one the item quotes.",
    )

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        if self.recall_prompt and not self.recall_answer:
            raise ValidationError(
                {"recall_answer": "Name the source whose quote answers the prompt."}
            )
        if self.recall_answer and not self.recall_prompt:
            raise ValidationError(
                {"recall_prompt": "Write the question the quote answers."}
            )
        if self.recall_answer and self.recall_answer not in (self.quotes or {}):
            raise ValidationError(
                {
                    "recall_answer": f"The item quotes no passage of "
                    f"“{self.recall_answer}”: the answer must be one of its quotes "
                    f"({', '.join(sorted(self.quotes or {})) or 'none yet'})."
                }
            )

    @property
    def recall(self) -> Recall | None:
        """The prompt with its answer, or None when the item has none."""
        if not self.recall_prompt or self.recall_answer not in (self.quotes or {}):
            return None
        return Recall(
            self.recall_prompt,
            self.recall_answer,
            self.quotes[self.recall_answer],
            self.editorial,
        )


@dataclass(frozen=True)
class Recall:
    prompt: str
    source_slug: str
    quote: str | list[str]  # the passage, or several of one source
    note: str  # Waymark's note

    @property
    def passages(self) -> list[str]:
        return self.quote if isinstance(self.quote, list) else [self.quote]


def citations_of(sources, quotes: dict) -> list[Citation]:
    return [Citation(source, quotes.get(source.slug, "")) for source in sources]


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
    meaning_changed_at = models.DateTimeField(
        "meaning changed",
        null=True,
        blank=True,
        editable=False,
        help_text="When a revision last changed what the item asks of a learner "
        "(roadmap.revisions.MEANING): learners who marked it before are told.",
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
