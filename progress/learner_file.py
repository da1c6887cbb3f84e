"""The learner's data file: what `/progress/export.json` writes and what
`manage.py import_learner` reads back, defined in one place so the two agree.

The file is the learner's own, and they may edit it; what others said of them
(mentors' comments and endorsements) is different. Those attestations, with the
mentorships they were made in, are signed with the site's secret key when the
file is written. On import they come back only when the signature holds, the
author's account exists here and the file names a mentorship with them that was
open at the time; otherwise they are left out and the report says how many.
Mentorships come back as ended: a mentor sees the restored learner again only
with new consent. Items must be published or retired here (never a draft).

Each entry meets the rules the pages apply when a person enters the same thing:
the models' validators (`checked`), the forms for text the models do not bound
(`through_form`: notes, comments), one entry per role or item (`Once`), and a
review schedule as FSRS writes it (`check_schedule`). The first broken rule is
named with its place in the file, and the import writes nothing.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.module_loading import import_string
from fsrs import Card, Rating

from progress import figures
from progress.forms import NoteForm
from progress.models import (
    EVIDENCE_PER_ITEM,
    MAX_HOURS_PER_WEEK,
    MAX_PAUSE_DAYS,
    RETENTION_DEFAULT,
    Evidence,
    ItemProgress,
    Level,
    ProgressEvent,
    ReviewCard,
    ReviewLog,
    ReviewSettings,
    RoleFollow,
    SelfAssessment,
    Status,
    StepTally,
    validate_target_date,
)
from progress.plan import goals_of
from progress.reviews import SCHEDULER
from progress.visibility import THREAD_MODELS, may_hold_history
from roadmap.models import Role, Skill

FORMAT = "waymark-export"
VERSION = 1
LEVELS = {label.lower(): value for value, label in Level.choices}
SIGNATURE_SALT = "waymark.export.attestations"
PACING_FIELDS = ("daily_limit", "retention", "paused_from", "paused_until")


@dataclass(frozen=True)
class Section:
    """Part of the file another app owns (named in `settings.LEARNER_FILE_SECTIONS`):
    what it writes, what of that others vouch for (signed), and how it reads it
    back into a learner being imported."""

    write: Callable[[object], dict]
    attested: Callable[[dict], dict]
    read: Callable[[Importer, object], None]


def sections() -> list[Section]:
    """The parts of the file other apps own, as the settings name them."""
    return [import_string(path) for path in settings.LEARNER_FILE_SECTIONS]


def iso(value: datetime.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _attested(document: dict) -> dict:
    """The parts of a file that others vouch for, as the signature covers them."""
    attested = {"username": document.get("account", {}).get("username")}
    for section in sections():
        attested.update(section.attested(document))
    return attested


def _signature(document: dict) -> str:
    canonical = json.dumps(
        _attested(document), sort_keys=True, separators=(",", ":"), default=str
    )
    return signing.Signer(salt=SIGNATURE_SALT).signature(canonical)


# --- Writing the file -------------------------------------------------------


def _pacing(user) -> dict:
    pacing = ReviewSettings.of(user)  # its days are written as ISO dates
    return {key: getattr(pacing, key) for key in PACING_FIELDS}


def export_data(user) -> dict:
    """Everything Waymark holds about the learner, in one document."""
    rows = (
        ItemProgress.objects.filter(learner=user)
        .select_related("step__stage__role", "concept__skill")
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.all()))
    )
    follows = RoleFollow.objects.filter(learner=user).select_related("role")
    document = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now().isoformat(),
        "account": {
            "username": user.username,
            "email": user.email,
            "display_name": user.display_name,
            "timezone": user.timezone,
            "public_profile": user.public_profile,
            "weekly_email": user.weekly_email,
            "date_joined": user.date_joined.isoformat(),
        },
        "roles": [
            {
                "role": f.role.slug,
                "title": f.role.title,
                "started_at": f.started_at.isoformat(),
                "goal": {
                    "target_date": f.target_date.isoformat() if f.target_date else None,
                    "hours_per_week": hours_number(f.hours_per_week),
                },
                "reviews": f.reviews,
            }
            for f in follows
        ],
        "figures": [
            progress.as_dict()
            for progress in figures.role_progress(
                user,
                [f.role for f in follows],
                goals=goals_of(follows),
            )
        ],
        "progress": [
            {
                "kind": row.item_kind,
                "slug": row.item.slug,
                "title": str(row.item),
                "retired": not row.item.is_published,
                "status": row.status,
                "note": row.note,
                "note_shared_with_mentors": row.note_shared,
                "evidence": [
                    {
                        "url": e.url,
                        "title": e.title,
                        "added_at": e.created_at.isoformat(),
                    }
                    for e in row.evidence.all()
                ],
                "created_at": row.created_at.isoformat(),
                "updated_at": row.updated_at.isoformat(),
                "status_changed_at": row.status_changed_at.isoformat()
                if row.status_changed_at
                else None,
            }
            for row in rows
        ],
        "history": [
            {
                "kind": event.item_kind,
                "slug": event.item.slug,
                "from": event.from_status,
                "to": event.to_status,
                "at": event.created_at.isoformat(),
            }
            for event in ProgressEvent.objects.filter(learner=user)
            .select_related("step", "concept")
            .order_by("created_at", "id")
        ],
        "self_assessments": [
            {
                "skill": a.skill.slug,
                "level": Level(a.level).label.lower(),
                "at": a.created_at.isoformat(),
            }
            for a in SelfAssessment.objects.filter(learner=user)
            .select_related("skill")
            .order_by("created_at", "id")
        ],
        "review_pacing": _pacing(user),
        "reviews": [
            {
                "kind": card.item_kind,
                "slug": card.item.slug,
                "due": card.due.isoformat(),
                "schedule": card.card,
                "history": [
                    {
                        "rating": ReviewLog.Rating(log.rating).label.lower(),
                        "at": log.reviewed_at.isoformat(),
                        "next_due": log.next_due.isoformat(),
                    }
                    for log in card.logs.all()
                ],
            }
            for card in ReviewCard.objects.filter(learner=user)
            .select_related("step", "concept")
            .prefetch_related("logs")
            .order_by("created_at", "id")
        ],
    }
    for section in sections():
        document.update(section.write(user))
    document["attestations_signature"] = _signature(document)
    return document


STATUS_COLUMNS = [
    "kind",
    "slug",
    "title",
    "where",
    "status",
    "retired",
    "status_changed_at",
]


def status_rows(user):
    """The statuses as spreadsheet rows (`/progress/export.csv`), header first;
    written by `config.spreadsheet.SafeWriter`, which neutralises formulas."""
    yield STATUS_COLUMNS
    rows = ItemProgress.objects.filter(learner=user).select_related(
        "step__stage__role", "concept__skill"
    )
    for row in rows:
        item = row.item
        where = (
            f"{item.stage.role.title} / {item.stage.title}"
            if row.step_id
            else item.skill.name
        )
        yield [
            row.item_kind,
            item.slug,
            str(item),
            where,
            row.status,
            "yes" if not item.is_published else "no",
            iso(row.status_changed_at) or "",
        ]


# --- Reading it back ---------------------------------------------------------


class ImportProblem(Exception):
    pass


def time_of(value, where: str) -> datetime.datetime:
    try:
        return datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError) as error:
        raise ImportProblem(f"{where}: {value!r} is not a date and time.") from error


def goal_of(value, where: str) -> tuple[datetime.date | None, int | None]:
    """A role's goal as the export writes it (absent in older files: none)."""
    if value is None:
        return None, None
    if not isinstance(value, dict):
        raise ImportProblem(f"{where}.goal: expected a mapping.")
    target = value.get("target_date")
    if target is not None:
        try:
            target = datetime.date.fromisoformat(target)
        except (TypeError, ValueError) as error:
            raise ImportProblem(
                f"{where}.goal.target_date: {target!r} is not a date."
            ) from error
        try:
            validate_target_date(target)
        except ValidationError as error:
            raise ImportProblem(
                f"{where}.goal.target_date: {one_line(error)}"
            ) from error
    hours = value.get("hours_per_week")
    if hours is not None and (
        isinstance(hours, bool)
        or not isinstance(hours, int | float)
        or not 1 <= hours <= MAX_HOURS_PER_WEEK
        or round(hours, 1) != hours  # the goal form's one decimal place
    ):
        raise ImportProblem(
            f"{where}.goal.hours_per_week: {hours!r} is not a number of hours from "
            f"1 to {MAX_HOURS_PER_WEEK} with one decimal place at most."
        )
    return target, None if hours is None else Decimal(str(hours))


