"""The drop-off tallies follow every status change and account deletion."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from progress.dropoff import recount
from progress.models import ItemProgress, StepTally
from tests.factories import UserFactory


def tallies(steps):
    rows = {t.step_id: t for t in StepTally.objects.filter(step__in=steps)}
    return [
        (rows[s.pk].learning, rows[s.pk].done, rows[s.pk].skipped)
        if s.pk in rows
        else (0, 0, 0)
        for s in steps
    ]


def live_counts(steps):
    return [
        tuple(
            ItemProgress.objects.filter(step=step, status=status).count()
            for status in ("learning", "done", "skipped")
        )
        for step in steps
    ]


@pytest.mark.django_db
class TestStepTallies:
    def test_each_change_moves_one_learner_between_counts(
        self, learner, other_learner, steps
    ):
        set_status = ItemProgress.objects.set_status
        set_status(learner, steps[0], "learning")
        assert tallies(steps[:1]) == [(1, 0, 0)]
        set_status(learner, steps[0], "done")
        set_status(other_learner, steps[0], "skipped")
        assert tallies(steps[:1]) == [(0, 1, 1)]
        set_status(learner, steps[0], "done")  # no change, no count
        set_status(other_learner, steps[0], "not_started")
        assert tallies(steps[:1]) == [(0, 1, 0)]
        assert tallies(steps) == live_counts(steps)

    def test_concepts_do_not_touch_step_tallies(self, learner, small_role, steps):
        concept = small_role.skills.get().concepts.first()
        ItemProgress.objects.set_status(learner, concept, "done")
        assert tallies(steps) == [(0, 0, 0)] * 4

    def test_deleting_an_account_takes_its_statuses_out(self, learner, steps):
        others = UserFactory.create_batch(3)
        for index, user in enumerate([learner, *others]):
            for step in steps[: index + 1]:
                ItemProgress.objects.set_status(user, step, "done")
            ItemProgress.objects.set_status(user, steps[3], "skipped")
        before = tallies(steps)
        learner.delete()
        assert tallies(steps) == live_counts(steps)
        assert tallies(steps)[0][1] == before[0][1] - 1
        assert tallies(steps)[3][2] == before[3][2] - 1

    def test_recount_rebuilds_tallies_that_drifted(self, learner, steps):
        ItemProgress.objects.set_status(learner, steps[1], "learning")
        StepTally.objects.update(learning=7, done=3)
        assert recount() >= len(steps)
        assert tallies(steps) == live_counts(steps)
        call_command("recount_dropoff", stdout=io.StringIO())
        assert tallies(steps) == live_counts(steps)

    def test_the_drop_off_page_reads_one_query_whatever_the_progress(
        self, client, curator, steps, django_assert_max_num_queries
    ):
        learners = UserFactory.create_batch(30)
        for user in learners:
            ItemProgress.objects.set_status(user, steps[0], "done")
        client.force_login(curator)
        url = reverse("admin:progress_stepdropoff_changelist")
        client.get(url)
        with django_assert_max_num_queries(8):
            body = client.get(url).content.decode()
        row = body[body.index("Step one") :]
        assert '<td class="field-finished">30</td>' in row[: row.index("</tr>")]
