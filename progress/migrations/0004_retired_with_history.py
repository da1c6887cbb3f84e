from django.db import migrations
from django.db.models import F


def stamp_retired(apps, schema_editor):
    """Unpublished items that learners have history on were published once:
    they are retired, not drafts."""
    ItemProgress = apps.get_model("progress", "ItemProgress")
    for name, field in (("LearningStep", "step"), ("Concept", "concept")):
        model = apps.get_model("roadmap", name)
        used = ItemProgress.objects.filter(**{f"{field}__isnull": False}).values(field)
        model.objects.filter(first_published_at=None, pk__in=used).update(
            first_published_at=F("created_at")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("progress", "0003_step_tally"),
        ("roadmap", "0002_first_published_at"),
    ]

    operations = [migrations.RunPython(stamp_retired, migrations.RunPython.noop)]
