"""Who may do what with a mentee's data: every actor against every page and action.

Anything but an active mentorship answers 404 (never 403), so nobody learns who
mentors whom; and no response to someone without access holds the mentee's data.
"""

import pytest
from django.urls import reverse

from mentoring.models import Comment, Mentorship
from progress.models import Evidence, ItemProgress
from tests.factories import UserFactory
from tests.mentoring.conftest import mentorship

SECRETS = [
    "PRIVATE-NOTE-7f3a",
    "SHARED-NOTE-91bc",
    "evidence-4d2e.example",
    "COMMENT-b81f",
]

ACTORS = [
    "anonymous",
    "learner",
    "other_learner",
    "mentor_pending",
    "mentor_active",
    "mentor_declined",
    "mentor_ended",
    "staff",
]

# action -> expected status per actor (anonymous always goes to the login page).
EXPECTED = {
    "view_dashboard": {"mentor_active": 200},
    "view_role": {"mentor_active": 200},
    "view_step": {"mentor_active": 200},
    "view_skill": {"mentor_active": 200},
    "comment": {"mentor_active": 302},
    "endorse": {"mentor_active": 302},
    "nudge": {"mentor_active": 302},
    "end": {"mentor_active": 302, "learner": 302, "mentor_pending": 302},
    "accept": {"learner": 302},
    "decline": {"learner": 302},
}


@pytest.fixture
def world(learner, other_learner, curator, steps, small_role):
    """The mentee with private and shared data, and one mentor per state."""
    private_row = ItemProgress.objects.create(
        learner=learner, step=steps[1], note=SECRETS[0]
    )
    shared_row = ItemProgress.objects.create(
        learner=learner, step=steps[0], note=SECRETS[1], note_shared=True, status="done"
    )
    Evidence.objects.create(progress=shared_row, url=f"https://{SECRETS[2]}/")
    actors = {"learner": learner, "other_learner": other_learner, "staff": curator}
    mentorships = {}
    for state in ["pending", "active", "declined", "ended"]:
        user = UserFactory(username=f"mentor-{state}")
        actors[f"mentor_{state}"] = user
        mentorships[state] = mentorship(
            learner,
            user,
            status=state,
            initiated_by=Mentorship.Initiator.MENTOR
            if state == "pending"
            else Mentorship.Initiator.LEARNER,
        )
    Comment.objects.create(
        learner=learner, author=actors["mentor_active"], step=steps[0], body=SECRETS[3]
    )
    del private_row
    return {"actors": actors, "mentorships": mentorships}


def request_for(action: str, actor: str, world) -> tuple[str, str, dict]:
    """(method, url, data) for an actor trying an action on the mentee."""
    mentorships = world["mentorships"]
    own = {
        "mentor_pending": mentorships["pending"],
        "mentor_active": mentorships["active"],
        "mentor_declined": mentorships["declined"],
        "mentor_ended": mentorships["ended"],
    }.get(actor, mentorships["active"])
    pending = mentorships["pending"]
    return {
        "view_dashboard": ("get", reverse("mentee_dashboard", args=["learner"]), {}),
        "view_role": ("get", reverse("mentee_role", args=["learner", "small"]), {}),
        "view_step": (
            "get",
            reverse("mentee_item", args=["learner", "step", "s1"]),
            {},
        ),
        "view_skill": (
            "get",
            reverse("mentee_item", args=["learner", "skill", "shared-skill"]),
            {},
        ),
        "comment": (
            "post",
            reverse("mentee_comment", args=["learner", "step", "s1"]),
            {"body": "hello"},
        ),
        "endorse": (
            "post",
            reverse("mentee_endorse", args=["learner", "shared-skill"]),
            {"level": "3"},
        ),
        "nudge": ("post", reverse("mentee_nudge", args=["learner"]), {}),
        "end": ("post", reverse("mentoring_end", args=[own.pk]), {}),
        "accept": ("post", reverse("mentoring_accept", args=[pending.pk]), {}),
        "decline": ("post", reverse("mentoring_decline", args=[pending.pk]), {}),
    }[action]


@pytest.mark.django_db
@pytest.mark.parametrize("action", list(EXPECTED))
@pytest.mark.parametrize("actor", ACTORS)
def test_authorization_matrix(client, world, actor, action):
    if actor != "anonymous":
        client.force_login(world["actors"][actor])
    method, url, data = request_for(action, actor, world)
    response = getattr(client, method)(url, data)
    body = response.content.decode()
    if actor == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == EXPECTED[action].get(actor, 404), (actor, action)
    if response.status_code == 404 or actor == "anonymous":
        for secret in SECRETS:
            assert secret not in body, (actor, action, secret)
    if action.startswith("view") and response.status_code == 200:
        assert SECRETS[0] not in body  # a private note never reaches a mentor
        assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_the_matrix_covers_every_actor_and_action():
    """Report the size of the matrix (8 actors x 10 pages and actions)."""
    assert len(ACTORS) * len(EXPECTED) == 80
