"""Mentoring's part of the learner's data file (`progress.learner_file`): the
feedback threads, endorsements and mentorships, written with the rest and read
back by `manage.py import_learner`.

What mentors said is attested: the signature covers it, and on import each
comment or endorsement by someone else comes back only when the signature holds,
its author exists here and a mentorship the file names was open at that moment.
Mentorships come back ended: consent is given anew.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone

from mentoring.forms import CommentForm
from mentoring.models import Comment, Endorsement, Mentorship
from progress.learner_file import (
    Importer,
    Section,
    checked,
    field_of,
    iso,
    through_form,
    time_of,
)
from progress.models import Level
from progress.visibility import THREAD_MODELS


def write(user) -> dict:
    return {
        "feedback": [
            {
                "kind": comment.item_kind,
                "slug": comment.item.slug,
                "author": comment.author.username,
                "body": comment.body,
                "at": comment.created_at.isoformat(),
                "read_at": comment.read_by_learner_at.isoformat()
                if comment.read_by_learner_at
                else None,
            }
            for comment in Comment.objects.filter(learner=user)
            .select_related("author", "step", "concept", "skill")
            .order_by("created_at", "id")
        ],
        "endorsements": [
            {
                "skill": e.skill.slug,
                "level": Level(e.level).label.lower(),
                "mentor": e.mentor.username,
                "at": e.created_at.isoformat(),
            }
            for e in Endorsement.objects.filter(learner=user)
            .select_related("skill", "mentor")
            .order_by("created_at", "id")
        ],
        "mentorships": [
            {
                "mentor": m.mentor.username,
                "since": iso(m.responded_at or m.created_at),
                "until": iso(m.ended_at),
            }
            for m in Mentorship.objects.filter(
                learner=user,
                mentor__isnull=False,
                status__in=[Mentorship.Status.ACTIVE, Mentorship.Status.ENDED],
            )
            .select_related("mentor")
            .order_by("created_at", "id")
        ],
    }


def attested(document: dict) -> dict:
    """What others vouch for: every mentorship, every endorsement, and the
    comments not written by the learner themself."""
    username = document.get("account", {}).get("username")
    return {
        "mentorships": document.get("mentorships", []),
        "feedback": [
            entry
            for entry in document.get("feedback", [])
            if not isinstance(entry, dict) or entry.get("author") != username
        ],
        "endorsements": document.get("endorsements", []),
    }


def read(importer: Importer, learner) -> None:
    mentors = _read_mentorships(importer, learner)
    _read_feedback(importer, learner, mentors)
    _read_endorsements(importer, learner, mentors)


def _read_mentorships(importer: Importer, learner) -> dict:
    """The file's mentorships, restored as ended, by mentor: {user: periods}."""
    User = get_user_model()
    periods: dict = {}
    for index, entry in enumerate(importer.document.get("mentorships", [])):
        where = f"mentorships[{index}]"
        since = time_of(field_of(entry, "since", where), f"{where}.since")
        until = (
            time_of(entry["until"], f"{where}.until") if entry.get("until") else None
        )
        if not importer.signed:
            continue
        mentor = User.objects.filter(username=field_of(entry, "mentor", where)).first()
        if mentor is None or mentor == learner:
            continue
        periods.setdefault(mentor, []).append((since, until))
        ended = until or timezone.now()
        mentorship = Mentorship.objects.create(
            learner=learner,
            mentor=mentor,
            initiated_by=Mentorship.Initiator.LEARNER,
            status=Mentorship.Status.ENDED,
        )
        Mentorship.objects.filter(pk=mentorship.pk).update(
            created_at=since, responded_at=since, ended_at=ended
        )
    importer.counts["mentorships (ended)"] = sum(map(len, periods.values()))
    return periods


def _attested_by(importer: Importer, mentors: dict, username: str, at, where: str):
    """The author of an attestation, when the file vouches for them; else
    None, and the report says why."""
    author = get_user_model().objects.filter(username=username).first()
    if author is None:
        importer.dropped.append(f"{where}: no account {username!r} here")
        return None
    if not importer.signed:
        importer.dropped.append(f"{where}: not signed by this Waymark")
        return None
    periods = mentors.get(author, [])
    if not any(
        since <= at and (until is None or at <= until) for since, until in periods
    ):
        importer.dropped.append(f"{where}: {username!r} was not their mentor then")
        return None
    return author


def _read_feedback(importer: Importer, learner, mentors: dict) -> None:
    restored = 0
    for index, entry in enumerate(importer.document.get("feedback", [])):
        where = f"feedback[{index}]"
        username = field_of(entry, "author", where)
        at = time_of(entry.get("at"), where)
        kind, item = importer.item(entry, where, kinds=tuple(THREAD_MODELS))
        if username == learner.username:
            author = learner  # the learner's own reply
        else:
            author = _attested_by(importer, mentors, username, at, where)
            if author is None:
                continue
        comment = Comment(
            learner=learner,
            author=author,
            body=field_of(entry, "body", where),
            **{kind: item},
        )
        checked(comment, where, exclude=["learner", "author", *THREAD_MODELS])
        through_form(CommentForm, {"body": comment.body}, where)
        comment.save()
        Comment.objects.filter(pk=comment.pk).update(
            created_at=at,
            read_by_learner_at=time_of(entry["read_at"], where)
            if entry.get("read_at")
            else None,
        )
        restored += 1
    importer.counts["feedback"] = restored


def _read_endorsements(importer: Importer, learner, mentors: dict) -> None:
    restored = 0
    for index, entry in enumerate(importer.document.get("endorsements", [])):
        where = f"endorsements[{index}]"
        skill, level = importer.skill(entry, where), importer.level(entry, where)
        at = time_of(entry.get("at"), where)
        mentor = _attested_by(
            importer, mentors, field_of(entry, "mentor", where), at, where
        )
        if mentor is None:
            continue
        endorsement = Endorsement.objects.create(
            learner=learner, mentor=mentor, skill=skill, level=level
        )
        Endorsement.objects.filter(pk=endorsement.pk).update(created_at=at)
        restored += 1
    importer.counts["endorsements"] = restored


SECTION = Section(write=write, attested=attested, read=read)
