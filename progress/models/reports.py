"""Learners' reports of a problem with an item (`ItemReport`), triaged by
curators in the admin; the rules (the daily limit, marking one fixed and the
email that says so) are in progress/reports.py."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from progress.models.core import ItemRelated, _one_item

REPORT_MESSAGE_MAX_LENGTH = 2000


class ItemReport(ItemRelated):
    """A problem a learner reports with a step or a concept: private to them and
    the curators who triage it."""

    class Kind(models.TextChoices):
        WRONG = "wrong", "Something is wrong"
        OUTDATED = "outdated", "It is outdated"
        UNCLEAR = "unclear", "It is unclear"
        BROKEN_LINK = "broken_link", "A link is broken"
        MISSING = "missing", "Something is missing"

    class State(models.TextChoices):
        OPEN = "open", "Open"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        FIXED = "fixed", "Fixed"

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports"
    )
    kind = models.CharField("problem", max_length=20, choices=Kind.choices)
    message = models.TextField(
        blank=True,
        max_length=REPORT_MESSAGE_MAX_LENGTH,
        help_text="What the learner wrote (optional).",
    )
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.OPEN, db_index=True
    )
    reply = models.TextField(
        blank=True,
        max_length=REPORT_MESSAGE_MAX_LENGTH,
        help_text="The curators' answer, shown to the learner on the item's page.",
    )
    fixed_by = models.ForeignKey(
        "roadmap.Revision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="fixed_reports",
        help_text="The revision that fixed it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    notified_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the learner was told it is fixed (once, ever).",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [_one_item("report_names_one_item")]
        indexes = [
            models.Index(fields=["learner", "created_at"], name="report_learner_time")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.item}"
