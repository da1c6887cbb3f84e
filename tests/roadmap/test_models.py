"""The content model: visibility rules and the acyclic prerequisite graph."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction

from roadmap.graph import find_cycle
from roadmap.models import Concept, LearningStep, Role
from tests.factories import ConceptFactory, RoleFactory, StageFactory, StepFactory


def test_find_cycle_returns_none_for_a_chain():
    assert find_cycle({"c": {"b"}, "b": {"a"}, "a": set()}) is None


def test_find_cycle_returns_the_cycle_as_a_closed_path():
    cycle = find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}})
    assert cycle[0] == cycle[-1]
    assert set(cycle) == {"a", "b", "c"}


def test_find_cycle_finds_a_self_loop():
    assert find_cycle({"a": {"a"}}) == ["a", "a"]


def test_find_cycle_handles_a_long_chain_without_recursion():
    edges = {i: {i - 1} for i in range(1, 20000)}
    assert find_cycle(edges) is None


@pytest.mark.django_db
class TestPrerequisites:
    def test_a_cycle_added_through_the_orm_is_refused(self):
        first, second = StepFactory(), StepFactory()
        second.prerequisites.add(first)
        # add() runs in the caller's transaction: the refusal rolls it back.
        with (
            pytest.raises(ValidationError, match="would make a cycle"),
            transaction.atomic(),
        ):
            first.prerequisites.add(second)
        assert not first.prerequisites.exists()

    def test_a_cycle_added_from_the_other_side_is_refused(self):
        first, second = StepFactory(), StepFactory()
        second.prerequisites.add(first)
        with (
            pytest.raises(ValidationError, match="would make a cycle"),
            transaction.atomic(),
        ):
            second.unlocks.add(first)

    def test_a_long_cycle_names_the_steps(self):
        a, b, c = (StepFactory(title=t) for t in ("Alpha", "Beta", "Gamma"))
        b.prerequisites.add(a)
        c.prerequisites.add(b)
        with pytest.raises(ValidationError) as error, transaction.atomic():
            a.prerequisites.add(c)
        assert "Alpha" in str(error.value)
        assert "Gamma" in str(error.value)

    def test_a_step_cannot_be_its_own_prerequisite(self):
        step = StepFactory()
        with pytest.raises(ValidationError, match="own prerequisite"):
            step.check_prerequisites([step.pk])
        with pytest.raises(ValidationError), transaction.atomic():
            step.prerequisites.add(step)

    def test_a_diamond_is_not_a_cycle(self):
        a, b, c, d = (StepFactory() for _ in range(4))
        b.prerequisites.add(a)
        c.prerequisites.add(a)
        d.prerequisites.add(b, c)
        assert set(d.prerequisites.all()) == {b, c}


@pytest.mark.django_db
class TestVisibility:
    def test_drafts_are_visible_to_staff_only(self, learner, curator):
        RoleFactory(slug="live")
        RoleFactory(slug="draft", is_published=False)
        anonymous = AnonymousUser()
        assert set(
            Role.objects.visible_to(anonymous).values_list("slug", flat=True)
        ) == {"live"}
        assert set(Role.objects.visible_to(learner).values_list("slug", flat=True)) == {
            "live"
        }
        assert set(Role.objects.visible_to(curator).values_list("slug", flat=True)) == {
            "live",
            "draft",
        }

    def test_a_step_in_a_draft_role_is_hidden(self, learner):
        step = StepFactory(stage=StageFactory(role=RoleFactory(is_published=False)))
        assert step not in LearningStep.objects.visible_to(learner)

    def test_a_concept_of_a_retired_skill_is_hidden(self, learner):
        concept = ConceptFactory()
        concept.skill.is_published = False
        concept.skill.save()
        assert concept not in Concept.objects.visible_to(learner)


@pytest.mark.django_db
def test_a_salary_needs_amount_currency_and_period_together():
    role = RoleFactory(salary_amount=100)
    with pytest.raises(ValidationError, match="amount, a currency and a period"):
        role.full_clean()
