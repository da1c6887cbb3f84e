"""Curators read the revisions and write their notes on them (a revision's
record itself is never edited: the admin shows it read-only)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CURATORS = "Curators"
CODENAMES = ("view_revision", "change_revision")


def grant(apps, schema_editor):
    db = schema_editor.connection.alias
    app_config = apps.get_app_config("roadmap")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0, using=db)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.using(db).filter(name=CURATORS).first()
    if group is None:
        return
    group.permissions.add(
        *Permission.objects.using(db).filter(
            content_type__app_label="roadmap", codename__in=CODENAMES
        )
    )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    group = Group.objects.using(schema_editor.connection.alias).filter(name=CURATORS)
    for found in group:
        found.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="roadmap", codename__in=CODENAMES
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("roadmap", "0013_revisions"),
        ("accounts", "0005_curators_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
