"""Goals saved before target dates were bounded (0010) may hold a day such as
9999-12-31, which overflowed the calendar feed: such a day is cleared, so the
goal keeps its hours a week and the learner is asked for a new date."""

import datetime

from django.db import migrations

MAX_GOAL_YEARS = 10  # as progress.models.MAX_GOAL_YEARS when this was written


def clear_far_target_dates(apps, schema_editor):
    RoleFollow = apps.get_model("progress", "RoleFollow")
    today = datetime.date.today()
    reach = datetime.timedelta(days=366 * MAX_GOAL_YEARS)
    RoleFollow.objects.filter(target_date__gt=today + reach).update(target_date=None)
    RoleFollow.objects.filter(target_date__lt=today - reach).update(target_date=None)


class Migration(migrations.Migration):
    dependencies = [
        ("progress", "0011_decimal_hours_per_week"),
    ]

    operations = [
        migrations.RunPython(clear_far_target_dates, migrations.RunPython.noop),
    ]
