"""The one place progress is computed: percentages, continue-with, pace, streaks."""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from progress import figures, mentees
from progress.activity import learner_activity
from progress.models import ItemProgress, ProgressEvent, RoleFollow, Status
from roadmap import page_cache
from tests.factories import ConceptFactory, RoleFactory, RoleSkillFactory


def mark(learner, item, status, days_ago: float = 0):
    ItemProgress.objects.set_status(learner, item, status)
    if days_ago:
        event = ProgressEvent.objects.filter(learner=learner).first()
        ProgressEvent.objects.filter(pk=event.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=days_ago)
        )


class TestCounts:
    def test_skipped_items_leave_the_denominator(self):
        counts = figures.Counts(total=10, done=3, learning=2, skipped=4)
        assert counts.counted == 6
        assert counts.percent == 50
        assert counts.not_started == 1
        assert counts.remaining == 3

    def test_the_percentage_rounds_down(self):
        assert figures.Counts(total=3, done=2).percent == 66
        assert figures.Counts(total=200, done=199).percent == 99

    def test_the_percentage_weighs_each_item_by_its_hours(self):
        counts = figures.Counts()
        counts.add(Status.DONE, 12)  # a 12 h step done
        counts.add(Status.LEARNING, 4)
        counts.add(Status.NOT_STARTED, 1)
        counts.add(Status.NOT_STARTED, 1)
        counts.add(Status.SKIPPED, 30)  # leaves the hours too
        assert (counts.done, counts.counted) == (1, 4)
        assert (counts.hours, counts.hours_done, counts.hours_left) == (18, 12, 6)
        assert counts.percent == 66  # 12 of 18 h, rounded down; by items, 25

    def test_only_every_counted_item_done_is_100(self):
        counts = figures.Counts()
        counts.add(Status.DONE, 499)
        counts.add(Status.NOT_STARTED, 1)
        assert counts.percent == 99

    def test_a_group_counts_the_members_the_learner_chose(self):
        """Pick 1 of a 100 h and a 3 h language: unstarted, the first in order
        counts; started, the one the learner is learning; done, the one done."""
        python, ruby = ("concept", 1), ("concept", 2)
        groups = {python: (7, 1), ruby: (7, 1)}
        hours = {python: 100, ruby: 3}
        keys = [python, ruby]
        assert figures.count_items(keys, {}, groups, hours).hours == 100
        learning = {ruby: Status.LEARNING}
        counts = figures.count_items(keys, learning, groups, hours)
        assert (counts.total, counts.learning, counts.hours) == (1, 1, 3)
        both = {ruby: Status.DONE, python: Status.DONE}
        counts = figures.count_items(keys, both, groups, hours)
        assert (counts.done, counts.percent, counts.hours) == (1, 100, 100)
        skipped = {python: Status.SKIPPED, ruby: Status.SKIPPED}
        counts = figures.count_items(keys, skipped, groups, hours)
        assert (counts.total, counts.skipped, counts.hours, counts.percent) == (
            1,
            1,
            0,
            100,
        )

    def test_all_skipped_is_complete_and_nothing_is_zero(self):
        assert figures.Counts(total=3, skipped=3).percent == 100
        assert figures.Counts().percent == 0


