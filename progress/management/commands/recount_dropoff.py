"""Rebuild the per-step drop-off tallies from the progress rows."""

from django.core.management.base import BaseCommand

from progress.dropoff import recount


class Command(BaseCommand):
    help = "Recount learning, done and skipped learners for every learning step."

    def handle(self, *args, **options):
        steps = recount()
        self.stdout.write(self.style.SUCCESS(f"Recounted {steps} steps."))
