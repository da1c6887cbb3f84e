"""What learners did: roles they follow, statuses, history, notes, evidence,
ratings; the reviews' models are in `progress.models.reviews`."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from config import caching
from progress import plan
from roadmap.models import Concept, LearningStep, Role, Skill

NOTE_MAX_LENGTH = 5000
EVIDENCE_PER_ITEM = 20


class Status(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    LEARNING = "learning", "Learning"
    DONE = "done", "Done"
    SKIPPED = "skipped", "Skipped"


class Level(models.IntegerChoices):
    AWARE = 1, "Aware"
    BEGINNER = 2, "Beginner"
    COMPETENT = 3, "Competent"
    PROFICIENT = 4, "Proficient"
    EXPERT = 5, "Expert"


MAX_HOURS_PER_WEEK = plan.MAX_HOURS_PER_WEEK  # the goal form and plans agree
MAX_GOAL_YEARS = 10


def validate_target_date(value) -> None:
    """A goal's target date lies within MAX_GOAL_YEARS of today, either way: the
    goal page (which also refuses a day that has passed) and the data file's
    import both hold to it, so every plan and the calendar feed count with
    ordinary dates (9999-12-31 once overflowed the feed)."""
    if value is None:
        return
    today = timezone.localdate()
    latest = _years_from(today, MAX_GOAL_YEARS)
    if value > latest:
        raise ValidationError(
            f"Choose a day within {MAX_GOAL_YEARS} years: {latest:%-d %B %Y} at "
            "the latest.",
            code="too_far",
        )
    if value < _years_from(today, -MAX_GOAL_YEARS):
        raise ValidationError(
            f"{value:%-d %B %Y} is more than {MAX_GOAL_YEARS} years ago: a goal's "
            f"day lies within {MAX_GOAL_YEARS} years of today.",
            code="too_long_ago",
        )


def _years_from(day, years: int):
    # 29 February has no twin in most years: the day before it then.
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class RoleFollowQuerySet(models.QuerySet):
    def shown(self) -> RoleFollowQuerySet:
        """The follows the pages count: of published roles, with the role, in
        the order they were started (the dashboard, the mentor's rows, the
        weekly email, the calendar feed and the public profile)."""
        return (
            self.filter(role__is_published=True)
            .select_related("role")
            .order_by("started_at", "id")
        )

    def of(self, learner, role: Role) -> RoleFollow | None:
        """The learner's follow of `role`, with the role; None if they do not
        follow it (the goal page and the API's goal answer 404 then)."""
        return self.filter(learner=learner, role=role).select_related("role").first()

    def follow(self, learner, role: Role) -> bool:
        """The learner follows `role` (once); whether they had not yet."""
        _, created = self.get_or_create(learner=learner, role=role)
        if created:
            caching.bump("learner", learner.pk)  # their pages list it
        return created

    def leave(self, follow) -> None:
        """The learner stops following a role; their statuses and notes stay."""
        follow.delete()
        caching.bump("learner", follow.learner_id)

    def set_goal(self, follow, target_date, hours_per_week, reviews=None) -> None:
        """Set (or, with two Nones, clear) the learner's goal for a followed role,
        and whether its done items come up for review."""
        reviews = follow.reviews if reviews is None else reviews
        self.filter(pk=follow.pk).update(
            target_date=target_date, hours_per_week=hours_per_week, reviews=reviews
        )
        follow.target_date, follow.hours_per_week = target_date, hours_per_week
        follow.reviews = reviews
        caching.bump("learner", follow.learner_id)  # the dashboard shows the plan


class RoleFollow(models.Model):
    """A learner working towards a role."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="follows")
    started_at = models.DateTimeField(auto_now_add=True)
    # The learner's goal for the role (both optional): finish by a day, and/or
    # give so many hours a week. The plan (progress/plan.py) follows from it.
    target_date = models.DateField(
        null=True, blank=True, validators=[validate_target_date]
    )
    hours_per_week = models.DecimalField(
        null=True,
        blank=True,
        max_digits=3,
        decimal_places=1,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_HOURS_PER_WEEK)],
    )

    reviews = models.BooleanField(
        "spaced review",
        default=True,
        help_text="List this role's done items for review on the dashboard.",
    )
    # The learner's visits to the role's page (`content_changes.record_visit`):
    # when they last looked at it, and since when its added items are new to
    # them (the end of their visit before this one).
    seen_at = models.DateTimeField(null=True, blank=True, editable=False)
    new_since = models.DateTimeField(null=True, blank=True, editable=False)

    objects = RoleFollowQuerySet.as_manager()

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "role"], name="unique_follow_per_learner_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.learner} follows {self.role}"


def item_field(item: LearningStep | Concept) -> str:
    return "step" if isinstance(item, LearningStep) else "concept"


class ItemQuerySet(models.QuerySet):
    def for_item(self, item: LearningStep | Concept) -> ItemQuerySet:
        return self.filter(**{item_field(item): item})

    def set_status(self, learner, item: LearningStep | Concept, status: str):
        """Set (never toggle) a learner's status on an item, recording the change.

        In one transaction: the row, the event, the step's drop-off tally, and a
        new generation of the learner's cached figures and pages.

        Safe under concurrency: the row is locked while it changes, so concurrent
        requests give one row and a history in which each change starts where the
        previous one ended. Setting the status an item already has changes nothing.
        """
        field = item_field(item)
        with transaction.atomic():
            # A first mark creates the row with its status: one write, not two.
            first_mark = {"status": status, "status_changed_at": timezone.now()}
            progress, created = self.select_for_update().get_or_create(
                learner=learner,
                **{field: item},
                defaults=first_mark if status != Status.NOT_STARTED else {},
            )
            previous = Status.NOT_STARTED if created else progress.status
            if previous == status:
                return progress
            if not created:
                progress.status = status
                progress.status_changed_at = timezone.now()
                progress.save(
                    update_fields=["status", "status_changed_at", "updated_at"]
                )
            if field == "step":
                StepTally.objects.record_changes([(item.pk, previous, status)])
            ProgressEvent.objects.create(
                learner=learner, from_status=previous, to_status=status, **{field: item}
            )
            caching.bump("learner", learner.pk)
        return progress

    def started_in_role(self, learner, role: Role) -> ItemQuerySet:
        """The learner's rows on a role's steps and concepts that are not at
        "not started"."""
        concepts = Concept.objects.filter(skill__role_skills__role=role)
        return (
            self.filter(learner=learner)
            .exclude(status=Status.NOT_STARTED)
            .filter(Q(step__stage__role=role) | Q(concept__in=concepts))
        )

    def reset_role(self, learner, role: Role) -> int:
        """Set every item of a role back to "not started", in bulk: one update
        of the rows, their events in one insert, the drop-off tallies moved per
        step, and one new generation of the learner's figures. Notes, evidence
        and history stay. Returns how many items changed."""
        with transaction.atomic():
            rows = list(
                self.started_in_role(learner, role)
                .select_for_update(of=("self",))
                .values("pk", "step_id", "concept_id", "status")
            )
            if not rows:
                return 0
            now = timezone.now()
            self.filter(pk__in=[row["pk"] for row in rows]).update(
                status=Status.NOT_STARTED, status_changed_at=now, updated_at=now
            )
            ProgressEvent.objects.bulk_create(
                ProgressEvent(
                    learner=learner,
                    step_id=row["step_id"],
                    concept_id=row["concept_id"],
                    from_status=row["status"],
                    to_status=Status.NOT_STARTED,
                )
                for row in rows
            )
            StepTally.objects.record_changes(
                (row["step_id"], row["status"], Status.NOT_STARTED)
                for row in rows
                if row["step_id"]
            )
            caching.bump("learner", learner.pk)
        return len(rows)

    def add_evidence(self, learner, item: LearningStep | Concept, *, url, title=""):
        """A link to the learner's work on an item; None when the item holds
        `EVIDENCE_PER_ITEM` links already. They are counted under a lock on the
        item's row, so two added at once cannot both pass the limit."""
        with transaction.atomic():
            self.get_or_create(learner=learner, **{item_field(item): item})
            progress = self.select_for_update().get(
                learner=learner, **{item_field(item): item}
            )
            if progress.evidence.count() >= EVIDENCE_PER_ITEM:
                return None
            evidence = Evidence.objects.create(progress=progress, url=url, title=title)
        caching.bump("learner", learner.pk)
        return evidence

    def remove_evidence(self, learner, item: LearningStep | Concept, pk: int) -> bool:
        """Remove one of the learner's evidence links on the item; False when it
        is not theirs or not on that item."""
        deleted, _ = Evidence.objects.filter(
            pk=pk, progress__learner=learner, **{f"progress__{item_field(item)}": item}
        ).delete()
        if deleted:
            caching.bump("learner", learner.pk)
        return bool(deleted)

    def save_note(self, learner, item: LearningStep | Concept, note: str, shared: bool):
        """Keep the learner's note on an item and whether mentors may read it."""
        progress, _ = self.get_or_create(learner=learner, **{item_field(item): item})
        progress.note = note
        progress.note_shared = shared
        progress.save(update_fields=["note", "note_shared", "updated_at"])
        caching.bump("learner", learner.pk)
        return progress


class ItemRelated(models.Model):
    """Points at exactly one item: a learning step or a concept."""

    step = models.ForeignKey(
        LearningStep,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="%(class)s_rows",
    )
    concept = models.ForeignKey(
        Concept,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="%(class)s_rows",
    )

    class Meta:
        abstract = True

    @property
    def item(self) -> LearningStep | Concept:
        return self.step if self.step_id else self.concept

    @property
    def item_kind(self) -> str:
        return "step" if self.step_id else "concept"


def _one_item(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=(Q(step__isnull=False) & Q(concept__isnull=True))
        | (Q(step__isnull=True) & Q(concept__isnull=False)),
        name=name,
    )


def _one_row_per_learner_item(
    step_name: str, concept_name: str
) -> list[models.UniqueConstraint]:
    """At most one row per learner and step, and per learner and concept."""
    return [
        models.UniqueConstraint(
            fields=["learner", "step"],
            condition=Q(step__isnull=False),
            name=step_name,
        ),
        models.UniqueConstraint(
            fields=["learner", "concept"],
            condition=Q(concept__isnull=False),
            name=concept_name,
        ),
    ]


class ItemProgress(ItemRelated):
    """A learner's status and private note on one step or concept: one row each."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="progress"
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.NOT_STARTED
    )
    note = models.TextField(blank=True, max_length=NOTE_MAX_LENGTH)
    note_shared = models.BooleanField(
        "share the note with my mentors",
        default=False,
        help_text="Notes are private unless the learner shares them.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # The learner read what changed in the item since they marked it (its
    # content's `meaning_changed_at`): it is no longer flagged until it changes
    # again (progress/content_changes.py).
    change_seen_at = models.DateTimeField(null=True, blank=True)

    objects = ItemQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "item progress"
        ordering = ["learner_id", "id"]
        constraints = [
            _one_item("progress_names_one_item"),
            *_one_row_per_learner_item(
                "unique_progress_per_learner_step",
                "unique_progress_per_learner_concept",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner}: {self.item} ({self.get_status_display()})"


class ProgressEvent(ItemRelated):
    """One status change, appended for every change: activity, streaks, undo."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(max_length=20, choices=Status.choices)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    bulk_change = models.ForeignKey(
        "BulkChange",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
        help_text="The bulk change it was part of.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [_one_item("event_names_one_item")]
        indexes = [
            models.Index(fields=["learner", "-created_at"], name="event_learner_time")
        ]

    def __str__(self) -> str:
        return f"{self.learner}: {self.item} {self.from_status} → {self.to_status}"


class BulkChange(models.Model):
    """ "I already know this": a stage's steps or a skill's concepts marked done
    at once (`progress.known.mark_known`), shown as one change and undone as
    one (`progress.known.undo`). `items` keeps each changed item's earlier
    status."""

    class Part(models.TextChoices):
        STAGE = "stage", "stage"
        SKILL = "skill", "skill"

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bulk_changes"
    )
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="+")
    part = models.CharField(max_length=10, choices=Part.choices)
    title = models.CharField(max_length=200, help_text="The stage's or skill's.")
    count = models.PositiveIntegerField(help_text="How many items it marked done.")
    items = models.JSONField(
        help_text="Per item: id, status and changed_at before, and whether the "
        "change made its row."
    )
    created_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["learner", "-created_at"], name="bulk_learner_time")
        ]

    def __str__(self) -> str:
        return f"{self.learner}: {self.summary}"

    @property
    def kind(self) -> str:
        return "step" if self.part == self.Part.STAGE else "concept"

    @property
    def summary(self) -> str:
        items = "item" if self.count == 1 else "items"
        return f"Marked {self.count} {items} of {self.part} “{self.title}” done"