@pytest.mark.django_db
class TestRoleProgress:
    def test_it_counts_steps_and_concepts(self, learner, small_role, steps):
        mark(learner, steps[0], Status.DONE)
        mark(learner, steps[1], Status.SKIPPED)
        mark(learner, small_role.skills.get().concepts.first(), Status.LEARNING)
        (progress,) = figures.role_progress(learner, [small_role])
        assert (progress.steps.total, progress.steps.done, progress.steps.skipped) == (
            4,
            1,
            1,
        )
        assert (progress.concepts.total, progress.concepts.learning) == (2, 1)
        assert progress.overall.percent == 28  # a 4 h step done of 14 counted hours

    def test_a_shared_concept_counts_in_both_roles(self, learner, small_role):
        other = RoleFactory(slug="other")
        RoleSkillFactory(role=other, skill=small_role.skills.get())
        concept = small_role.skills.get().concepts.first()
        mark(learner, concept, Status.DONE)
        first, second = figures.role_progress(learner, [small_role, other])
        assert first.concepts.done == second.concepts.done == 1
        assert ItemProgress.objects.count() == 1

    def test_retired_items_do_not_count(self, learner, small_role, steps):
        mark(learner, steps[3], Status.DONE)
        steps[3].is_published = False
        steps[3].save()
        (progress,) = figures.role_progress(learner, [small_role])
        assert progress.steps.total == 3
        assert progress.steps.done == 0
        assert ItemProgress.objects.filter(step=steps[3]).exists()

    def test_continue_with_is_the_first_step_whose_prerequisites_are_done(
        self, learner, small_role, steps
    ):
        (progress,) = figures.role_progress(learner, [small_role])
        assert progress.continue_with == steps[0]
        mark(learner, steps[0], Status.DONE)
        (progress,) = figures.role_progress(learner, [small_role])
        assert progress.continue_with == steps[1]

    def test_continue_with_skips_steps_whose_prerequisites_are_not_done(
        self, learner, small_role, steps
    ):
        mark(learner, steps[0], Status.DONE)
        mark(learner, steps[1], Status.LEARNING)
        mark(learner, steps[1], Status.LEARNING)
        (progress,) = figures.role_progress(learner, [small_role])
        assert progress.continue_with == steps[1]  # not done yet: still next
        mark(learner, steps[1], Status.SKIPPED)
        (progress,) = figures.role_progress(learner, [small_role])
        assert progress.continue_with == steps[2]

    def test_it_says_plainly_when_there_is_not_enough_history(
        self, learner, small_role, steps
    ):
        mark(learner, steps[0], Status.DONE)
        (progress,) = figures.role_progress(learner, [small_role])
        assert progress.projection.finish is None
        assert progress.projection.message.startswith("Not enough history yet")

    def test_it_projects_a_finish_date_from_the_last_four_weeks(
        self, learner, small_role, steps
    ):
        mark(learner, steps[0], Status.DONE, days_ago=20)
        mark(learner, steps[1], Status.DONE, days_ago=10)
        mark(learner, steps[2], Status.DONE, days_ago=5)
        (progress,) = figures.role_progress(learner, [small_role])
        # 3 steps (12 h) on 3 days in 28 days: 3 h a week; 6 h left (1 step of
        # 4 h, 2 concepts of 1 h) -> 14 days, today the first of them.
        today = timezone.now().date()
        assert progress.projection.finish == today + datetime.timedelta(days=13)
        assert "pace" in progress.projection.message

    def test_a_finished_role_says_complete(self, learner, small_role, steps):
        for item in [*steps, *small_role.skills.get().concepts.all()]:
            mark(learner, item, Status.DONE)
        (progress,) = figures.role_progress(learner, [small_role])
        assert progress.overall.percent == 100
        assert progress.continue_with is None
        assert progress.projection.message.startswith("Complete")

    def test_the_pace_reads_one_row_per_item_however_many_events(
        self, learner, small_role, steps
    ):
        # A learner who clicked one step back and forth 30 times, and the
        # mentor's rows for them: the pace reads items, not events.
        for index in range(30):
            mark(learner, steps[0], Status.DONE if index % 2 else Status.LEARNING)
        follow = RoleFollow.objects.create(learner=learner, role=small_role)
        RoleFollow.objects.set_goal(follow, datetime.date(2027, 6, 1), 5)
        with CaptureQueriesContext(connection) as captured:
            figures.role_progress(learner, [small_role])
            mentees.mentee_rows([learner], stalled_days=14)
        pace = [
            query["sql"]
            for query in captured.captured_queries
            if "progress_progressevent" in query["sql"]
            and "GROUP BY" in query["sql"]
            and '"to_status" = ' in query["sql"]
            and "MAX(" in query["sql"]
            and "concepts_30" not in query["sql"]  # the hub's activity
        ]
        assert len(pace) == 2
        for sql in pace:  # grouped by item: no event's own id or time
            selected = sql[: sql.index(" FROM ")]
            assert '"id"' not in selected and '"created_at" AS' not in selected
        assert ProgressEvent.objects.filter(learner=learner).count() == 30

    def test_the_query_count_does_not_grow_with_roles(
        self, learner, small_role, django_assert_page_queries
    ):
        roles = [small_role]
        for index in range(10):
            role = RoleFactory(slug=f"extra-{index}")
            RoleSkillFactory(role=role, skill=ConceptFactory().skill)
            roles.append(role)
        # The first call reads the roles' structure into the cache: steps,
        # prerequisites, the steps' concepts and the roles' concepts.
        with django_assert_page_queries(6):
            figures.role_progress(learner, roles)
        # Then: the learner's statuses, and one for the pace.
        with django_assert_page_queries(2):
            figures.role_progress(learner, roles)

    def test_the_cached_structure_follows_content_changes(self, learner, steps):
        (before,) = figures.role_progress(learner, [steps[0].stage.role])
        assert before.steps.total == 4
        steps[3].is_published = False
        steps[3].save()
        page_cache.content_changed()  # as the loader and the admin do
        (after,) = figures.role_progress(learner, [steps[0].stage.role])
        assert after.steps.total == 3


