"""The signed-in pages show a choice group as a choice: "Pick 1 of 8", which
member the learner chose, and, once the group is met, the others optional (each
keeping its status control). Set through the status form on the seed roadmap."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from roadmap.models import Concept, LearningStep
from tests.clicks import click, listeners

pytestmark = pytest.mark.django_db

ROLE = "backend-engineer"
SKILL = "backend-programming-languages"
LANGUAGES = ["python", "java", "ruby", "php", "go", "rust", "nodejs", "csharp"]


@pytest.fixture
def client(seed_roadmap, learner) -> Client:
    client = Client()
    client.force_login(learner)
    return client


ALL = "?view=all"  # the role page with every concept's control


def mark_of(html: str, slug: str) -> str:
    """The choice mark beside a language's status control ("" when none)."""
    pk = Concept.objects.get(slug=slug).pk
    found = re.search(
        rf'<span class="choice__mark[^"]*" id="choice-mark-concept-{pk}"[^>]*>'
        r"([^<]*)</span>",
        html,
    )
    assert found, f"no choice mark for {slug}"
    return found.group(1)


def post_status(client: Client, slug: str, status: str, *, htmx: bool, page: str):
    """The control's form on `page` ("skill" or "role"): htmx names the page
    it was on; without JavaScript the browser sends it as the Referer."""
    if page == "skill":
        address = "http://testserver" + reverse("skill_detail", args=[SKILL])
    else:
        # The concepts' controls are in the role page's "everything" view.
        address = "http://testserver" + reverse("role_detail", args=[ROLE]) + ALL
    headers = (
        {"HX-Request": "true", "HX-Current-URL": address}
        if htmx
        else {"Referer": address}
    )
    return client.post(
        reverse("progress_set_status", args=["concept", slug]),
        {"status": status},
        headers=headers,
    )


@pytest.mark.parametrize("page", ["skill_detail", "role_detail"])
def test_before_any_language_the_group_is_a_choice_with_nothing_optional(client, page):
    slug = SKILL if page == "skill_detail" else ROLE
    # The role page lists the concepts in "everything" (its overview gives
    # each skill a line instead).
    view = ALL if page == "role_detail" else ""
    html = client.get(reverse(page, args=[slug]) + view).content.decode()
    assert "Pick 1 of 8" in html
    assert [mark_of(html, language) for language in LANGUAGES] == [""] * 8
    assert "choice__mark--optional" not in html


@pytest.mark.parametrize("page", ["skill_detail", "role_detail"])
@pytest.mark.parametrize("htmx", [False, True])
def test_python_done_shows_python_chosen_and_the_other_seven_optional(
    client, page, htmx
):
    slug = SKILL if page == "skill_detail" else ROLE
    address = reverse(page, args=[slug]) + (ALL if page == "role_detail" else "")
    client.get(address)  # the page as it was, cached
    if htmx:
        body = click(client, "concept", "python", "done", page=address)
    else:
        answer = post_status(
            client, "python", "done", htmx=False, page=page.removesuffix("_detail")
        )
    html = client.get(address).content.decode()
    assert "Pick 1 of 8" in html
    assert mark_of(html, "python") == "chosen"
    assert [mark_of(html, language) for language in LANGUAGES[1:]] == ["optional"] * 7
    # Each of them keeps its status control.
    for language in LANGUAGES[1:]:
        pk = Concept.objects.get(slug=language).pk
        assert f'id="status-concept-{pk}"' in html
    if htmx:
        assert mark_of(body, "python") == "chosen"
        assert [mark_of(body, language) for language in LANGUAGES[1:]] == [
            "optional"
        ] * 7
        assert body.count('hx-swap-oob="true"') >= 7
    else:
        assert answer.status_code == 302


def test_a_language_being_learned_is_chosen_and_leaves_the_rest_open(client):
    post_status(client, "go", "learning", htmx=False, page="skill")
    html = client.get(reverse("skill_detail", args=[SKILL])).content.decode()
    assert mark_of(html, "go") == "chosen"
    assert mark_of(html, "python") == ""
    assert "choice__mark--optional" not in html


def test_the_mentor_sees_the_mentees_choice_on_the_mentees_role_page(client, learner):
    from mentoring.models import Mentorship
    from tests.factories import UserFactory

    post_status(client, "python", "done", htmx=False, page="skill")
    mentor = UserFactory(username="mentor")
    Mentorship.objects.create(mentor=mentor, learner=learner, status="active")
    viewer = Client()
    viewer.force_login(mentor)
    html = viewer.get(
        reverse("mentee_role", args=[learner.username, ROLE])
    ).content.decode()
    assert "Pick 1 of 8" in html
    assert mark_of(html, "python") == "chosen"
    assert mark_of(html, "java") == "optional"


def test_a_stages_choice_marks_its_steps_on_the_role_page(learner, tmp_path):
    from roadmap.models import LearningStep
    from tests.roadmap.test_loader import load, seed_data, write

    data = seed_data()
    members = ["decide-on-education", "earn-a-cloud-certification"]
    data["roles"][0]["stages"][-1]["choices"] = [
        {
            "slug": "degree-or-cert",
            "title": "Degree or cert",
            "pick": 1,
            "members": members,
            "editorial": "Either shows employers what you learned.",
        }
    ]
    load(write(tmp_path, data))
    client = Client()
    client.force_login(learner)
    url = reverse("role_detail", args=[ROLE])
    answer = click(client, "step", members[0], "done", page=url)
    first, second = (LearningStep.objects.get(slug=slug).pk for slug in members)
    for html in (client.get(url).content.decode(), answer):
        assert re.search(rf'id="choice-mark-step-{first}"[^>]*>chosen<', html)
        assert re.search(rf'id="choice-mark-step-{second}"[^>]*>optional<', html)


def test_a_click_on_the_overview_refreshes_only_the_marks_the_overview_shows(client):
    """The overview lists no concepts (each skill has a line), so what its
    figures' listener fetches after a click carries the steps' marks and no
    concept's, which would have nothing to replace there; "everything" gets
    the concepts' marks too."""
    post_status(client, "python", "done", htmx=False, page="skill")
    overview = reverse("role_detail", args=[ROLE])
    assert listeners(client.get(overview).content.decode()) == [
        reverse("progress_role_figures", args=[ROLE])
    ]
    step = LearningStep.objects.filter(stage__role__slug=ROLE).first()
    answer = click(client, "step", step.slug, "done", page=overview)
    assert "choice-mark-concept-" not in answer
    assert 'id="role-progress"' in answer
    everything = overview + ALL
    answer = click(client, "step", step.slug, "learning", page=everything)
    assert mark_of(answer, "python") == "chosen"
    assert mark_of(answer, "java") == "optional"
