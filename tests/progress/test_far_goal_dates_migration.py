"""A goal saved before target dates were bounded, with a day such as 9999-12-31
(which overflowed the calendar feed), loses that day when the database is
migrated, and keeps its hours a week; a goal within the bound keeps its day."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(progress_migration: str):
    """Every app at its latest migration, progress at the one named."""
    executor = MigrationExecutor(connection)
    targets = [
        (app, name)
        for app, name in executor.loader.graph.leaf_nodes()
        if app != "progress"
    ] + [("progress", progress_migration)]
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_a_far_target_date_saved_earlier_is_cleared_by_the_migration():
    old = migrate("0011_decimal_hours_per_week")
    User = old.get_model("accounts", "User")
    Role = old.get_model("roadmap", "Role")
    RoleFollow = old.get_model("progress", "RoleFollow")
    learner = User.objects.create(username="lea", email="lea@example.com")
    near = datetime.date.today() + datetime.timedelta(days=90)
    far = RoleFollow.objects.create(
        learner=learner,
        role=Role.objects.create(slug="far", title="Far"),
        target_date=datetime.date(9999, 12, 31),
        hours_per_week=5,
    )
    kept = RoleFollow.objects.create(
        learner=learner,
        role=Role.objects.create(slug="near", title="Near"),
        target_date=near,
        hours_per_week=3,
    )

    new = migrate("0012_far_goal_dates_cleared")
    RoleFollow = new.get_model("progress", "RoleFollow")
    far, kept = RoleFollow.objects.get(pk=far.pk), RoleFollow.objects.get(pk=kept.pk)
    assert far.target_date is None
    assert far.hours_per_week == 5
    assert kept.target_date == near
    # Leave the database as the rest of the suite expects it: every app latest.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
