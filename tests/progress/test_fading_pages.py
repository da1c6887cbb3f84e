"""Freshness on the learner's pages: a done item whose predicted recall has fallen
below the learner's target shows as fading, in words, beside its status on the
role page (a step in the overview and everything, a concept in everything and
counted in its skill's line on the overview) and on the skill page; done stays
done, and rating it again ends it."""

import re

import pytest
from django.shortcuts import render
from django.test import Client, RequestFactory
from django.urls import reverse

from progress import pages
from progress.models import ItemProgress
from roadmap.models import Concept, LearningStep, Role
from tests.factories import ConceptFactory, RoleFactory, RoleSkillFactory, SkillFactory
from tests.progress.test_admin_and_budgets import (
    LEARNER_ROLE_PAGE_QUERIES_CACHED,
    LEARNER_ROLE_PAGE_QUERIES_REVIEWING,
)
from tests.progress.test_reviewable import (
    mark,
    rate,
    signed_in,  # noqa: F401 - a fixture
)
from tests.roadmap.builders import build_roadmap

# ruff: noqa: F811 - the tests take the `signed_in` fixture imported above

pytestmark = pytest.mark.django_db

ROLE = reverse("role_detail", args=["small"])
ALL = "?view=all"
SKILL = reverse("skill_detail", args=["shared-skill"])
# The skill page (tests/progress/test_admin_and_budgets.py: 12) and, once a
# concept on it is done, the roles followed with the pacing, the content's
# generation (the cache's, for the roles' cached structure) and what is fading.
SKILL_PAGE_QUERIES_WITH_DONE = 15
FADING = re.compile(
    r'<span class="fading">fading<span class="visually-hidden"> from memory: '
    r'([^<]+)</span> <span aria-hidden="true">·</span> <a href="/reviews/">'
    r"review it</a></span>"
)


def fading_on(client, url: str) -> list[str]:
    """The names of the items the page marks as fading, in page order."""
    response = client.get(url)
    assert response.status_code == 200
    return FADING.findall(response.content.decode())


def control(client, url: str, kind: str, pk: int) -> str:
    """An item's status control on the page."""
    body = client.get(url).content.decode()
    return re.search(rf'<form [^>]*id="status-{kind}-{pk}".*?</form>', body, re.S)[0]


def skill_line(client) -> str:
    """The shared skill's line on the role page's overview, in place of its
    concepts: its figures and how many of its done concepts are fading."""
    body = client.get(ROLE).content.decode()
    (line,) = re.findall(r'<p class="skill-progress meta">([^<]*)</p>', body)
    return line


def let_time_pass(client, learner, clock, days: int = 40) -> None:
    clock.advance(days=days)
    client.force_login(learner)  # the session of weeks ago has expired


@pytest.fixture
def reviewed(signed_in, learner, clock, steps):
    """Step one and concept one done and rated "good" the next day; step two
    done and never rated (no prediction, so it never shows as fading)."""
    mark(signed_in, "step", "s1")
    mark(signed_in, "step", "s2")
    mark(signed_in, "concept", "c1", htmx=True)
    clock.advance(days=1)
    signed_in.force_login(learner)
    assert rate(signed_in, "step", "s1").status_code == 302
    assert rate(signed_in, "concept", "c1", htmx=True).status_code == 200
    return signed_in


def concept(slug: str) -> Concept:
    return Concept.objects.get(slug=slug)


