import pytest

from mentoring.models import Mentorship
from tests.factories import UserFactory


def mentorship(learner, mentor, status=Mentorship.Status.ACTIVE, **extra):
    extra.setdefault("initiated_by", Mentorship.Initiator.LEARNER)
    return Mentorship.objects.create(
        learner=learner, mentor=mentor, status=status, **extra
    )


@pytest.fixture
def mentor(db):
    return UserFactory(username="mentor", display_name="Maya Mentor")


@pytest.fixture
def active(learner, mentor):
    return mentorship(learner, mentor)