def hours_number(hours) -> int | float | None:
    """A goal's hours in the data file: 7, or 2.5."""
    if hours is None:
        return None
    return int(hours) if hours == int(hours) else float(hours)


def field_of(entry: dict, name: str, where: str):
    if not isinstance(entry, dict) or name not in entry:
        raise ImportProblem(f"{where}: the field {name!r} is missing.")
    return entry[name]


def one_line(error: ValidationError) -> str:
    return " ".join(" ".join(error.messages).split())


def checked(instance, where: str, exclude=()) -> None:
    """The model's own rules (lengths, choices, validators), as its form applies
    them; the first broken one names the entry's field."""
    try:
        instance.full_clean(exclude=list(exclude), validate_constraints=False)
    except ValidationError as error:
        field, errors = next(iter(error.message_dict.items()))
        name = "" if field == NON_FIELD_ERRORS else f".{field}"
        raise ImportProblem(
            f"{where}{name}: {one_line(ValidationError(errors))}"
        ) from error


def through_form(form_class, data: dict, where: str) -> None:
    """The rules of the form the learner (or mentor) fills in on the pages, for
    text the model alone does not bound (a note's or a comment's length)."""
    for name, value in data.items():
        if not isinstance(value, str):
            raise ImportProblem(f"{where}.{name}: expected text.")
    form = form_class(data=data)
    if not form.is_valid():
        field, errors = next(iter(form.errors.as_data().items()))
        raise ImportProblem(f"{where}.{field}: {one_line(ValidationError(errors))}")


