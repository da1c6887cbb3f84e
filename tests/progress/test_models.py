"""Statuses are set, not toggled; every change is one event; one row per item."""

from itertools import pairwise

import pytest
from django.db import IntegrityError, transaction

from progress.models import ItemProgress, ProgressEvent, Status


@pytest.mark.django_db
class TestSetStatus:
    def test_it_creates_one_row_and_one_event(self, learner, steps):
        ItemProgress.objects.set_status(learner, steps[0], Status.LEARNING)
        row = ItemProgress.objects.get()
        assert (row.status, row.step, row.concept) == ("learning", steps[0], None)
        assert row.status_changed_at is not None
        event = ProgressEvent.objects.get()
        assert (event.from_status, event.to_status) == ("not_started", "learning")

    def test_setting_the_same_status_twice_changes_nothing(self, learner, steps):
        ItemProgress.objects.set_status(learner, steps[0], Status.DONE)
        ItemProgress.objects.set_status(learner, steps[0], Status.DONE)
        assert ItemProgress.objects.count() == 1
        assert ProgressEvent.objects.count() == 1

    def test_the_history_chains_from_one_status_to_the_next(self, learner, steps):
        for status in ["learning", "done", "skipped", "learning", "not_started"]:
            ItemProgress.objects.set_status(learner, steps[0], status)
        events = list(ProgressEvent.objects.order_by("created_at", "id"))
        assert len(events) == 5
        for before, after in pairwise(events):
            assert before.to_status == after.from_status

    def test_a_concept_has_its_own_row(self, learner, small_role):
        concept = small_role.skills.get().concepts.first()
        ItemProgress.objects.set_status(learner, concept, Status.DONE)
        row = ItemProgress.objects.get()
        assert (row.step, row.concept) == (None, concept)

    def test_learners_have_separate_rows(self, learner, other_learner, steps):
        ItemProgress.objects.set_status(learner, steps[0], Status.DONE)
        ItemProgress.objects.set_status(other_learner, steps[0], Status.SKIPPED)
        assert ItemProgress.objects.get(learner=learner).status == "done"
        assert ItemProgress.objects.get(learner=other_learner).status == "skipped"


@pytest.mark.django_db
class TestConstraints:
    def test_two_rows_for_one_learner_and_step_are_refused(self, learner, steps):
        ItemProgress.objects.create(learner=learner, step=steps[0])
        with pytest.raises(IntegrityError), transaction.atomic():
            ItemProgress.objects.create(learner=learner, step=steps[0])

    def test_a_row_must_name_exactly_one_item(self, learner, steps, small_role):
        concept = small_role.skills.get().concepts.first()
        with pytest.raises(IntegrityError), transaction.atomic():
            ItemProgress.objects.create(learner=learner, step=steps[0], concept=concept)
        with pytest.raises(IntegrityError), transaction.atomic():
            ItemProgress.objects.create(learner=learner)

    def test_content_with_progress_cannot_be_deleted(self, learner, steps):
        from django.db.models import ProtectedError

        ItemProgress.objects.set_status(learner, steps[0], Status.DONE)
        with pytest.raises(ProtectedError), transaction.atomic():
            steps[0].delete()
        assert ItemProgress.objects.count() == 1
