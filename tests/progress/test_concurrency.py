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


def test_fifty_concurrent_changes_give_one_row_and_a_consistent_history(
    postgresql_only, learner, steps
):
    statuses = [Status.LEARNING, Status.DONE, Status.SKIPPED, Status.NOT_STARTED]
    barrier = threading.Barrier(50)
    errors: list[BaseException] = []

    def change(index: int) -> None:
        try:
            barrier.wait()
            ItemProgress.objects.set_status(learner, steps[0], statuses[index % 4])
        except BaseException as error:  # collected and reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=change, args=(i,)) for i in range(50)]
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


def test_loading_content_while_learners_write_loses_nothing(postgresql_only, settings):
    """Four learners mark every step of the seed roadmap while the content files
    are loaded again and again: every status they set is there at the end."""
    from django.db import close_old_connections

    from roadmap import content
    from roadmap.content import loading
    from roadmap.models import LearningStep
    from tests.factories import UserFactory

    catalogue = content.read([settings.ROADMAP_FIXTURES_DIR])
    loading.load(catalogue)
    steps = list(LearningStep.objects.filter(stage__role__slug="backend-engineer"))
    learners = [UserFactory(username=f"writer{n}") for n in range(4)]
    errors: list[BaseException] = []
    writing = threading.Event()
    writing.set()

    def write(learner) -> None:
        try:
            for index, step in enumerate(steps):
                status = (Status.DONE, Status.LEARNING)[index % 2]
                ItemProgress.objects.set_status(learner, step, status)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    def load() -> None:
        try:
            while writing.is_set():
                loading.load(catalogue)
        except BaseException as error:
            errors.append(error)
        finally:
            close_old_connections()
            connections.close_all()

    loader = threading.Thread(target=load)
    writers = [threading.Thread(target=write, args=(learner,)) for learner in learners]
    loader.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    writing.clear()
    loader.join()

    assert errors == []
    for learner in learners:
        rows = dict(
            ItemProgress.objects.filter(learner=learner).values_list(
                "step_id", "status"
            )
        )
        assert len(rows) == len(steps)
        for index, step in enumerate(steps):
            assert rows[step.pk] == (Status.DONE, Status.LEARNING)[index % 2]
        assert ProgressEvent.objects.filter(learner=learner).count() == len(steps)
