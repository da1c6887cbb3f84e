"""Every email Waymark sends, kept until it is delivered (and for a while after).

A message is written in the same transaction as the change that causes it, so a
rolled-back change sends nothing; its delivery task is enqueued on commit. The
worker delivers it, retries a failed send with backoff a bounded number of times,
then keeps it as failed: staff see it in the admin, with the error, and can send
it again. Nothing a person asked for is lost silently.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from outbox.mime import OutboxEmail


class Message(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled (no longer wanted)"

    kind = models.CharField(
        max_length=60, help_text="What the email is: an invitation, a reset..."
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The account it is for, if any: deleting the account deletes "
        "its unsent mail too.",
    )
    priority = models.SmallIntegerField(
        default=0, help_text="Higher goes first: account emails before reminders."
    )
    subject = models.CharField(max_length=998)
    from_email = models.CharField(max_length=320)
    to = models.JSONField(default=list)
    body = models.TextField()
    html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    context = models.JSONField(
        default=dict,
        blank=True,
        help_text="What the message is about (ids), for the apps that sent it.",
    )
    secret = models.BooleanField(
        default=False,
        help_text="The body holds a one-time link or code: it is cleared once sent.",
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="How many times a worker has tried to send it."
    )
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="outbox_state")]

    def __str__(self) -> str:
        return f"{self.kind} to {', '.join(self.to)} ({self.get_status_display()})"

    def as_email(self, connection=None) -> OutboxEmail:
        email = OutboxEmail(
            subject=self.subject,
            body=self.body,
            from_email=self.from_email,
            to=list(self.to),
            headers=dict(self.headers),
            connection=connection,
        )
        if self.html:
            email.attach_alternative(self.html, "text/html")
        return email


class ScheduledRun(models.Model):
    """A periodic job's run for one period: it runs once per period, however
    often the schedule is triggered (late, twice, on two machines)."""

    job = models.CharField(max_length=60)
    period = models.CharField(max_length=30, help_text="2026-12-01, 2026-W49...")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["job", "period"], name="one_run_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.period}"
