from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from roadmap import content
from roadmap.models import Role


class Command(BaseCommand):
    help = (
        "Write a role, with the skills, concepts, resources and sources it uses, "
        "in the content file format (to standard output or --output; with --output "
        "the source documents' texts go in a sources/ folder beside the file)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The role's slug, e.g. backend-engineer.")
        parser.add_argument("--output", "-o", type=Path, help="File to write.")

    def handle(self, *args, slug, output, **options):
        try:
            data = content.export_role(slug)
        except Role.DoesNotExist:
            raise CommandError(f"No role with slug {slug!r}.") from None
        text = content.dump(data)
        if output:
            output.write_text(text, encoding="utf-8")
            folder = output.parent / content.DOCUMENT_FOLDER
            documents = content.documents(data)
            if documents:
                folder.mkdir(exist_ok=True)
            for name, body in documents.items():
                (folder / name).write_text(body, encoding="utf-8")
            self.stdout.write(
                f"Wrote {output} and {len(documents)} source text(s) in {folder}."
            )
        else:
            self.stdout.write(text, ending="")
