"""The documents Waymark quotes (`Source`) and the resources it points to."""

from __future__ import annotations

from django.core.validators import URLValidator
from django.db import models
from django.urls import reverse

from roadmap.models.base import Cited, Content


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
