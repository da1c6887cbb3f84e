"""The public pages show every choice group, its pick and its sources, within the
query budgets they had before groups existed, however big the roadmap."""

import pytest
from django.urls import reverse

from tests.roadmap.builders import build_roadmap
from tests.roadmap.test_query_budget import ROLE_PAGE_QUERIES, SKILL_PAGE_QUERIES


@pytest.mark.django_db
@pytest.mark.parametrize("steps", [20, 500])
def test_the_role_page_shows_every_group_without_a_query_more(
    client, steps, django_assert_page_queries
):
    build_roadmap(steps=steps, choices=True)
    with django_assert_page_queries(ROLE_PAGE_QUERIES):
        url = reverse("role_detail", args=["generated"]) + "?view=all"
        body = client.get(url).content.decode()
    groups = max(2, steps // 10) + steps // 10  # one per skill and one per stage
    assert body.count('class="choice"') == groups
    assert body.count('choice__pick">Pick 1 of') == groups
    assert body.count("What the article says") >= groups
    assert 'href="/sources/generated-source/#quote-' in body


@pytest.mark.django_db
@pytest.mark.parametrize("steps", [20, 400])
def test_the_skill_page_shows_its_group_without_a_query_more(
    client, steps, django_assert_num_queries
):
    build_roadmap(steps=steps, choices=True)
    url = reverse("skill_detail", args=["generated-skill-0"])
    with django_assert_num_queries(SKILL_PAGE_QUERIES):
        body = client.get(url).content.decode()
    assert body.count('class="choice"') == 1
    assert "Pick 1 of" in body
    assert "What the article says" in body
