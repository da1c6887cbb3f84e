import pytest

from tests.factories import UserFactory


@pytest.fixture
def learner(db):
    return UserFactory(username="learner")


@pytest.fixture
def other_learner(db):
    return UserFactory(username="other")


@pytest.fixture
def curator(db):
    return UserFactory(username="curator", is_staff=True, is_superuser=True)


@pytest.fixture
def seed_roadmap(db):
    """The real Backend Engineer roadmap, loaded from fixtures/."""
    from django.conf import settings

    from roadmap import content

    content.load(content.read([settings.ROADMAP_FIXTURES_DIR]))
