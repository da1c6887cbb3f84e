"""Concurrent status changes give one row and a consistent history (PostgreSQL)."""

import threading
from itertools import pairwise

import pytest
from django.db import connection, connections

from progress.models import ItemProgress, ProgressEvent, Status

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locking is tested on PostgreSQL (CI runs it there)")


def test_twenty_concurrent_changes_give_one_row_and_a_consistent_history(
    postgresql_only, learner, steps
):
    statuses = [Status.LEARNING, Status.DONE, Status.SKIPPED, Status.NOT_STARTED]
    barrier = threading.Barrier(20)
    errors: list[BaseException] = []

    def change(index: int) -> None:
        try:
            barrier.wait()
            ItemProgress.objects.set_status(learner, steps[0], statuses[index % 4])
        except BaseException as error:  # collected and reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=change, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert ItemProgress.objects.filter(learner=learner, step=steps[0]).count() == 1
    events = list(ProgressEvent.objects.filter(learner=learner).order_by("id"))
    assert events, "at least one change was recorded"
    assert events[0].from_status == Status.NOT_STARTED
    for before, after in pairwise(events):
        assert before.to_status == after.from_status
        assert after.from_status != after.to_status
    row = ItemProgress.objects.get(learner=learner, step=steps[0])
    assert row.status == events[-1].to_status
