"""Mentorships, comments, endorsements and reminders moved from `accounts` and
`progress` into `mentoring` by state-only migrations: an existing database keeps
its tables and every row, and the models read them as before."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [
    # Content as it was then too: the old models write the tables' old columns.
    ("roadmap", "0002_first_published_at"),
    ("accounts", "0006_staff_enrolment"),
    ("progress", "0004_retired_with_history"),
    ("mentoring", None),
]


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the migration of a filled database is proven on PostgreSQL (CI)")


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(
        [target for target in targets if target[1] is not None]
    ).apps


@pytest.mark.django_db(transaction=True)
def test_an_existing_database_migrates_with_every_row_intact(postgresql_only):
    old = migrate(BEFORE)
    User = old.get_model("accounts", "User")
    Role = old.get_model("roadmap", "Role")
    Stage = old.get_model("roadmap", "Stage")
    Step = old.get_model("roadmap", "LearningStep")
    Skill = old.get_model("roadmap", "Skill")
    learner = User.objects.create(username="lea", email="lea@example.com")
    mentor = User.objects.create(username="max", email="max@example.com")
    role = Role.objects.create(slug="r", title="R")
    step = Step.objects.create(
        stage=Stage.objects.create(role=role, slug="s"), slug="st"
    )
    skill = Skill.objects.create(slug="sk", name="Sk")
    now = timezone.now()
    mentorship = old.get_model("accounts", "Mentorship").objects.create(
        learner=learner,
        mentor=mentor,
        initiated_by="learner",
        status="active",
        invited_email="max@example.com",
        token_hash="a" * 64,
        message="Hello",
        expires_at=now + datetime.timedelta(days=14),
        responded_at=now,
    )
    old.get_model("progress", "Comment").objects.create(
        learner=learner, author=mentor, step=step, body="Nice work"
    )
    old.get_model("progress", "Comment").objects.create(
        learner=learner, author=learner, skill=skill, body="Thanks"
    )
    old.get_model("progress", "Endorsement").objects.create(
        learner=learner, mentor=mentor, skill=skill, level=4
    )
    old.get_model("progress", "Nudge").objects.create(
        learner=learner, mentor=mentor, day=now.date()
    )
    ContentType = old.get_model("contenttypes", "ContentType")
    old_type = ContentType.objects.get_or_create(
        app_label="accounts", model="mentorship"
    )
    tables = {
        table: _rows(table)
        for table in (
            "accounts_mentorship",
            "progress_comment",
            "progress_endorsement",
            "progress_nudge",
        )
    }

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    from mentoring.models import Comment, Endorsement, Mentorship, Nudge

    assert {table: _rows(table) for table in tables} == tables
    moved = Mentorship.objects.get()
    assert (moved.pk, moved.learner.username, moved.mentor.username) == (
        mentorship.pk,
        "lea",
        "max",
    )
    assert moved.message == "Hello" and moved.status == "active"
    assert sorted(Comment.objects.values_list("body", flat=True)) == [
        "Nice work",
        "Thanks",
    ]
    assert Endorsement.objects.get().level == 4
    assert Nudge.objects.get().day == now.date()
    from django.contrib.contenttypes.models import ContentType as Current

    relabelled = Current.objects.get(pk=old_type[0].pk)
    assert (relabelled.app_label, relabelled.model) == ("mentoring", "mentorship")


def _rows(table: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} ORDER BY id")  # noqa: S608 - fixed names
        return cursor.fetchall()
