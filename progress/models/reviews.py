"""Spaced review: each done item's FSRS schedule (`ReviewCard`), its ratings
(`ReviewLog`) and how the learner paces their reviews (`ReviewSettings`). The
rules are in progress/reviews.py."""

from __future__ import annotations

import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from progress.models.core import (
    ItemRelated,
    _one_item,
    _one_row_per_learner_item,
)


class ReviewCard(ItemRelated):
    """The spaced-review schedule of one done item (FSRS): made by the first
    rating; before it, a done item is due the day after it was marked done."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews"
    )
    card = models.JSONField(help_text="The FSRS card's state.")
    due = models.DateField(help_text="The day of the next review, the learner's.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            _one_item("review_names_one_item"),
            *_one_row_per_learner_item(
                "one_review_per_learner_step", "one_review_per_learner_concept"
            ),
        ]
        indexes = [models.Index(fields=["learner", "due"], name="review_due")]

    def __str__(self) -> str:
        return f"{self.learner} reviews {self.item} on {self.due}"


class ReviewLog(models.Model):
    """One answered review: how well the learner recalled the item."""

    class Rating(models.IntegerChoices):
        AGAIN = 1, "Again"
        HARD = 2, "Hard"
        GOOD = 3, "Good"
        EASY = 4, "Easy"

    card = models.ForeignKey(ReviewCard, on_delete=models.CASCADE, related_name="logs")
    rating = models.PositiveSmallIntegerField(choices=Rating.choices)
    reviewed_at = models.DateTimeField(auto_now_add=True)
    next_due = models.DateField()

    class Meta:
        ordering = ["reviewed_at", "id"]

    def __str__(self) -> str:
        return f"{self.card.item}: {self.get_rating_display()}"


# Target retention (FSRS's desired retention): below 0.7 reviews come too late
# to help; above 0.97 they come so often that the load explodes.
RETENTION_MIN, RETENTION_MAX, RETENTION_DEFAULT = 0.70, 0.97, 0.90
DAILY_LIMIT_MAX = 500
MAX_PAUSE_DAYS = 180


class ReviewSettings(models.Model):
    """How a learner's reviews are paced: a daily limit, a pause, and how well
    they aim to remember (docs/progress.md, "Spaced review")."""

    learner = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="review_settings",
    )
    daily_limit = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(DAILY_LIMIT_MAX)],
        help_text="At most this many reviews a day; the rest wait, oldest first. "
        "Empty: no limit.",
    )
    retention = models.FloatField(
        "target retention",
        default=RETENTION_DEFAULT,
        validators=[
            MinValueValidator(RETENTION_MIN),
            MaxValueValidator(RETENTION_MAX),
        ],
        help_text="How likely you aim to recall an item when it comes back: "
        "higher means more frequent reviews.",
    )
    paused_from = models.DateField(null=True, blank=True)
    paused_until = models.DateField(
        null=True,
        blank=True,
        help_text="No reviews until this day (the learner's); every review moves "
        "on by the pause's length, so nothing piles up.",
    )

    def __str__(self) -> str:
        return f"{self.learner}'s review settings"

    def clean(self) -> None:
        if not math.isfinite(self.retention):  # the validators let NaN through
            raise ValidationError({"retention": "Give a number."})
        start, end = self.paused_from, self.paused_until
        if bool(start) != bool(end):
            raise ValidationError(
                {"paused_until": "A pause has both a first and a last day."}
            )
        if start and end and not 0 < (end - start).days <= MAX_PAUSE_DAYS:
            raise ValidationError(
                {
                    "paused_until": f"A pause ends 1 to {MAX_PAUSE_DAYS} days after "
                    "it starts."
                }
            )

    def is_paused(self, today) -> bool:
        return self.paused_until is not None and today < self.paused_until

    @classmethod
    def of(cls, learner) -> ReviewSettings:
        """The learner's settings, or the defaults (unsaved) if they set none."""
        found = cls.objects.filter(learner=learner).first()
        return found or cls(learner=learner)
