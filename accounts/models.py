import hashlib
import zoneinfo
from functools import cache

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone as dj_timezone


@cache
def timezone_names() -> list[str]:
    """Region/City names and UTC: not the system's aliases such as "localtime"."""
    return sorted(
        name
        for name in zoneinfo.available_timezones()
        if name == "UTC" or ("/" in name and not name.startswith(("Etc/", "SystemV/")))
    )


def validate_timezone(value: str) -> None:
    if value not in timezone_names():
        raise ValidationError(f"{value!r} is not a known time zone.", code="timezone")


def validate_one_line(value: str) -> None:
    """Names go into email headers and page titles: no line breaks, tabs or
    other control characters."""
    if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in value):
        raise ValidationError(
            "Use letters, digits, spaces and punctuation only: no line breaks, "
            "tabs or other control characters.",
            code="control_characters",
        )


class User(AbstractUser):
    """A Waymark account: a learner, a mentor, a curator (staff), or several."""

    display_name = models.CharField(
        max_length=80,
        blank=True,
        help_text="The name others see. Leave blank to show your username.",
    )
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text="Days, streaks and the activity calendar follow this time zone.",
    )
    public_profile = models.BooleanField(
        "public profile",
        default=False,
        help_text="Show your followed roles, progress figures and activity at "
        "/u/<username>/. Notes and evidence are never shown.",
    )
    weekly_email = models.BooleanField(
        "weekly plan email",
        default=False,
        help_text="On Monday mornings in your time zone: the week's plan for your "
        "roles and the reviews due. Every email has a link to stop it.",
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def clean(self) -> None:
        super().clean()
        try:
            validate_one_line(self.display_name)
        except ValidationError as error:
            raise ValidationError({"display_name": error}) from error

    @property
    def name(self) -> str:
        return self.display_name or self.username

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")


def display_name(user) -> str:
    """How allauth names a user in its pages and emails."""
    return user.name


class StaffEnrolmentQuerySet(models.QuerySet):
    def usable(self) -> "StaffEnrolmentQuerySet":
        return self.filter(used_at__isnull=True, expires_at__gt=dj_timezone.now())


class StaffEnrolment(models.Model):
    """A one-time link that lets a staff member set up two-factor authentication,
    required when WAYMARK_STAFF_ENROLMENT is "invite" (accounts/two_factor.py).

    Only a hash of the token is stored; the link carries the token.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_enrolments",
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    objects = StaffEnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"two-factor enrolment link for user {self.user_id}"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def redeem(cls, user, token: str) -> bool:
        """Use the link once: true for the first use by its own user, in time."""
        used = (
            cls.objects.usable()
            .filter(user=user, token_hash=cls.hash_token(token))
            .update(used_at=dj_timezone.now())
        )
        return used == 1


class ResetEmailCount(models.Model):
    """How many password-reset emails one address was sent on one day (UTC), for
    the daily limit (`accounts/reset_limit.py`). The address is kept only as a
    keyed digest; rows of past days are removed as new ones come."""

    digest = models.CharField(max_length=64)
    day = models.DateField(db_index=True)
    sent = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["digest", "day"], name="one_reset_count_per_address_and_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sent} reset emails on {self.day}"
