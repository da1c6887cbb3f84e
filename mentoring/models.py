"""Mentoring: consent between a learner and a mentor, and what mentors say.

A mentorship is the consent; comments, endorsements and reminders are what a
mentor gives within one. The tables keep the names they had when these models
lived in `accounts` and `progress` (`db_table`).
"""

from __future__ import annotations

import datetime
import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone as dj_timezone

from accounts.audit import log_denied
from config import caching
from progress.models import Level
from roadmap.models import Concept, LearningStep, Skill

COMMENT_MAX_LENGTH = 2000


class MentorshipQuerySet(models.QuerySet):
    def active(self) -> MentorshipQuerySet:
        return self.filter(status=Mentorship.Status.ACTIVE)

    def pending(self) -> MentorshipQuerySet:
        """Pending and not expired."""
        return self.filter(
            status=Mentorship.Status.PENDING, expires_at__gt=dj_timezone.now()
        )

    def awaiting_answer_from(self, user) -> MentorshipQuerySet:
        """Pending invitations and requests that `user` is the one to answer
        (`awaiting_answer_q`)."""
        return self.filter(awaiting_answer_q(user))

    def sent_by(self, user) -> MentorshipQuerySet:
        """Invitations and requests `user` started, in any state."""
        return self.filter(sent_by_q(user))

    def mentees_of(self, mentor) -> models.QuerySet:
        return (
            get_user_model()
            .objects.filter(
                mentorships_as_learner__mentor=mentor,
                mentorships_as_learner__status=Mentorship.Status.ACTIVE,
                is_active=True,
            )
            .distinct()
        )

    def is_active_between(self, mentor, learner) -> bool:
        if not mentor.is_authenticated:
            return False
        return self.active().filter(mentor=mentor, learner=learner).exists()


def awaiting_answer_q(user) -> Q:
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
    return (asked | invited) & models.Q(status=Mentorship.Status.PENDING)


def sent_by_q(user) -> Q:
    """Invitations and requests `user` started, in any state."""
    return models.Q(initiated_by=Mentorship.Initiator.LEARNER, learner=user) | models.Q(
        initiated_by=Mentorship.Initiator.MENTOR, mentor=user
    )


def get_visible_learner(request, username: str):
    """The learner `request.user` actively mentors, else 404.

    Checked on every request, so ending a mentorship ends access at once. 404, not
    403: nobody learns who mentors whom.
    """
    from django.http import Http404

    user = request.user
    if user.is_authenticated:
        learner = (
            get_user_model()
            .objects.filter(
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
    log_denied(request, "not an active mentor")
    raise Http404("No such mentee.")


def invitation_expiry() -> datetime.datetime:
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
        EXPIRED = "expired", "Expired"

    class Initiator(models.TextChoices):
        LEARNER = "learner", "Learner invited the mentor"
        MENTOR = "mentor", "Mentor asked the learner"

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="mentorships_as_learner",
        help_text="Empty until someone accepts a mentor's request, which is sent "
        "to an address or a username, not to an account.",
    )
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
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
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = MentorshipQuerySet.as_manager()

    class Meta:
        db_table = "accounts_mentorship"  # where it was made, before this app
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

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        for pk in self.concerned():
            caching.bump("learner", pk)

    def concerned(self) -> set[int]:
        """Everyone whose cached pages show this mentorship: both people, and
        whoever holds the address or username it was sent to (the hub lists
        invitations and requests by address)."""
        User = get_user_model()
        concerned = {self.learner_id, self.mentor_id}
        if self.invited_email:
            concerned.update(
                User.objects.filter(
                    emailaddress__email__iexact=self.invited_email
                ).values_list("pk", flat=True)
            )
        if self.invited_username:
            concerned.update(
                User.objects.filter(username__iexact=self.invited_username).values_list(
                    "pk", flat=True
                )
            )
        return concerned - {None}

    @property
    def addressed_to(self) -> str:
        """The address or username a mentor's request was sent to, as its sender
        sees it: never the name of an account that holds it."""
        if self.invited_email or self.invited_username:
            return self.invited_email or self.invited_username
        return self.learner.username if self.learner_id else ""

    @property
    def is_expired(self) -> bool:
        if self.status == self.Status.EXPIRED:
            return True
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

    def expire(self) -> None:
        """A pending invitation or request whose time ran out (the daily job)."""
        self.status = self.Status.EXPIRED
        self.save(update_fields=["status"])

    def end(self, by) -> None:
        """End an active mentorship, or withdraw a pending one."""
        self.status = self.Status.ENDED
        self.ended_at = dj_timezone.now()
        self.ended_by = by
        self.save(update_fields=["status", "ended_at", "ended_by"])


class Comment(models.Model):
    """Feedback on a learner's step, concept or skill, by a mentor or the learner.

    A thread is all comments for one learner and item; the learner replies in it.
    """

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="comments_written",
    )
    step = models.ForeignKey(
        LearningStep, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    concept = models.ForeignKey(
        Concept, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    skill = models.ForeignKey(
        Skill, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(max_length=COMMENT_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)
    read_by_learner_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "progress_comment"  # where it was made, before this app
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(step__isnull=False, concept__isnull=True, skill__isnull=True)
                    | Q(step__isnull=True, concept__isnull=False, skill__isnull=True)
                    | Q(step__isnull=True, concept__isnull=True, skill__isnull=False)
                ),
                name="comment_names_one_item",
            )
        ]
        indexes = [
            models.Index(
                fields=["learner", "read_by_learner_at"], name="comment_unread"
            )
        ]

    def __str__(self) -> str:
        return f"{self.author} on {self.item}: {self.body[:40]}"

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        caching.bump("learner", self.learner_id)  # it shows on their dashboard

    @property
    def item(self):
        return self.step or self.concept or self.skill

    @property
    def item_kind(self) -> str:
        if self.step_id:
            return "step"
        return "concept" if self.concept_id else "skill"


class Endorsement(models.Model):
    """A mentor's rating of a learner's level in a skill; append-only, kept apart
    from the learner's own ratings."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="endorsements"
    )
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="endorsements_given",
    )
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "progress_endorsement"  # where it was made, before this app
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["learner", "skill"], name="endorsement_learner_skill")
        ]

    def __str__(self) -> str:
        return f"{self.mentor} endorses {self.learner}: {self.skill} {self.level}"


class Nudge(models.Model):
    """A reminder email a mentor sent; at most one per mentee per day."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="nudges"
    )
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(help_text="The day in the learner's time zone.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "progress_nudge"  # where it was made, before this app
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "day"], name="one_nudge_per_learner_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.mentor} nudged {self.learner} on {self.day}"
