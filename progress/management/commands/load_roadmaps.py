from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from progress.content_changes import learners_touched
from roadmap import content, revisions
from roadmap.content import loading


class Command(BaseCommand):
    help = (
        "Validate content files (default: fixtures/), then upsert them by slug in "
        "one transaction. Items no file mentions are retired, never deleted."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="*", type=Path, help="Files or folders of *.yaml files."
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Validate and report what would change, then write nothing.",
        )
        parser.add_argument(
            "--no-retire",
            action="store_true",
            help="Load a subset: leave items that the files do not mention alone.",
        )

    def handle(self, *args, paths, dry_run, no_retire, **options):
        paths = paths or [Path(settings.ROADMAP_FIXTURES_DIR)]
        try:
            catalogue = content.read(paths)
        except content.ContentError as error:
            for problem in error.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"{len(error.problems)} problem(s) found; nothing was written."
            ) from None
        files = content.content_files(paths)
        report = loading.load(
            catalogue, retire=not no_retire, dry_run=dry_run, files=files
        )
        for line in report.lines():
            self.stdout.write(line)
        touched = learners_touched(report.changes)
        for change in report.changes:
            learners = touched.get((change["kind"], change["id"]), 0)
            self.stdout.write(
                f"  {revisions.describe(change)} [{learners} learner"
                f"{'' if learners == 1 else 's'}]"
            )
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
        elif report.changed:
            self.stdout.write(self.style.SUCCESS("Content loaded."))
        else:
            self.stdout.write("Content loaded: nothing changed.")
