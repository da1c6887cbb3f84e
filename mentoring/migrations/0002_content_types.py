"""The moved models keep their content types (and so their permissions and admin
history): the rows are relabelled from `accounts` and `progress` to `mentoring`."""

from django.db import migrations

MOVED = {"mentorship": "accounts", "comment": "progress", "endorsement": "progress", "nudge": "progress"}


def relabel(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model, old_app in MOVED.items():
        old = ContentType.objects.using(db).filter(app_label=old_app, model=model)
        if ContentType.objects.using(db).filter(app_label="mentoring", model=model).exists():
            old.delete()  # made afresh already: the old one has nothing to keep
        else:
            old.update(app_label="mentoring")


def unlabel(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model, old_app in MOVED.items():
        ContentType.objects.using(db).filter(app_label="mentoring", model=model).update(
            app_label=old_app
        )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("mentoring", "0001_initial"),
        ("accounts", "0007_mentorship_moves_to_mentoring"),
        ("progress", "0005_feedback_moves_to_mentoring"),
    ]

    operations = [migrations.RunPython(relabel, unlabel)]