def refuse_nul(value, where: str) -> None:
    """No form accepts a NUL character (nor can PostgreSQL store one in text)."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ImportProblem(f"{where}: holds a NUL character.")
    elif isinstance(value, dict):
        for key, inner in value.items():
            refuse_nul(key, where)
            refuse_nul(inner, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            refuse_nul(inner, f"{where}[{index}]")


class Once:
    """One entry per item (or role) in a section, as the database holds them."""

    def __init__(self):
        self.first: dict = {}

    def __call__(self, key, what: str, where: str) -> None:
        if key in self.first:
            raise ImportProblem(
                f"{where}: a second entry for {what} (the first is {self.first[key]})."
            )
        self.first[key] = where


SCHEDULE_FIELDS = frozenset(Card(card_id=0).to_dict())
# FSRS never schedules further than its maximum interval (a year), which a
# pause may lengthen.
LATEST_REVIEW = datetime.timedelta(days=SCHEDULER.maximum_interval + 1 + MAX_PAUSE_DAYS)


def check_schedule(schedule, where: str) -> None:
    """A review schedule as the rating endpoint writes it: the FSRS card's
    fields, each of its type, that FSRS can rate again from today."""
    if not isinstance(schedule, dict):
        raise ImportProblem(f"{where}: expected a mapping.")
    if set(schedule) != SCHEDULE_FIELDS:
        raise ImportProblem(
            f"{where}: expected the fields {', '.join(sorted(SCHEDULE_FIELDS))}."
        )
    try:
        card = Card.from_dict(schedule)
        if isinstance(schedule["card_id"], bool) or not isinstance(
            schedule["card_id"], int
        ):
            raise ValueError("card_id is not a whole number")
        for moment in (card.due, card.last_review):
            if moment is not None and moment.utcoffset() is None:
                raise ValueError("a time without its offset")
        if card.to_dict() != schedule:
            raise ValueError("not as FSRS writes it")
        for rating in Rating:
            SCHEDULER.review_card(card, rating, timezone.now())
    except (KeyError, TypeError, ValueError, OverflowError, ArithmeticError) as error:
        raise ImportProblem(
            f"{where}: not a review schedule Waymark can continue ({error})."
        ) from error


class Importer:
    def __init__(self, document):
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise ImportProblem("this is not a Waymark export (format).")
        if document.get("version") != VERSION:
            raise ImportProblem(
                f"export version {document.get('version')!r} is unknown."
            )
        refuse_nul(document, "")
        self.document = document
        self.counts: dict[str, int] = {}
        self.dropped: list[str] = []
        self.signed = signing.constant_time_compare(
            str(document.get("attestations_signature", "")), _signature(document)
        )

    def run(self) -> dict[str, int]:
        learner = self.account()
        self.follows(learner)
        self.progress(learner)
        self.history(learner)
        self.assessments(learner)
        self.reviews(learner)
        self.pacing(learner)
        for section in sections():
            section.read(self, learner)
        return self.counts

    def account(self):
        account = field_of(self.document, "account", "account")
        username = field_of(account, "username", "account")
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            raise ImportProblem(f"account: the username {username!r} is taken here.")
        user = User(
            username=username,
            email=field_of(account, "email", "account"),
            display_name=account.get("display_name", ""),
            timezone=account.get("timezone", "UTC"),
            public_profile=bool(account.get("public_profile", False)),
            weekly_email=account.get("weekly_email", False) is True,
            date_joined=time_of(account.get("date_joined"), "account.date_joined"),
        )
        user.set_unusable_password()
        try:
            user.full_clean(exclude=["password"])
        except Exception as error:
            raise ImportProblem(f"account: {error}") from error
        user.save()
        EmailAddress.objects.create(
            user=user, email=user.email, verified=False, primary=True
        )
        self.counts["account"] = 1
        return user

    def item(self, entry: dict, where: str, kinds=("step", "concept")):
        kind = field_of(entry, "kind", where)
        slug = field_of(entry, "slug", where)
        if kind not in kinds:
            raise ImportProblem(f"{where}: kind {kind!r} is not one of {kinds}.")
        model = THREAD_MODELS[kind]
        item = _select_parents(model).filter(slug=slug).first()
        if item is None or not may_hold_history(item):
            raise ImportProblem(f"{where}: no {kind} {slug!r} here (load_roadmaps?).")
        return kind, item

    def follows(self, learner):
        follows = []
        once = Once()
        for index, entry in enumerate(self.document.get("roles", [])):
            where = f"roles[{index}]"
            slug = field_of(entry, "role", where)
            role = Role.objects.filter(slug=slug).first()
            if role is None or not may_hold_history(role):
                raise ImportProblem(f"{where}: no role {slug!r} here.")
            once(role.pk, f"the role {slug!r}", where)
            started = time_of(entry.get("started_at"), where)
            reviews = entry.get("reviews", True)  # absent in older files: on
            if not isinstance(reviews, bool):
                raise ImportProblem(f"{where}.reviews: expected true or false.")
            follows.append((role, started, goal_of(entry.get("goal"), where), reviews))
        for role, started, (target, hours), reviews in follows:
            follow = RoleFollow.objects.create(
                learner=learner,
                role=role,
                target_date=target,
                hours_per_week=hours,
                reviews=reviews,
            )
            RoleFollow.objects.filter(pk=follow.pk).update(started_at=started)
        self.counts["roles followed"] = len(follows)

    def progress(self, learner):
        rows = []
        evidence = []
        once = Once()
        for index, entry in enumerate(self.document.get("progress", [])):
            where = f"progress[{index}]"
            kind, item = self.item(entry, where)
            once((kind, item.pk), f"the {kind} {item.slug!r}", where)
            status = field_of(entry, "status", where)
            if status not in Status.values:
                raise ImportProblem(f"{where}: unknown status {status!r}.")
            row = ItemProgress(
                learner=learner,
                status=status,
                note=entry.get("note", ""),
                note_shared=bool(entry.get("note_shared_with_mentors", False)),
                **{kind: item},
            )
            checked(row, where, exclude=["learner", "step", "concept"])
            through_form(NoteForm, {"note": row.note}, where)
            links = entry.get("evidence", [])
            if not isinstance(links, list) or len(links) > EVIDENCE_PER_ITEM:
                raise ImportProblem(
                    f"{where}.evidence: expected a list of at most "
                    f"{EVIDENCE_PER_ITEM} links."
                )
            times = (
                time_of(entry.get("created_at"), f"{where}.created_at"),
                time_of(entry.get("updated_at"), f"{where}.updated_at"),
                time_of(entry["status_changed_at"], f"{where}.status_changed_at")
                if entry.get("status_changed_at")
                else None,
            )
            rows.append((row, times, links, where))
        for row, _times, _evidence, _where in rows:
            row.save()
            if row.step_id:  # the curators' drop-off counts
                StepTally.objects.record_changes(
                    [(row.step_id, Status.NOT_STARTED, row.status)]
                )
        for row, (created, updated, changed), links, where in rows:
            ItemProgress.objects.filter(pk=row.pk).update(
                created_at=created, updated_at=updated, status_changed_at=changed
            )
            for number, link in enumerate(links):
                link_where = f"{where}.evidence[{number}]"
                evidence.append(
                    (
                        Evidence(
                            progress=row,
                            url=field_of(link, "url", link_where),
                            title=link.get("title", ""),
                        ),
                        time_of(link.get("added_at"), link_where),
                        link_where,
                    )
                )
        for link, added, link_where in evidence:
            checked(link, link_where, exclude=["progress"])
            link.save()
            Evidence.objects.filter(pk=link.pk).update(created_at=added)
        self.counts["progress rows"] = len(rows)
        self.counts["evidence links"] = len(evidence)
        return rows

    def history(self, learner):
        events = []
        for index, entry in enumerate(self.document.get("history", [])):
            where = f"history[{index}]"
            kind, item = self.item(entry, where)
            before, after = field_of(entry, "from", where), field_of(entry, "to", where)
            if before not in Status.values or after not in Status.values:
                raise ImportProblem(f"{where}: unknown status.")
            events.append(
                (
                    ProgressEvent(
                        learner=learner,
                        from_status=before,
                        to_status=after,
                        **{kind: item},
                    ),
                    time_of(entry.get("at"), where),
                )
            )
        for event, at in events:
            event.save()
            ProgressEvent.objects.filter(pk=event.pk).update(created_at=at)
        self.counts["history events"] = len(events)

    def skill(self, entry: dict, where: str) -> Skill:
        slug = field_of(entry, "skill", where)
        skill = Skill.objects.filter(slug=slug).first()
        if skill is None or not may_hold_history(skill):
            raise ImportProblem(f"{where}: no skill {slug!r} here.")
        return skill

    def level(self, entry: dict, where: str) -> int:
        label = field_of(entry, "level", where)
        if label not in LEVELS:
            raise ImportProblem(f"{where}: unknown level {label!r}.")
        return LEVELS[label]

    def assessments(self, learner):
        count = 0
        for index, entry in enumerate(self.document.get("self_assessments", [])):
            where = f"self_assessments[{index}]"
            assessment = SelfAssessment.objects.create(
                learner=learner,
                skill=self.skill(entry, where),
                level=self.level(entry, where),
            )
            SelfAssessment.objects.filter(pk=assessment.pk).update(
                created_at=time_of(entry.get("at"), where)
            )
            count += 1
        self.counts["self-assessments"] = count

    def pacing(self, learner):
        """The review pacing (absent in older files: the defaults)."""
        given = self.document.get("review_pacing")
        if given is None:
            return
        if not isinstance(given, dict):
            raise ImportProblem("review_pacing: expected a mapping.")
        days = {
            key: day_of(given[key], f"review_pacing.{key}") if given.get(key) else None
            for key in ("paused_from", "paused_until")
        }
        pacing = ReviewSettings(
            learner=learner,
            daily_limit=given.get("daily_limit"),
            retention=given.get("retention", RETENTION_DEFAULT),
            **days,
        )
        try:
            pacing.full_clean(exclude=["learner"])
        except ValidationError as error:
            field, messages = next(iter(error.message_dict.items()))
            raise ImportProblem(f"review_pacing.{field}: {messages[0]}") from error
        pacing.save()
        self.counts["review_pacing"] = 1

    def reviews(self, learner):
        ratings = {label.lower(): value for value, label in ReviewLog.Rating.choices}
        count = 0
        once = Once()
        latest = timezone.localdate() + LATEST_REVIEW
        for index, entry in enumerate(self.document.get("reviews", [])):
            where = f"reviews[{index}]"
            kind, item = self.item(entry, where)
            once((kind, item.pk), f"the {kind} {item.slug!r}", where)
            schedule = field_of(entry, "schedule", where)
            check_schedule(schedule, f"{where}.schedule")
            due = day_of(field_of(entry, "due", where), f"{where}.due")
            if due > latest:
                raise ImportProblem(
                    f"{where}.due: {due} is further ahead than a review is ever "
                    "scheduled."
                )
            card = ReviewCard.objects.create(
                learner=learner, card=schedule, due=due, **{kind: item}
            )
            for number, step in enumerate(entry.get("history") or []):
                at = f"{where}.history[{number}]"
                rating = ratings.get(field_of(step, "rating", at))
                if rating is None:
                    raise ImportProblem(f"{at}.rating: not one of {sorted(ratings)}.")
                log = ReviewLog.objects.create(
                    card=card,
                    rating=rating,
                    next_due=day_of(field_of(step, "next_due", at), f"{at}.next_due"),
                )
                ReviewLog.objects.filter(pk=log.pk).update(
                    reviewed_at=time_of(step.get("at"), at)
                )
            count += 1
        self.counts["reviews"] = count


def day_of(value, where: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError) as error:
        raise ImportProblem(f"{where}: {value!r} is not a date.") from error


def _select_parents(model):
    parents = {"LearningStep": "stage__role", "Concept": "skill"}.get(model.__name__)
    queryset = model.objects.all()
    return queryset.select_related(parents) if parents else queryset