class Evidence(models.Model):
    """A link that shows the learner's work on an item."""

    progress = models.ForeignKey(
        ItemProgress, on_delete=models.CASCADE, related_name="evidence"
    )
    url = models.URLField(
        "link", max_length=500, validators=[URLValidator(schemes=["http", "https"])]
    )
    title = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "evidence"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.title or self.url


class SelfAssessmentQuerySet(models.QuerySet):
    def rate(self, learner, skill: Skill, level: int) -> tuple[SelfAssessment, bool]:
        """Record the learner's level in a skill: the rating, and whether it is
        new (the same level again adds nothing to the history)."""
        latest = self.filter(learner=learner, skill=skill).first()
        if latest is not None and latest.level == level:
            return latest, False
        assessment = self.create(learner=learner, skill=skill, level=level)
        caching.bump("learner", learner.pk)
        return assessment, True


class SelfAssessment(models.Model):
    """A learner's rating of their own level in a skill; append-only history."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="self_assessments",
    )
    skill = models.ForeignKey(
        Skill, on_delete=models.PROTECT, related_name="self_assessments"
    )
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SelfAssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["learner", "skill", "-created_at"], name="assessment_latest"
            )
        ]

    def __str__(self) -> str:
        return f"{self.learner}: {self.skill} = {self.get_level_display()}"


# The statuses a step's tally counts.
COUNTED = (Status.LEARNING, Status.DONE, Status.SKIPPED)


class StepTallyQuerySet(models.QuerySet):
    def record_changes(self, changes) -> None:
        """Move learners between statuses on steps, `(step_id, previous, status)`
        each, in one update per kind of move (a role's reset is a few updates, not
        one per step)."""
        moves: dict[tuple[str, str], list[int]] = {}
        for step_id, previous, status in changes:
            if previous != status:
                moves.setdefault((previous, status), []).append(step_id)
        for (previous, status), step_ids in moves.items():
            updates = {}
            if previous in COUNTED:
                # Never below zero, even for a row that reached its status some
                # other way (a tally drifts rather than a status change failing;
                # recount_dropoff puts it right).
                updates[previous] = Greatest(F(previous) - 1, Value(0))
            if status in COUNTED:
                updates[status] = F(status) + 1
            if not updates:
                continue
            ids = set(step_ids)
            tallies = self.filter(step_id__in=ids)
            updated = tallies.update(**updates)
            if updated < len(ids):
                # Steps without a tally row yet: create them (racing writers both
                # survive), then count the change on those.
                have = set(tallies.values_list("step_id", flat=True)) if updated else ()
                missing = [pk for pk in ids if pk not in have]
                self.bulk_create(
                    [StepTally(step_id=pk) for pk in missing], ignore_conflicts=True
                )
                self.filter(step_id__in=missing).update(**updates)


class StepTally(models.Model):
    """How many learners are learning, have done and have skipped a step.

    Kept current by every status change (`ItemQuerySet.set_status`) and account
    deletion, so the curators' drop-off page reads one small row per step instead
    of counting millions of progress rows. `manage.py recount_dropoff` rebuilds it.
    """

    step = models.OneToOneField(
        LearningStep, primary_key=True, on_delete=models.CASCADE, related_name="tally"
    )
    learning = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)

    objects = StepTallyQuerySet.as_manager()

    def __str__(self) -> str:
        return (
            f"{self.step_id}: {self.learning} learning, {self.done} done, "
            f"{self.skipped} skipped"
        )


class CalendarFeed(models.Model):
    """A learner's private calendar feed: its secret link holds a token of which
    only the hash is kept; making a new link or turning it off revokes the old."""

    learner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.learner}'s calendar feed"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def renew(cls, learner) -> str:
        """A new secret link's token (the old link stops working)."""
        token = secrets.token_urlsafe(32)
        cls.objects.update_or_create(
            learner=learner, defaults={"token_hash": cls.hash_token(token)}
        )
        return token


class WeeklyEmail(models.Model):
    """The weekly plan email of one learner for one week (its Monday, in their
    time zone): the row is written with the email, so each week's is sent once."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="weekly_emails"
    )
    week = models.DateField(help_text="The Monday of the week, the learner's.")
    queued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-week"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "week"], name="one_weekly_email_per_week"
            )
        ]

    def __str__(self) -> str:
        return f"{self.learner}'s plan for the week of {self.week}"
