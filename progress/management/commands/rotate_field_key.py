"""Write every encrypted field again with the first key.

    manage.py rotate_field_key

After setting a new `WAYMARK_FIELD_KEY` (with the old one first in
`WAYMARK_FIELD_KEY_FALLBACKS`), run this once; then the old key can leave the
fallbacks (docs/deployment.md). A value no key opens any more stays unreadable,
and its learner is asked to enter it again.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from progress.models import LearningRecordStore


class Command(BaseCommand):
    help = "Encrypt the learning record stores' accounts again with the first key."

    def handle(self, *args, **options) -> None:
        rotated = lost = 0
        for pk in LearningRecordStore.objects.values_list("pk", flat=True):
            with transaction.atomic():
                store = LearningRecordStore.objects.select_for_update().get(pk=pk)
                if store.secret_encrypted and not store.has_secret:
                    lost += 1
                store.save(update_fields=["username_encrypted", "secret_encrypted"])
                rotated += 1
        self.stdout.write(
            f"{rotated} store(s) written with the first key"
            + (
                f"; {lost} secret(s) no key opened: their learners are asked again."
                if lost
                else "."
            )
        )
