"""The seed roadmap says what its sources say, and labels what is Waymark's own."""

import re

import pytest
from django.urls import reverse

from roadmap.models import Role, RoleSkill

# The profile lists these under "Core Skills and Tools"; the essay calls messaging
# "a fundamental piece of backend architecture"; the guide calls server
# technologies "crucial".
RANKED_CORE_BY_SOURCES = {
    "containers-deployment-and-cloud": (
        "profile-backend-engineer",
        "Familiarity with containerization and deployment",
    ),
    "testing": ("profile-backend-engineer", "Experience writing unit, integration"),
    "messaging-systems": (
        "essay-backend-fundamentals",
        "a fundamental piece of backend architecture",
    ),
    "web-servers-and-proxies": ("guide-becoming-a-backend-engineer", "is crucial"),
}


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def role(seed_roadmap):
    return Role.objects.get(slug="backend-engineer")


def quotes_of(item, source: str) -> list[str]:
    quoted = item.quotes.get(source, [])
    return [quoted] if isinstance(quoted, str) else quoted


@pytest.mark.parametrize("skill", sorted(RANKED_CORE_BY_SOURCES))
def test_skills_the_sources_rank_core_are_core_with_the_quote(role, skill):
    role_skill = role.role_skills.get(skill__slug=skill)
    source, words = RANKED_CORE_BY_SOURCES[skill]
    assert role_skill.importance == RoleSkill.Importance.CORE
    assert role_skill.importance_basis == RoleSkill.Basis.SOURCES
    assert any(words in quote for quote in quotes_of(role_skill.skill, source))


def test_unranked_skills_are_waymarks_judgement(role):
    role_skill = role.role_skills.get(skill__slug="version-control")
    assert role_skill.importance_basis == RoleSkill.Basis.WAYMARK


def test_the_role_page_labels_importance_by_its_basis(client, role):
    body = text(client.get(reverse("role_detail", args=[role.slug])))
    body = body[body.index('id="skills-title"') :]
    testing = body.index('href="/skills/testing/"')
    version_control = body.index('href="/skills/version-control/"')
    assert "(importance from the sources)" in body[testing : testing + 400]
    assert "(importance: Waymark's judgement)" in body[
        version_control : version_control + 400
    ].replace("&#x27;", "'")


def test_the_skill_page_labels_importance_as_waymarks_judgement(client, role):
    body = text(client.get(reverse("skill_detail", args=["version-control"])))
    assert "recommended" in body
    assert "Waymark&#x27;s judgement" in body or "Waymark's judgement" in body
