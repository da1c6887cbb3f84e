from django.core.management.base import BaseCommand, CommandError

from roadmap.content import format_doc


class Command(BaseCommand):
    help = (
        "Rewrite the field tables of docs/content-format.md from the content "
        "specification (roadmap/content/spec.py); --check only compares."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; fail if the tables differ from the specification.",
        )

    def handle(self, *args, check, **options):
        path = format_doc.doc_path()
        text = path.read_text(encoding="utf-8")
        try:
            rendered = format_doc.render(text)
        except ValueError as error:
            raise CommandError(str(error)) from None
        if rendered == text:
            self.stdout.write(f"{path.name}: the field tables are up to date.")
        elif check:
            raise CommandError(
                f"{path.name}: the field tables differ from the specification; "
                f"run `{format_doc.COMMAND}`."
            )
        else:
            path.write_text(rendered, encoding="utf-8")
            self.stdout.write(f"Rewrote the field tables of {path.name}.")