class TestTheMark:
    def test_nothing_fades_before_its_recall_falls(
        self, signed_in, learner, clock, steps
    ):
        mark(signed_in, "step", "s1")
        mark(signed_in, "concept", "c1")
        assert fading_on(signed_in, ROLE) == []
        clock.advance(days=1)
        signed_in.force_login(learner)
        assert fading_on(signed_in, ROLE) == []  # never rated: no prediction
        rate(signed_in, "step", "s1")
        rate(signed_in, "concept", "c1")
        for url in (ROLE, ROLE + ALL, SKILL):
            assert fading_on(signed_in, url) == []  # just recalled

    def test_the_role_page_marks_exactly_the_fading_items_in_both_views(
        self, reviewed, learner, clock, steps
    ):
        let_time_pass(reviewed, learner, clock)
        assert fading_on(reviewed, ROLE) == ["Step one"]
        assert fading_on(reviewed, ROLE + ALL) == ["Step one", "Concept one"]
        # Beside the status: in the step's control, which still says done...
        for url in (ROLE, ROLE + ALL):
            step = control(reviewed, url, "step", steps[0].pk)
            assert "status-control--done" in step
            assert 'value="done" aria-pressed="true"' in step
            assert 'class="fading"' in step
            assert 'class="fading"' not in control(reviewed, url, "step", steps[1].pk)
        # ...counted in its skill's line on the overview, and in the concept's
        # control on the whole page.
        assert skill_line(reviewed) == (
            "50% done: 1 of 2 concepts done, 1 fading from memory"
        )
        assert 'class="fading"' in control(
            reviewed, ROLE + ALL, "concept", concept("c1").pk
        )
        assert 'class="fading"' not in control(
            reviewed, ROLE + ALL, "concept", concept("c2").pk
        )
        assert set(
            ItemProgress.objects.filter(learner=learner).values_list(
                "status", flat=True
            )
        ) == {"done"}

    def test_the_skill_page_marks_the_fading_concept(self, reviewed, learner, clock):
        mark(reviewed, "concept", "c2")  # done, never rated
        let_time_pass(reviewed, learner, clock)
        assert fading_on(reviewed, SKILL) == ["Concept one"]
        c1 = control(reviewed, SKILL, "concept", concept("c1").pk)
        assert "status-control--done" in c1 and 'class="fading"' in c1
        assert 'class="fading"' not in control(
            reviewed, SKILL, "concept", concept("c2").pk
        )

    def test_rating_it_again_ends_it_and_done_stays_done(
        self, reviewed, learner, clock, steps
    ):
        let_time_pass(reviewed, learner, clock)
        assert fading_on(reviewed, ROLE + ALL) == ["Step one", "Concept one"]
        assert fading_on(reviewed, SKILL) == ["Concept one"]
        assert rate(reviewed, "step", "s1", "good").status_code == 302
        assert fading_on(reviewed, ROLE) == []
        assert skill_line(reviewed).endswith(", 1 fading from memory")
        assert fading_on(reviewed, ROLE + ALL) == ["Concept one"]
        assert rate(reviewed, "concept", "c1", "good", htmx=True).status_code == 200
        for url in (ROLE, ROLE + ALL, SKILL):
            assert fading_on(reviewed, url) == []
        assert skill_line(reviewed) == "50% done: 1 of 2 concepts done"
        assert "status-control--done" in control(reviewed, ROLE, "step", steps[0].pk)

    def test_an_item_no_longer_done_no_longer_fades(
        self, reviewed, learner, clock, steps
    ):
        let_time_pass(reviewed, learner, clock)
        mark(reviewed, "step", "s1", "learning")
        response = mark(reviewed, "concept", "c1", "learning", htmx=True)
        assert 'class="fading"' not in response.content.decode()
        for url in (ROLE, ROLE + ALL, SKILL):
            assert fading_on(reviewed, url) == []

    def test_another_learner_never_sees_it(
        self, reviewed, learner, other_learner, clock
    ):
        let_time_pass(reviewed, learner, clock)
        other = Client()
        other.force_login(other_learner)
        assert other.post(reverse("progress_follow", args=["small"])).status_code == 302
        mark(other, "step", "s1")
        mark(other, "concept", "c1")
        # The learner's page first: the skeleton both share is in the cache.
        assert fading_on(reviewed, ROLE + ALL) == ["Step one", "Concept one"]
        for url in (ROLE, ROLE + ALL, SKILL):
            assert fading_on(other, url) == []
        assert fading_on(Client(), ROLE) == []  # the public page

    def test_reviews_turned_off_for_the_role_end_it(
        self, reviewed, learner, clock, steps
    ):
        let_time_pass(reviewed, learner, clock)
        goal = reverse("progress_goal", args=["small"])
        # The goal page's form: the reviews box left unticked.
        response = reviewed.post(goal, {"target_date": "", "hours_per_week": ""})
        assert response.status_code == 302
        assert fading_on(reviewed, ROLE) == []
        assert fading_on(reviewed, SKILL) == []


