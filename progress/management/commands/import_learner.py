"""Restore a learner from their export (`/progress/export.json`).

    manage.py import_learner waymark-export.json

Run it after `load_roadmaps`, on a database without that username. It restores
the account (without a password: the learner sets one through "forgot password"),
the roles followed, every status with its note and evidence, the history of
changes, the self-assessments and the review schedules, with their original
times, and each role's goal and review switch. Feedback and endorsements come
back when their authors' accounts exist here. Every entry meets the rules the
pages apply (the note and comment forms' lengths, a goal's day within ten years,
evidence per item, no NUL character, a review schedule FSRS can continue, one
entry per role or item): an unknown role, item or skill, or a malformed entry,
is named in one line and nothing is written. The file format, both ways, is
`progress.learner_file`.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from progress.learner_file import Importer, ImportProblem


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
                importer = Importer(document)
                counts = importer.run()
        except ImportProblem as problem:
            raise CommandError(
                f"{export}: {problem} Nothing was imported."
            ) from problem
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Imported {summary}."))
        if importer.dropped:
            self.stdout.write(
                f"Left out {len(importer.dropped)} attestation(s) the file cannot "
                "vouch for:"
            )
            for reason in importer.dropped:
                self.stdout.write(f"  {reason}")