@pytest.mark.django_db
class TestActivity:
    def test_streaks_count_consecutive_days(self, learner, steps):
        for days_ago in [0, 1, 2, 5, 6, 7, 8]:
            mark(learner, steps[days_ago % 4], Status.LEARNING, days_ago=days_ago)
            mark(learner, steps[days_ago % 4], Status.NOT_STARTED, days_ago=days_ago)
        activity = learner_activity(learner)
        assert activity.current_streak == 3
        assert activity.longest_streak == 4

    def test_a_streak_survives_until_the_day_ends(self, learner, steps):
        mark(learner, steps[0], Status.DONE, days_ago=1)
        mark(learner, steps[1], Status.DONE, days_ago=2)
        assert learner_activity(learner).current_streak == 2

    def test_days_follow_the_learners_time_zone(self, learner, steps):
        learner.timezone = "Asia/Tokyo"
        learner.save()
        tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
        now = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)
        late_evening_utc = datetime.datetime(2026, 3, 9, 20, 0, tzinfo=datetime.UTC)
        ItemProgress.objects.set_status(learner, steps[0], Status.DONE)
        ProgressEvent.objects.update(created_at=late_evening_utc)
        activity = learner_activity(learner, now=now)
        # 20:00 UTC on the 9th is 05:00 on the 10th in Tokyo: today, not yesterday.
        assert activity.by_day == {late_evening_utc.astimezone(tokyo).date(): 1}
        assert activity.today == datetime.date(2026, 3, 10)
        assert activity.current_streak == 1

    def test_the_heatmap_covers_52_weeks(self, learner, steps):
        mark(learner, steps[0], Status.DONE, days_ago=3)
        activity = learner_activity(learner)
        cells = [cell for week in activity.weeks for cell in week if cell.in_range]
        assert len(cells) == 364
        assert sum(cell.count for cell in cells) == 1
        assert activity.total_in_range == 1
        assert activity.active_days_in_range == 1
        assert all(len(week) == 7 for week in activity.weeks)
        assert activity.weeks[0][0].day.weekday() == 0

    def test_activity_is_one_query(self, learner, steps, django_assert_num_queries):
        for step in steps:
            mark(learner, step, Status.DONE)
        with django_assert_num_queries(1):
            learner_activity(learner)
