"""Comparing two roles: what they share, how much of the other the learner's
progress covers (the progress module's figures), what remains in plan order,
and who may open the page."""

import pytest
from django.test import Client
from django.urls import reverse

from progress import figures
from progress.models import ItemProgress, Status
from tests.factories import (
    ConceptFactory,
    RoleFactory,
    RoleSkillFactory,
    SkillFactory,
    StageFactory,
    StepFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_role(small_role):
    """A second role sharing the small role's skill, with a skill of its own."""
    role = RoleFactory(slug="other", title="Other role", position=5)
    stage = StageFactory(role=role, position=0, slug="other-stage")
    first = StepFactory(stage=stage, position=0, slug="o1", title="Other one")
    second = StepFactory(stage=stage, position=1, slug="o2", title="Other two")
    second.prerequisites.add(first)
    RoleSkillFactory(role=role, skill=small_role.skills.get())
    own = SkillFactory(slug="own-skill", name="Own skill")
    RoleSkillFactory(role=role, skill=own, position=1)
    ConceptFactory(skill=own, slug="c3", name="Concept three")
    return role


def url(slug="small", other=None):
    base = reverse("progress_compare", args=[slug])
    return f"{base}?with={other}" if other is not None else base


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_picker_lists_the_other_published_roles(small_role, other_role):
    RoleFactory(slug="draft-role", title="Draft role", is_published=False)
    body = signed_in(UserFactory()).get(url()).content.decode()
    assert 'name="with"' in body and '<option value="other"' in body
    assert "draft-role" not in body and '<option value="small"' not in body


def test_shared_items_count_once_and_the_figures_agree(small_role, other_role, steps):
    learner = UserFactory()
    from roadmap.models import Concept

    shared = Concept.objects.get(slug="c1")
    ItemProgress.objects.set_status(learner, shared, Status.DONE)
    ItemProgress.objects.set_status(learner, steps[0], Status.DONE)  # small only
    client = signed_in(learner)
    # The role page's "compare" link leads here.
    role_page = client.get(reverse("role_detail", args=["small"])).content.decode()
    assert url() in role_page
    response = client.get(url(other="other"))
    assert response.status_code == 200
    body = response.content.decode()
    (expected,) = figures.role_progress(learner, [other_role])
    # Other role: 2 steps and 3 concepts (c1, c2 shared; c3 its own): 1 of 5.
    assert expected.overall.done == 1 and expected.overall.counted == 5
    assert f"<strong>{expected.overall.percent}%</strong> of Other role" in body
    assert "1 of 5 items" in body and "of which 1 you did for Small role" in body
    assert "1 skill and 2 concepts" in body and "Shared skill" in body
    # What remains, in plan order: o1 before o2, then the concepts left.
    remaining = body[body.index('class="compare-remaining"') :]
    order = [
        remaining.index(title)
        for title in ("Other one", "Other two", "Concept two", "Concept three")
    ]
    assert order == sorted(order)
    assert "Concept one" not in remaining.split("</ol>")[0]
    assert "4 items, about" in body


@pytest.mark.parametrize(
    ("other", "status", "says"),
    [
        ("nope", 404, "Choose one of the other published roles."),
        ("small", 404, "Choose one of the other published roles."),
        ("draft-role", 404, "Choose one of the other published roles."),
        ("x" * 500, 404, "Choose one of the other published roles."),
    ],
)
def test_bad_choices_are_refused_with_a_reason(
    small_role, other_role, other, status, says
):
    RoleFactory(slug="draft-role", is_published=False)
    response = signed_in(UserFactory()).get(url(other=other))
    assert response.status_code == status
    assert says in response.content.decode()


def test_who_may_open_it(client, small_role, other_role):
    RoleFactory(slug="draft-role", is_published=False)
    response = client.get(url(other="other"))
    assert (
        response.status_code == 302 and reverse("account_login") in response["Location"]
    )
    staff = UserFactory(is_staff=True)
    # A draft role is compared by nobody: the figures count published content.
    assert signed_in(staff).get(url("draft-role", "other")).status_code == 404
    assert signed_in(UserFactory()).get(url("draft-role")).status_code == 404
    assert signed_in(UserFactory()).post(url(other="other")).status_code == 405


def test_each_learner_sees_only_their_own_figures(small_role, other_role, steps):
    first, second = UserFactory(), UserFactory()
    from roadmap.models import LearningStep

    ItemProgress.objects.set_status(first, LearningStep.objects.get(slug="o1"), "done")
    mine = signed_in(first).get(url(other="other")).content.decode()
    theirs = signed_in(second).get(url(other="other")).content.decode()
    assert "1 of 5 items" in mine and "0 of 5 items" in theirs


@pytest.mark.parametrize("extra_steps", [0, 60])
def test_a_fixed_number_of_queries(
    small_role, other_role, extra_steps, django_assert_page_queries
):
    stage = other_role.stages.get()
    for number in range(extra_steps):
        StepFactory(stage=stage, position=10 + number, slug=f"extra-{number}")
    client = signed_in(UserFactory())
    client.get(url(other="other"))  # the roles' structure is cached from here
    with django_assert_page_queries(8):
        assert client.get(url(other="other")).status_code == 200
