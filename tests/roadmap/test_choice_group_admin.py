"""Curators edit choice groups on the skill's and the stage's admin pages, with the
checks the content loader makes: posted as the page's own form would post them."""

import pytest

from roadmap.models import ChoiceGroup, Concept, LearningStep, Skill, Stage
from tests.accounts.test_user_admin import open_form
from tests.roadmap.test_admin import admin_url

PREFIX = "choice_groups"


@pytest.fixture
def curator_client(client, group_curator):
    client.force_login(group_curator)
    return client


def free_concepts(skill: Skill) -> list[Concept]:
    return list(Concept.objects.filter(skill=skill, choice_groups=None))


def a_skill_with_free_concepts() -> Skill:
    return next(
        skill
        for skill in Skill.objects.order_by("slug")
        if len(free_concepts(skill)) >= 3
    )


def with_new_group(client, url: str, form_id: str, **fields) -> dict:
    """The page's form as the browser sends it after "Add another choice group"."""
    form = open_form(client, url, form_id)
    data = {k: v for k, v in form.data.items() if "__prefix__" not in k}
    index = int(data[f"{PREFIX}-TOTAL_FORMS"][0])
    assert f"{PREFIX}-__prefix__-pick" in form.names  # the inline is on the page
    data[f"{PREFIX}-TOTAL_FORMS"] = [str(index + 1)]
    for name, value in fields.items():
        data[f"{PREFIX}-{index}-{name}"] = value
    return data


@pytest.mark.django_db
class TestSkillGroupsInTheAdmin:
    def post(self, client, skill: Skill, **fields):
        url = admin_url(Skill, "change", skill.pk)
        return client.post(url, with_new_group(client, url, "skill_form", **fields))

    def test_a_curator_adds_a_group_of_the_skills_concepts(
        self, curator_client, seed_roadmap
    ):
        skill = a_skill_with_free_concepts()
        members = free_concepts(skill)[:3]
        response = self.post(
            curator_client,
            skill,
            title="One of these",
            slug="one-of-these",
            pick="1",
            position="5",
            concepts=[str(c.pk) for c in members],
            editorial="Any one of them teaches the idea.",
        )
        assert response.status_code == 302, response.content.decode()[-3000:]
        group = ChoiceGroup.objects.get(skill=skill, slug="one-of-these")
        assert group.pick == 1
        assert set(group.members()) == set(members)

    def test_a_pick_larger_than_its_members_is_refused(
        self, curator_client, seed_roadmap
    ):
        skill = a_skill_with_free_concepts()
        members = free_concepts(skill)[:2]
        before = ChoiceGroup.objects.count()
        response = self.post(
            curator_client,
            skill,
            title="Too many",
            slug="too-many",
            pick="3",
            position="5",
            concepts=[str(c.pk) for c in members],
            editorial="A note.",
        )
        assert response.status_code == 200
        assert "The group lists 2 concept(s); it cannot ask for 3." in (
            response.content.decode()
        )
        assert ChoiceGroup.objects.count() == before

    def test_a_pick_of_none_is_refused(self, curator_client, seed_roadmap):
        skill = a_skill_with_free_concepts()
        before = ChoiceGroup.objects.count()
        response = self.post(
            curator_client,
            skill,
            title="None",
            slug="none",
            pick="0",
            position="5",
            concepts=[str(c.pk) for c in free_concepts(skill)[:2]],
            editorial="A note.",
        )
        assert response.status_code == 200
        assert "greater than or equal to 1" in response.content.decode()
        assert ChoiceGroup.objects.count() == before

    def test_a_concept_of_another_skill_is_refused(self, curator_client, seed_roadmap):
        skill = a_skill_with_free_concepts()
        other = Concept.objects.exclude(skill=skill).first()
        response = self.post(
            curator_client,
            skill,
            title="Mixed",
            slug="mixed",
            pick="1",
            position="5",
            concepts=[str(free_concepts(skill)[0].pk), str(other.pk)],
            editorial="A note.",
        )
        assert response.status_code == 200
        assert f"“{other}” is not one of this skill&#x27;s concepts." in (
            response.content.decode()
        )
        assert not ChoiceGroup.objects.filter(slug="mixed").exists()

    def test_a_concept_in_two_groups_is_refused(self, curator_client, seed_roadmap):
        skill = a_skill_with_free_concepts()
        first, second, third = free_concepts(skill)[:3]
        url = admin_url(Skill, "change", skill.pk)
        data = with_new_group(
            curator_client,
            url,
            "skill_form",
            title="First group",
            slug="first-group",
            pick="1",
            position="5",
            concepts=[str(first.pk), str(second.pk)],
            editorial="A note.",
        )
        index = int(data[f"{PREFIX}-TOTAL_FORMS"][0])
        data[f"{PREFIX}-TOTAL_FORMS"] = [str(index + 1)]
        for name, value in {
            "title": "Second group",
            "slug": "second-group",
            "pick": "1",
            "position": "6",
            "concepts": [str(second.pk), str(third.pk)],
            "editorial": "A note.",
        }.items():
            data[f"{PREFIX}-{index}-{name}"] = value
        response = curator_client.post(url, data)
        assert response.status_code == 200
        assert (
            f"“{second}” is already in the group “First group”; a concept is in at "
            "most one group."
        ) in response.content.decode()
        assert not ChoiceGroup.objects.filter(slug__endswith="-group").exists()

    def test_a_group_that_does_not_say_why_is_refused(
        self, curator_client, seed_roadmap
    ):
        skill = a_skill_with_free_concepts()
        response = self.post(
            curator_client,
            skill,
            title="Why",
            slug="why",
            pick="1",
            position="5",
            concepts=[str(c.pk) for c in free_concepts(skill)[:2]],
        )
        assert response.status_code == 200
        assert "Say why the learner may choose" in response.content.decode()
        assert not ChoiceGroup.objects.filter(slug="why").exists()


@pytest.mark.django_db
class TestStageGroupsInTheAdmin:
    def test_a_curator_adds_a_group_of_the_stages_steps(
        self, curator_client, seed_roadmap
    ):
        stage = next(
            s
            for s in Stage.objects.all()
            if LearningStep.objects.filter(stage=s, choice_groups=None).count() >= 2
        )
        members = list(LearningStep.objects.filter(stage=stage, choice_groups=None))[:2]
        url = admin_url(Stage, "change", stage.pk)
        data = with_new_group(
            curator_client,
            url,
            "stage_form",
            title="Either step",
            slug="either-step",
            pick="1",
            position="5",
            steps=[str(s.pk) for s in members],
            editorial="Either teaches the same.",
        )
        response = curator_client.post(url, data)
        assert response.status_code == 302, response.content.decode()[-3000:]
        group = ChoiceGroup.objects.get(stage=stage, slug="either-step")
        assert set(group.members()) == set(members)

    def test_a_step_of_another_stage_is_refused(self, curator_client, seed_roadmap):
        stage = Stage.objects.first()
        other = LearningStep.objects.exclude(stage=stage).first()
        url = admin_url(Stage, "change", stage.pk)
        data = with_new_group(
            curator_client,
            url,
            "stage_form",
            title="Elsewhere",
            slug="elsewhere",
            pick="1",
            position="5",
            steps=[str(other.pk)],
            editorial="A note.",
        )
        response = curator_client.post(url, data)
        assert response.status_code == 200
        assert f"“{other}” is not one of this stage&#x27;s learning steps." in (
            response.content.decode()
        )
        assert not ChoiceGroup.objects.filter(slug="elsewhere").exists()
