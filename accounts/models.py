import zoneinfo
from functools import cache

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models


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

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

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
