"""Curators upload content files in the admin: a proxy of the revisions (an
upload records one), whose add and view permissions the Curators group holds."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CURATORS = "Curators"
CODENAMES = ["add_contentupload", "view_contentupload"]


def grant(apps, schema_editor):
    db = schema_editor.connection.alias
    app_config = apps.get_app_config("progress")
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
            content_type__app_label="progress", codename__in=CODENAMES
        )
    )


def revoke(apps, schema_editor):
    db = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.using(db).filter(name=CURATORS):
        group.permissions.remove(
            *Permission.objects.using(db).filter(
                content_type__app_label="progress", codename__in=CODENAMES
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("progress", "0017_change_seen_at"),
        ("roadmap", "0015_meaning_changed_at"),
        ("accounts", "0005_curators_group"),
    ]

    operations = [
        migrations.CreateModel(
            name="ContentUpload",
            fields=[],
            options={
                "verbose_name": "content upload",
                "verbose_name_plural": "content uploads",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("roadmap.revision",),
        ),
        migrations.RunPython(grant, revoke),
    ]
