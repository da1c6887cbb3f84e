"""Public pages run a fixed number of queries however big the roadmap is."""

import re

import pytest
from django.urls import reverse

from tests.roadmap.builders import build_roadmap

# Signed out, the page shows choice groups too: each member's row carries its
# group (roadmap.models.choices.with_choice_groups), so they add no query.
ROLE_PAGE_QUERIES = 15
# Signed in (staff, whose page is rendered directly): the session and the user,
# their follow of the role (a visit to note: `content_changes.record_visit`),
# then the learner's statuses, the roles they follow, one for the pace (the
# role structure is cached: see progress/figures.py), the items the learner
# keeps a note on, the items changed since they marked them, and when they last
# worked on the role (they never did here: no revisions are read).
SIGNED_IN_ROLE_PAGE_QUERIES = ROLE_PAGE_QUERIES + 2 + 7
# The skill, its sources, concepts (with their choice groups) and their sources,
# roles and steps.
SKILL_PAGE_QUERIES = 6
HOME_QUERIES = 1


@pytest.mark.django_db
class TestRolePage:
    def test_the_seed_roadmap_runs_the_budgeted_queries_then_none(
        self, client, seed_roadmap, django_assert_page_queries
    ):
        url = reverse("role_detail", args=["backend-engineer"])
        with django_assert_page_queries(ROLE_PAGE_QUERIES):
            first = client.get(url)
        assert first.status_code == 200
        # Signed out, the rendered roadmap comes from the cache.
        with django_assert_page_queries(0):
            second = client.get(url)
        assert second.status_code == 200
        assert second.content.count(b'class="step"') == 40
        assert _without_nonce(second.content) == _without_nonce(first.content)

    def test_a_500_step_roadmap_runs_the_same_number(
        self, client, django_assert_page_queries
    ):
        build_roadmap(steps=500, choices=True)
        url = reverse("role_detail", args=["generated"])
        with django_assert_page_queries(ROLE_PAGE_QUERIES):
            response = client.get(url)
        assert response.status_code == 200
        assert response.content.count(b'class="step"') == 500
        with django_assert_page_queries(0):
            assert client.get(url).content.count(b'class="step"') == 500

    def test_staff_see_drafts_with_the_same_budget(
        self, client, curator, django_assert_page_queries
    ):
        build_roadmap(steps=500)
        client.force_login(curator)
        client.get(reverse("role_detail", args=["generated"]))
        with django_assert_page_queries(SIGNED_IN_ROLE_PAGE_QUERIES):
            response = client.get(reverse("role_detail", args=["generated"]))
        assert response.status_code == 200


@pytest.mark.django_db
class TestOtherPages:
    def test_the_home_page_counts_in_one_query(self, client, django_assert_num_queries):
        build_roadmap("small", steps=20)
        build_roadmap("large", steps=300)
        with django_assert_num_queries(HOME_QUERIES):
            response = client.get(reverse("home"))
        assert b"Generated 300" in response.content

    @pytest.mark.parametrize("steps", [20, 400])
    def test_the_skill_page_budget_does_not_grow(
        self, client, steps, django_assert_num_queries
    ):
        build_roadmap(steps=steps, choices=True)
        with django_assert_num_queries(SKILL_PAGE_QUERIES):
            response = client.get(reverse("skill_detail", args=["generated-skill-0"]))
        assert response.status_code == 200

    @pytest.mark.parametrize("steps", [20, 400])
    def test_search_budget_does_not_grow(
        self, client, steps, django_assert_num_queries
    ):
        build_roadmap(steps=steps)
        # One per kind: roles, skills, concepts, steps and the sources' texts.
        with django_assert_num_queries(5):
            response = client.get(reverse("search"), {"q": "step"})
        assert response.status_code == 200


def _without_nonce(content: bytes) -> bytes:
    return re.sub(rb'nonce="[^"]+"', b"", content)
