"""Generate a large synthetic dataset straight into PostgreSQL, for scale tests.

    manage.py generate_dataset                      # 100,000 learners, 20M rows
    manage.py generate_dataset --learners 2000 --mentors 40

Rows are made by PostgreSQL itself (INSERT ... SELECT over generate_series), so
20 million progress rows take minutes, not hours. Every generated account has a
username starting with "gen-" and the password given by --password; run it on a
database of its own (see docs/performance.md), after `load_roadmaps`.
"""

from __future__ import annotations

import time

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction

from progress.dropoff import recount
from roadmap.models import Concept, LearningStep, Role, RoleSkill, Stage

PREFIX = "gen-"
GENERATED_ROLES = 4
STAGES_PER_ROLE = 5
STEPS_PER_STAGE = 20


class Command(BaseCommand):
    help = "Generate learners, progress and mentorships in bulk (PostgreSQL only)."

    def add_arguments(self, parser):
        parser.add_argument("--learners", type=int, default=100_000)
        parser.add_argument(
            "--items-per-learner",
            type=int,
            default=200,
            help="progress rows per learner (100,000 x 200 = 20 million)",
        )
        parser.add_argument("--mentors", type=int, default=2_000)
        parser.add_argument(
            "--max-mentees",
            type=int,
            default=50,
            help="mentor n has 1 + n %% max mentees; the last ones have the most",
        )
        parser.add_argument("--password", default="waymark-generated")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="delete an earlier generated dataset first",
        )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("generate_dataset writes with PostgreSQL's bulk SQL.")
        for name in ("learners", "items_per_learner", "mentors", "max_mentees"):
            if options[name] < 0 or (name == "learners" and options[name] < 1):
                raise CommandError(f"--{name.replace('_', '-')} must be positive.")
        role = Role.objects.filter(is_published=True).order_by("position").first()
        if role is None:
            raise CommandError("Load the seed roadmap first: manage.py load_roadmaps.")
        from django.contrib.auth import get_user_model

        if get_user_model().objects.filter(username__startswith=PREFIX).exists():
            if not options["replace"]:
                raise CommandError(
                    "A generated dataset is already here; add --replace to redo it."
                )
            self.step("Deleting the earlier dataset", self.delete_generated)
        self.started = time.monotonic()
        with transaction.atomic():
            self.skip_reference_checks()
            groups = self.step("Roles", self.make_roles, role)
            self.step(
                "Learners",
                self.make_users,
                "learner",
                options["learners"],
                options["password"],
            )
            self.step("Mentors", self.make_users, "mentor", options["mentors"], None)
            self.step("Pool of items", self.make_pool, role, groups)
            self.step("Follows", self.make_follows, role, groups)
            self.step("Progress", self.make_progress, options["items_per_learner"])
            self.step("Events", self.make_events)
            self.step(
                "Mentorships",
                self.make_mentorships,
                options["learners"],
                options["max_mentees"],
            )
            self.step("Drop-off counts", recount)
        self.step("Statistics (ANALYZE)", self.analyze)
        self.report()

    def step(self, label, function, *args):
        started = time.monotonic()
        result = function(*args)
        seconds = time.monotonic() - started
        self.stdout.write(f"{label:<22} {seconds:7.1f} s")
        return result

    def skip_reference_checks(self) -> None:
        """Rows are consistent by construction; checking 60 million foreign keys
        at commit would take longer than writing them. As pg_restore's
        --disable-triggers does, skip the checks when the role may (superuser)."""
        try:
            with transaction.atomic():
                self.sql("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            self.stdout.write("Foreign keys are checked row by row (not superuser).")

    def sql(self, statement: str, params=()) -> int:
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.rowcount

    def delete_generated(self):
        generated = "SELECT id FROM accounts_user WHERE username LIKE 'gen-%%'"
        for table, column in [
            ("progress_progressevent", "learner_id"),
            ("progress_itemprogress", "learner_id"),
            ("progress_rolefollow", "learner_id"),
            ("accounts_mentorship", "learner_id"),
            ("accounts_mentorship", "mentor_id"),
            ("account_emailaddress", "user_id"),
        ]:
            self.sql(f"DELETE FROM {table} WHERE {column} IN ({generated})")  # noqa: S608
        self.sql("DELETE FROM accounts_user WHERE username LIKE 'gen-%%'")

    def make_roles(self, role: Role) -> list[int]:
        """Extra published roles, so that learners have more items than one role."""
        roles = []
        skill_ids = list(
            RoleSkill.objects.filter(role=role).values_list("skill_id", flat=True)
        )
        for number in range(1, GENERATED_ROLES + 1):
            slug = f"{PREFIX}role-{number}"
            generated, created = Role.objects.get_or_create(
                slug=slug,
                defaults={
                    "title": f"Generated role {number}",
                    "tagline": "Synthetic content for scale tests.",
                    "position": 100 + number,
                },
            )
            roles.append(generated.pk)
            if not created:
                continue
            RoleSkill.objects.bulk_create(
                RoleSkill(role=generated, skill_id=skill, position=index)
                for index, skill in enumerate(skill_ids[:5])
            )
            for stage_number in range(STAGES_PER_ROLE):
                stage = Stage.objects.create(
                    role=generated,
                    slug=f"stage-{stage_number + 1}",
                    title=f"Stage {stage_number + 1}",
                    position=stage_number,
                )
                LearningStep.objects.bulk_create(
                    LearningStep(
                        stage=stage,
                        slug=f"{slug}-s{stage_number + 1}-{position + 1}",
                        title=f"Generated step {stage_number + 1}.{position + 1}",
                        position=position,
                    )
                    for position in range(STEPS_PER_STAGE)
                )
        return roles

    def make_users(self, kind: str, count: int, password: str | None):
        hashed = make_password(password) if password else "!"
        self.sql(
            """
            INSERT INTO accounts_user (password, is_superuser, username, first_name,
                last_name, email, is_staff, is_active, date_joined, display_name,
                public_profile, timezone, weekly_email)
            SELECT %s, false, %s || lpad(n::text, 6, '0'), '', '',
                %s || lpad(n::text, 6, '0') || '@example.com', false, true,
                now() - (n %% 700) * interval '1 day',
                initcap(%s) || ' ' || n, false, 'UTC', false
            FROM generate_series(1, %s) AS n
            """,
            [hashed, f"{PREFIX}{kind}", f"{PREFIX}{kind}", kind, count],
        )
        self.sql(
            """
            INSERT INTO account_emailaddress (email, verified, "primary", user_id)
            SELECT email, true, true, id FROM accounts_user
            WHERE username LIKE %s
            """,
            [f"{PREFIX}{kind}%"],
        )

    def make_pool(self, role: Role, groups: list[int]):
        """Each generated role, together with the seed role, is one group's pool of
        items: its steps and the seed role's steps and concepts, numbered from 0."""
        self.sql("DROP TABLE IF EXISTS generated_pool")
        self.sql(
            "CREATE TEMP TABLE generated_pool (grp int, r int, step_id bigint, "
            "concept_id bigint)"
        )
        seed_steps = list(
            LearningStep.objects.filter(stage__role=role, is_published=True)
            .order_by("stage__position", "position")
            .values_list("pk", flat=True)
        )
        seed_concepts = list(
            Concept.objects.filter(
                skill__role_skills__role=role, is_published=True
            ).values_list("pk", flat=True)
        )
        rows = []
        for group, generated in enumerate(groups):
            extra = list(
                LearningStep.objects.filter(stage__role_id=generated)
                .order_by("stage__position", "position")
                .values_list("pk", flat=True)
            )
            items = [(pk, None) for pk in seed_steps + extra]
            items += [(None, pk) for pk in seed_concepts]
            rows += [
                (group, index, step, concept)
                for index, (step, concept) in enumerate(items)
            ]
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                "COPY generated_pool (grp, r, step_id, concept_id) FROM STDIN"
            ) as copy,
        ):
            for row in rows:
                copy.write_row(row)
        self.pool_size = len(rows) // len(groups)
        self.groups = len(groups)

    def make_follows(self, role: Role, groups: list[int]):
        self.sql(
            """
            INSERT INTO progress_rolefollow (learner_id, role_id, started_at, reviews,
                target_date, hours_per_week)
            SELECT u.id, r.role_id, u.date_joined, true,
                -- A goal for the seed role: a day 60 to 359 days ahead and 3
                -- to 12 hours a week, so plans are computed as for real people.
                CASE WHEN r.seed THEN current_date + (60 + u.id %% 300)::int END,
                CASE WHEN r.seed THEN (3 + u.id %% 10)::int END
            FROM accounts_user u
            CROSS JOIN LATERAL (
                SELECT %s::bigint AS role_id, true AS seed
                UNION ALL
                SELECT (%s::bigint[])[1 + u.id %% %s], false
            ) r
            WHERE u.username LIKE 'gen-learner%%'
            """,
            [role.pk, groups, len(groups)],
        )

    def make_progress(self, per_learner: int):
        per_learner = min(per_learner, self.pool_size)
        self.sql(
            """
            INSERT INTO progress_itemprogress (learner_id, step_id, concept_id,
                status, note, note_shared, created_at, updated_at, status_changed_at)
            SELECT u.id, p.step_id, p.concept_id,
                CASE WHEN h < 50 THEN 'done' WHEN h < 70 THEN 'learning'
                     WHEN h < 75 THEN 'skipped' ELSE 'not_started' END,
                CASE WHEN h = 99 THEN 'Notes on this item.' ELSE '' END,
                h = 99, at, at,
                CASE WHEN h < 75 THEN at END
            FROM accounts_user u
            JOIN generated_pool p ON p.grp = u.id %% %(groups)s
                AND (p.r + u.id * 7) %% %(pool)s < %(per)s
            CROSS JOIN LATERAL (
                SELECT (u.id * 31 + p.r * 17) %% 100 AS h,
                    now() - ((u.id + p.r) %% 365) * interval '1 day'
                        - (p.r %% 24) * interval '1 hour' AS at
            ) x
            WHERE u.username LIKE 'gen-learner%%'
            """,
            {"groups": self.groups, "pool": self.pool_size, "per": per_learner},
        )

    def make_events(self):
        """The latest change of one started item in four: the activity history."""
        self.sql(
            """
            INSERT INTO progress_progressevent (learner_id, step_id, concept_id,
                from_status, to_status, created_at)
            SELECT p.learner_id, p.step_id, p.concept_id, 'not_started', p.status,
                p.status_changed_at
            FROM progress_itemprogress p
            JOIN accounts_user u ON u.id = p.learner_id
            WHERE u.username LIKE 'gen-learner%%' AND p.status <> 'not_started'
                AND p.id %% 4 = 0
            """
        )
        # Those items finished were marked learning first, 20 minutes to 7 hours
        # before: the time learners took is measured from such pairs.
        self.sql(
            """
            INSERT INTO progress_progressevent (learner_id, step_id, concept_id,
                from_status, to_status, created_at)
            SELECT p.learner_id, p.step_id, p.concept_id, 'not_started', 'learning',
                p.status_changed_at - interval '1 minute' * (20 + p.id %% 400)
            FROM progress_itemprogress p
            JOIN accounts_user u ON u.id = p.learner_id
            WHERE u.username LIKE 'gen-learner%%' AND p.status = 'done'
                AND p.id %% 4 = 0
            """
        )

    def make_mentorships(self, learners: int, max_mentees: int):
        if max_mentees == 0:
            return
        self.sql(
            """
            INSERT INTO accounts_mentorship (learner_id, mentor_id, initiated_by,
                status, invited_email, invited_username, token_hash, message,
                created_at, expires_at, responded_at)
            SELECT l.id, m.id, 'learner', 'active', '', '', '', '',
                now() - interval '30 days', now() - interval '16 days',
                now() - interval '29 days'
            FROM (
                SELECT id, row_number() OVER (ORDER BY id) - 1 AS n
                FROM accounts_user WHERE username LIKE 'gen-mentor%%'
            ) m
            CROSS JOIN LATERAL generate_series(0, m.n %% %(max)s) AS k
            JOIN accounts_user l
                ON l.username = 'gen-learner'
                    || lpad((1 + (m.n * %(max)s + k) %% %(learners)s)::text, 6, '0')
            """,
            {"max": max_mentees, "learners": learners},
        )

    def analyze(self):
        for table in (
            "accounts_user",
            "accounts_mentorship",
            "progress_rolefollow",
            "progress_itemprogress",
            "progress_progressevent",
            "progress_steptally",
        ):
            self.sql(f"ANALYZE {table}")

    def report(self):
        with connection.cursor() as cursor:
            counts = {}
            for table in (
                "accounts_user",
                "progress_itemprogress",
                "progress_progressevent",
                "accounts_mentorship",
            ):
                cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
                counts[table] = cursor.fetchone()[0]
        seconds = time.monotonic() - self.started
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated in {seconds:.0f} s: {counts['accounts_user']:,} users, "
                f"{counts['progress_itemprogress']:,} progress rows, "
                f"{counts['progress_progressevent']:,} events, "
                f"{counts['accounts_mentorship']:,} mentorships."
            )
        )
