"""What changed in the content, and who changed it: one `Revision` per content
load and per curator's save or bulk action in the admin, with the change
itemised (roadmap/revisions.py computes it)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from roadmap.models.roles import Role


class Revision(models.Model):
    class Origin(models.TextChoices):
        LOADER = "loader", "Content file"
        ADMIN = "admin", "Admin"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    origin = models.CharField(max_length=10, choices=Origin.choices)
    curator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who saved it in the admin (none for a content file).",
    )
    digest = models.CharField(
        max_length=64,
        blank=True,
        help_text="The SHA-256 of the content files a load read.",
    )
    files = models.CharField(max_length=500, blank=True)
    note = models.TextField(
        "curator's note",
        blank=True,
        help_text="Why the content changed, shown on the roles' “what changed” pages.",
    )
    changes = models.JSONField(
        default=list,
        help_text="Each item added, changed (its fields, old and new), moved, "
        "retired or restored.",
    )
    roles = models.ManyToManyField(Role, related_name="revisions", blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        by = self.curator or self.files or self.get_origin_display()
        return f"Revision {self.pk} by {by}, {len(self.changes)} change(s)"