def rendered_directly(client, learner, view: str) -> str:
    """The role page as the templates render it, without any cache."""
    request = RequestFactory().get(ROLE + view)
    request.user = learner
    request.session = client.session
    request.htmx = False
    request.csp_nonce = "n"
    role = Role.objects.for_page(drafts=False, choices=True).get(slug="small")
    context = pages.role_page_context(learner, role, overview=view != ALL)
    return render(request, "roadmap/role_detail.html", context).content.decode()


def normalise(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "TOKEN", html)
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "TOKEN", html)
    return re.sub(r'nonce="[^"]+"', "NONCE", html)


@pytest.mark.parametrize("view", ["", ALL])
def test_the_filled_page_equals_the_directly_rendered_page_with_fading_items(
    reviewed, learner, clock, view
):
    let_time_pass(reviewed, learner, clock)
    filled = reviewed.get(ROLE + view).content.decode()
    direct = rendered_directly(reviewed, learner, view)
    # The overview counts the concept in its skill's line.
    fading = ["Step one", "Concept one"] if view else ["Step one"]
    assert FADING.findall(filled) == fading
    assert ("1 fading from memory</p>" in filled) == (not view)
    main = filled[filled.index("<main") :]
    assert normalise(main) == normalise(direct[direct.index("<main") :])


class TestBudgets:
    @pytest.mark.parametrize("size", [20, 200])
    def test_the_role_page_budget_holds_with_fading_items(
        self, learner, clock, size, django_assert_page_queries
    ):
        build_roadmap(steps=size)
        # Weeks pass in this test: it starts weeks ago, so that the cache's
        # entries, dated by the real clock, are still fresh at its end.
        clock.advance(days=-50)
        client = Client()
        client.force_login(learner)
        url = reverse("role_detail", args=["generated"])
        follow = client.post(reverse("progress_follow", args=["generated"]))
        assert follow.status_code == 302
        slugs = list(
            LearningStep.objects.filter(stage__role__slug="generated")
            .order_by("pk")
            .values_list("slug", flat=True)[: size // 10]
        )
        for slug in slugs:
            mark(client, "step", slug)
        clock.advance(days=1)
        client.force_login(learner)
        for slug in slugs:
            assert rate(client, "step", slug).status_code == 302
        let_time_pass(client, learner, clock)
        client.get(url)  # the shared skeleton and the structure, into the cache
        mark(client, "step", slugs[0], "learning", htmx=True)  # counted again
        with django_assert_page_queries(LEARNER_ROLE_PAGE_QUERIES_REVIEWING):
            response = client.get(url)
        assert len(FADING.findall(response.content.decode())) == len(slugs) - 1
        with django_assert_page_queries(LEARNER_ROLE_PAGE_QUERIES_CACHED):
            again = client.get(url)
        assert len(FADING.findall(again.content.decode())) == len(slugs) - 1

    @pytest.mark.parametrize("size", [3, 60])
    def test_the_skill_page_budget_holds_with_fading_concepts(
        self, learner, clock, size, django_assert_num_queries
    ):
        skill = SkillFactory(slug="big")
        RoleSkillFactory(role=RoleFactory(slug="big-role"), skill=skill)
        concepts = [ConceptFactory(skill=skill) for _ in range(size)]
        client = Client()
        client.force_login(learner)
        follow = client.post(reverse("progress_follow", args=["big-role"]))
        assert follow.status_code == 302
        for item in concepts[:3]:
            mark(client, "concept", item.slug)
        clock.advance(days=1)
        client.force_login(learner)
        for item in concepts[:2]:
            assert rate(client, "concept", item.slug).status_code == 302
        let_time_pass(client, learner, clock)
        with django_assert_num_queries(SKILL_PAGE_QUERIES_WITH_DONE):
            response = client.get(reverse("skill_detail", args=["big"]))
        assert len(FADING.findall(response.content.decode())) == 2
