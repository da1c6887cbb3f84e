"""Restore a learner from their export (`/progress/export.json`).

    manage.py import_learner waymark-export.json

Run it after `load_roadmaps`, on a database without that username. It restores
the account (without a password: the learner sets one through "forgot password"),
the roles followed, every status with its note and evidence, the history of
changes and the self-assessments, with their original times. Feedback and
endorsements come back when their authors' accounts exist here. Everything is
checked first: an unknown role, item or skill, or a malformed entry, names the
entry and writes nothing.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from progress.dropoff import record_change
from progress.models import (
    Comment,
    Endorsement,
    Evidence,
    ItemProgress,
    Level,
    ProgressEvent,
    RoleFollow,
    SelfAssessment,
    Status,
)
from roadmap.models import Concept, LearningStep, Role, Skill

LEVELS = {label.lower(): value for value, label in Level.choices}


class Command(BaseCommand):
    help = "Restore a learner from a Waymark JSON export."

    def add_arguments(self, parser):
        parser.add_argument("export", type=Path)

    def handle(self, *args, export: Path, **options):
        try:
            document = json.loads(export.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CommandError(
                f"{export}: not a readable JSON export ({error})."
            ) from error
        try:
            with transaction.atomic():
                counts = Importer(document).run()
        except ImportProblem as problem:
            raise CommandError(
                f"{export}: {problem} Nothing was imported."
            ) from problem
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Imported {summary}."))


class ImportProblem(Exception):
    pass


def _time(value, where: str) -> datetime.datetime:
    try:
        return datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError) as error:
        raise ImportProblem(f"{where}: {value!r} is not a date and time.") from error


def _field(entry: dict, name: str, where: str):
    if not isinstance(entry, dict) or name not in entry:
        raise ImportProblem(f"{where}: the field {name!r} is missing.")
    return entry[name]


class Importer:
    def __init__(self, document):
        if not isinstance(document, dict) or document.get("format") != "waymark-export":
            raise ImportProblem("this is not a Waymark export (format).")
        if document.get("version") != 1:
            raise ImportProblem(
                f"export version {document.get('version')!r} is unknown."
            )
        self.document = document
        self.counts: dict[str, int] = {}

    def run(self) -> dict[str, int]:
        learner = self.account()
        self.follows(learner)
        self.progress(learner)
        self.history(learner)
        self.assessments(learner)
        self.feedback(learner)
        self.endorsements(learner)
        return self.counts

    def account(self):
        account = _field(self.document, "account", "account")
        username = _field(account, "username", "account")
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            raise ImportProblem(f"account: the username {username!r} is taken here.")
        user = User(
            username=username,
            email=_field(account, "email", "account"),
            display_name=account.get("display_name", ""),
            timezone=account.get("timezone", "UTC"),
            public_profile=bool(account.get("public_profile", False)),
            date_joined=_time(account.get("date_joined"), "account.date_joined"),
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

    def item(self, entry: dict, where: str):
        kind = _field(entry, "kind", where)
        slug = _field(entry, "slug", where)
        model = {"step": LearningStep, "concept": Concept}.get(kind)
        if model is None:
            raise ImportProblem(f"{where}: kind {kind!r} is neither step nor concept.")
        item = model.objects.filter(slug=slug).first()
        if item is None:
            raise ImportProblem(f"{where}: no {kind} {slug!r} here (load_roadmaps?).")
        return kind, item

    def follows(self, learner):
        follows = []
        for index, entry in enumerate(self.document.get("roles", [])):
            where = f"roles[{index}]"
            slug = _field(entry, "role", where)
            role = Role.objects.filter(slug=slug).first()
            if role is None:
                raise ImportProblem(f"{where}: no role {slug!r} here.")
            follows.append((role, _time(entry.get("started_at"), where)))
        for role, started in follows:
            follow = RoleFollow.objects.create(learner=learner, role=role)
            RoleFollow.objects.filter(pk=follow.pk).update(started_at=started)
        self.counts["roles followed"] = len(follows)

    def progress(self, learner):
        rows = []
        evidence = []
        for index, entry in enumerate(self.document.get("progress", [])):
            where = f"progress[{index}]"
            kind, item = self.item(entry, where)
            status = _field(entry, "status", where)
            if status not in Status.values:
                raise ImportProblem(f"{where}: unknown status {status!r}.")
            row = ItemProgress(
                learner=learner,
                status=status,
                note=entry.get("note", ""),
                note_shared=bool(entry.get("note_shared_with_mentors", False)),
                **{kind: item},
            )
            times = (
                _time(entry.get("created_at"), f"{where}.created_at"),
                _time(entry.get("updated_at"), f"{where}.updated_at"),
                _time(entry["status_changed_at"], f"{where}.status_changed_at")
                if entry.get("status_changed_at")
                else None,
            )
            rows.append((row, times, entry.get("evidence", []), where))
        for row, _times, _evidence, _where in rows:
            row.save()
            if row.step_id:  # the curators' drop-off counts
                record_change(row.step_id, Status.NOT_STARTED, row.status)
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
                            url=_field(link, "url", link_where),
                            title=link.get("title", ""),
                        ),
                        _time(link.get("added_at"), link_where),
                    )
                )
        for link, added in evidence:
            try:
                link.full_clean(exclude=["progress"])
            except Exception as error:
                raise ImportProblem(f"evidence {link.url!r}: {error}") from error
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
            before, after = _field(entry, "from", where), _field(entry, "to", where)
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
                    _time(entry.get("at"), where),
                )
            )
        for event, at in events:
            event.save()
            ProgressEvent.objects.filter(pk=event.pk).update(created_at=at)
        self.counts["history events"] = len(events)

    def skill(self, entry: dict, where: str) -> Skill:
        slug = _field(entry, "skill", where)
        skill = Skill.objects.filter(slug=slug).first()
        if skill is None:
            raise ImportProblem(f"{where}: no skill {slug!r} here.")
        return skill

    def level(self, entry: dict, where: str) -> int:
        label = _field(entry, "level", where)
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
                created_at=_time(entry.get("at"), where)
            )
            count += 1
        self.counts["self-assessments"] = count

    def feedback(self, learner):
        User = get_user_model()
        restored = 0
        for index, entry in enumerate(self.document.get("feedback", [])):
            where = f"feedback[{index}]"
            author = User.objects.filter(
                username=_field(entry, "author", where)
            ).first()
            if author is None:
                continue
            kind, item = self.item(entry, where)
            comment = Comment.objects.create(
                learner=learner,
                author=author,
                body=_field(entry, "body", where),
                **{kind: item},
            )
            Comment.objects.filter(pk=comment.pk).update(
                created_at=_time(entry.get("at"), where),
                read_by_learner_at=_time(entry["read_at"], where)
                if entry.get("read_at")
                else None,
            )
            restored += 1
        self.counts["feedback"] = restored

    def endorsements(self, learner):
        User = get_user_model()
        restored = 0
        for index, entry in enumerate(self.document.get("endorsements", [])):
            where = f"endorsements[{index}]"
            mentor = User.objects.filter(
                username=_field(entry, "mentor", where)
            ).first()
            if mentor is None:
                continue
            endorsement = Endorsement.objects.create(
                learner=learner,
                mentor=mentor,
                skill=self.skill(entry, where),
                level=self.level(entry, where),
            )
            Endorsement.objects.filter(pk=endorsement.pk).update(
                created_at=_time(entry.get("at"), where)
            )
            restored += 1
        self.counts["endorsements"] = restored
