import datetime
import hashlib
import zoneinfo
from functools import cache

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
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


class MentorshipQuerySet(models.QuerySet):
    def active(self) -> "MentorshipQuerySet":
        return self.filter(status=Mentorship.Status.ACTIVE)

    def pending(self) -> "MentorshipQuerySet":
        """Pending and not expired."""
        return self.filter(
            status=Mentorship.Status.PENDING, expires_at__gt=dj_timezone.now()
        )

    def awaiting_answer_from(self, user) -> "MentorshipQuerySet":
        """Pending invitations and requests that `user` is the one to answer.

        A mentor's request is answered by whoever holds a verified address, or the
        username, equal to the one it was sent to. A learner's email invitation
        is answered by whoever holds a verified address equal to the invited one; a
        one-time link (no address) only through its token, so it is not listed.
        """
        from allauth.account.models import EmailAddress

        verified = (
            EmailAddress.objects.filter(user=user, verified=True)
            .annotate(address=Lower("email"))
            .values("address")
        )
        # A request is sent to what the mentor typed, an address or a username,
        # and reaches whoever holds it when they look (older rows name the
        # learner).
        addressed = models.Q(invited_email__in=verified) | models.Q(
            invited_username=user.username.lower()
        )
        asked = models.Q(initiated_by=Mentorship.Initiator.MENTOR) & (
            models.Q(learner=user)
            | (models.Q(learner__isnull=True) & addressed & ~models.Q(mentor=user))
        )
        invited = models.Q(
            initiated_by=Mentorship.Initiator.LEARNER,
            mentor__isnull=True,
            invited_email__in=verified,
        ) & ~models.Q(learner=user)
        return self.filter(asked | invited, status=Mentorship.Status.PENDING)

    def sent_by(self, user) -> "MentorshipQuerySet":
        """Invitations and requests `user` started, in any state."""
        return self.filter(
            models.Q(initiated_by=Mentorship.Initiator.LEARNER, learner=user)
            | models.Q(initiated_by=Mentorship.Initiator.MENTOR, mentor=user)
        )

    def mentees_of(self, mentor) -> models.QuerySet:
        return User.objects.filter(
            mentorships_as_learner__mentor=mentor,
            mentorships_as_learner__status=Mentorship.Status.ACTIVE,
            is_active=True,
        ).distinct()

    def is_active_between(self, mentor, learner) -> bool:
        if not mentor.is_authenticated:
            return False
        return self.active().filter(mentor=mentor, learner=learner).exists()


def get_visible_learner(request, username: str) -> "User":
    """The learner `request.user` actively mentors, else 404.

    Checked on every request, so ending a mentorship ends access at once. 404, not
    403: nobody learns who mentors whom.
    """
    from django.http import Http404

    user = request.user
    if user.is_authenticated:
        learner = (
            User.objects.filter(
                username=username,
                is_active=True,
                mentorships_as_learner__mentor=user,
                mentorships_as_learner__status=Mentorship.Status.ACTIVE,
            )
            .distinct()
            .first()
        )
        if learner is not None:
            return learner
    from accounts.audit import log_denied

    log_denied(request, "not an active mentor")
    raise Http404("No such mentee.")


def invitation_expiry() -> "datetime.datetime":
    return dj_timezone.now() + datetime.timedelta(
        days=settings.MENTORING_INVITATION_DAYS
    )


class Mentorship(models.Model):
    """Consent for a mentor to see a learner's progress, and its life cycle.

    A learner invites a mentor (by email, or with a one-time link), or a mentor asks
    to mentor a learner; the other side accepts or declines. Either side can end an
    active mentorship at any moment.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACTIVE = "active", "Active"
        DECLINED = "declined", "Declined"
        ENDED = "ended", "Ended"

    class Initiator(models.TextChoices):
        LEARNER = "learner", "Learner invited the mentor"
        MENTOR = "mentor", "Mentor asked the learner"

    learner = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="mentorships_as_learner",
        help_text="Empty until someone accepts a mentor's request, which is sent "
        "to an address or a username, not to an account.",
    )
    mentor = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="mentorships_as_mentor",
        help_text="Empty until someone accepts an invitation sent by email or link.",
    )
    initiated_by = models.CharField(max_length=10, choices=Initiator.choices)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    # Where an invitation or a mentor's request was sent, in lower case: an
    # address, or for a request also a username. Nobody is told whether an
    # account holds it; its holder sees it when they look.
    invited_email = models.EmailField(blank=True)
    invited_username = models.CharField(max_length=150, blank=True)
    # Only a hash of the one-time token is stored; the link carries the token.
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    message = models.TextField(blank=True, max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=invitation_expiry)
    responded_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = MentorshipQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "mentor"],
                condition=models.Q(status__in=["pending", "active"]),
                name="one_open_mentorship_per_pair",
            ),
            models.CheckConstraint(
                condition=~models.Q(learner=models.F("mentor")),
                name="mentor_is_not_the_learner",
            ),
            models.CheckConstraint(
                condition=models.Q(learner__isnull=False)
                | (
                    models.Q(initiated_by="mentor")
                    & (~models.Q(invited_email="") | ~models.Q(invited_username=""))
                ),
                name="only_a_sent_request_lacks_a_learner",
            ),
        ]
        indexes = [
            models.Index(fields=["mentor", "status"], name="mentorship_mentor_status")
        ]

    def __str__(self) -> str:
        if self.initiated_by == self.Initiator.MENTOR:
            mentor, learner = self.mentor, self.learner or self.addressed_to
        else:
            mentor = self.mentor or self.invited_email or "invite link"
            learner = self.learner
        return f"{mentor} mentoring {learner} ({self.get_status_display()})"

    @property
    def addressed_to(self) -> str:
        """The address or username a mentor's request was sent to, as its sender
        sees it: never the name of an account that holds it."""
        if self.invited_email or self.invited_username:
            return self.invited_email or self.invited_username
        return self.learner.username if self.learner_id else ""

    @property
    def is_expired(self) -> bool:
        return (
            self.status == self.Status.PENDING and self.expires_at <= dj_timezone.now()
        )

    @property
    def is_link(self) -> bool:
        """A one-time link invitation: a token, and no address to answer from."""
        return (
            self.initiated_by == self.Initiator.LEARNER
            and not self.invited_email
            and bool(self.token_hash)
        )

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def accept(self, mentor, learner=None) -> None:
        """`learner`: who accepts a request sent to their address or username."""
        self.mentor = mentor
        if learner is not None:
            self.learner = learner
        self.status = self.Status.ACTIVE
        self.responded_at = dj_timezone.now()
        self.save(update_fields=["learner", "mentor", "status", "responded_at"])

    def decline(self) -> None:
        self.status = self.Status.DECLINED
        self.responded_at = dj_timezone.now()
        self.save(update_fields=["status", "responded_at"])

    def end(self, by) -> None:
        """End an active mentorship, or withdraw a pending one."""
        self.status = self.Status.ENDED
        self.ended_at = dj_timezone.now()
        self.ended_by = by
        self.save(update_fields=["status", "ended_at", "ended_by"])


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
