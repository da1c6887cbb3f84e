"""On a mentee's role page the mentor's skill links lead to the mentee's skill
page, where the endorse control is, never to the public skill page."""

import re

import pytest
from django.urls import reverse

from progress.models import RoleFollow
from roadmap.models import Role
from tests.mentoring.conftest import mentorship


@pytest.mark.django_db
def test_every_skill_link_on_a_mentees_role_page_opens_the_mentees_skill_page(
    client, learner, mentor, seed_roadmap
):
    mentorship(learner, mentor)
    role = Role.objects.get()
    RoleFollow.objects.create(learner=learner, role=role)
    client.force_login(mentor)

    response = client.get(reverse("mentee_role", args=[learner.username, role.slug]))

    assert response.status_code == 200
    hrefs = re.findall(r'href="([^"]+)"', response.content.decode())
    assert not [href for href in hrefs if href.startswith("/skills/")]
    prefix = f"/mentoring/mentees/{learner.username}/items/"
    for role_skill in role.role_skills.all():
        skill_page = f"{prefix}skill/{role_skill.skill.slug}/"
        assert skill_page in hrefs, role_skill.skill.slug
        assert client.get(skill_page).status_code == 200
    concept_links = [href for href in hrefs if href.startswith(f"{prefix}concept/")]
    assert concept_links
    assert client.get(concept_links[0]).status_code == 200


@pytest.mark.django_db
def test_the_public_role_page_still_links_the_public_skill_pages(client, seed_roadmap):
    role = Role.objects.get()
    body = client.get(role.get_absolute_url()).content.decode()
    skill = role.role_skills.first().skill
    assert f'href="{skill.get_absolute_url()}"' in body
    assert "/mentoring/mentees/" not in body
