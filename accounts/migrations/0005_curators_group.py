"""The Curators group: the content permissions a curator needs, nothing more.

Curators edit the roadmap content in the admin and read the learners' progress
support views (read-only there for everyone). Accounts, groups and mentorships stay
with operators (superusers).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CURATORS = "Curators"

# (app label, model name, actions), as the admin offers them today.
PERMISSIONS = [
    *(
        ("roadmap", model, ("add", "change", "delete", "view"))
        for model in (
            "source",
            "resource",
            "skill",
            "concept",
            "role",
            "rolefact",
            "roleskill",
            "stage",
            "learningstep",
        )
    ),
    *(
        ("progress", model, ("view",))
        for model in (
            "itemprogress",
            "evidence",
            "progressevent",
            "rolefollow",
            "selfassessment",
            "stepdropoff",
        )
    ),
]


def create_curators(apps, schema_editor):
    db = schema_editor.connection.alias
    # Permissions are normally created after migrate; these ones are needed now.
    for label in ("roadmap", "progress"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=db)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.using(db).get_or_create(name=CURATORS)
    wanted = []
    for app_label, model, actions in PERMISSIONS:
        for action in actions:
            wanted.append(
                Permission.objects.using(db).get(
                    content_type__app_label=app_label,
                    codename=f"{action}_{model}",
                )
            )
    group.permissions.add(*wanted)


def remove_curators(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name=CURATORS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_mentor_requests_by_address"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("roadmap", "0001_initial"),
        ("progress", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_curators, remove_curators)]
