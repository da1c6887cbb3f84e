"""A learner's role page, filled from the cached skeleton, is exactly the page the
templates render directly, for every status, and never mixes two learners."""

import re

import pytest
from django.shortcuts import render
from django.test import Client, RequestFactory
from django.urls import reverse

from progress import pages
from progress.models import ItemProgress, Status
from roadmap.models import Concept, LearningStep, Role
from tests.roadmap import test_admin
from tests.roadmap.test_admin import admin_url

pytestmark = pytest.mark.django_db

URL = reverse("role_detail", args=["backend-engineer"])
ALL = "?view=all"  # everything; without it, the overview


def normalise(html: str) -> str:
    """Per-request values: masked CSRF tokens and CSP nonces."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "TOKEN", html)
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "TOKEN", html)
    return re.sub(r'nonce="[^"]+"', "NONCE", html)


def rendered_directly(client, learner, view="") -> str:
    """The role page as the templates render it, without any cache."""
    request = RequestFactory().get(URL + view)
    request.user = learner
    request.session = client.session
    request.htmx = False
    request.csp_nonce = "n"
    role = Role.objects.for_page(drafts=False, choices=True).get(
        slug="backend-engineer"
    )
    context = pages.role_page_context(learner, role, overview=view != ALL)
    return render(request, "roadmap/role_detail.html", context).content.decode()


def mark_a_bit_of_everything(learner):
    steps = list(LearningStep.objects.filter(stage__role__slug="backend-engineer"))
    concepts = list(Concept.objects.all()[:12])
    statuses = [Status.DONE, Status.LEARNING, Status.SKIPPED, Status.NOT_STARTED]
    for index, item in enumerate(steps[:20] + concepts):
        ItemProgress.objects.set_status(learner, item, statuses[index % 4])


@pytest.mark.parametrize(("view", "controls"), [("", 40), (ALL, 160)])
def test_the_filled_page_equals_the_directly_rendered_page(
    client, seed_roadmap, learner, view, controls
):
    mark_a_bit_of_everything(learner)
    client.force_login(learner)
    client.get(URL + view)
    filled = client.get(URL + view).content.decode()
    direct = rendered_directly(client, learner, view)
    start = filled.index("<main")
    assert normalise(filled[start:]) == normalise(direct[direct.index("<main") :])
    assert filled.count('aria-pressed="true"') == controls
    assert "⟦" not in filled


def test_the_overview_gives_each_skill_a_line_and_names_the_sources(
    client, seed_roadmap, learner
):
    """The overview: a control on each step, a line per skill with its figures
    in place of its concepts (their controls are on the skill's page and in
    "Everything"), the sources named without their passages; everything is one
    link away."""
    mark_a_bit_of_everything(learner)
    client.force_login(learner)
    overview = client.get(URL).content.decode()
    everything = client.get(URL + ALL).content.decode()
    lines = re.findall(r'<p class="skill-progress meta">([^<]+)</p>', overview)
    assert len(lines) == Role.objects.get().role_skills.count() == 23
    assert "concept-progress" not in overview  # no concept listed
    assert everything.count('id="status-concept-') == 120
    assert "Source" in overview and 'class="quote"' not in overview
    assert everything.count('class="quote"') > 200
    assert 'href="?view=all#path"' in overview
    assert len(overview) < len(everything) / 2


SKILL_FIGURES = re.compile(
    r'<span class="big-number">(\d+)%</span> of this skill done.*?'
    r"<li>(\d+) of (\d+) concepts done</li>\s*<li>(\d+) learning</li>\s*"
    r"<li>(\d+) skipped</li>",
    re.S,
)
SKILL_LINE = re.compile(
    r'<a href="/skills/([^/]+)/">[^<]+</a>.*?<p class="skill-progress meta">'
    r"(\d+)% done: (\d+) of (\d+) concepts done(?:, (\d+) learning)?"
    r"(?:, (\d+) skipped)?</p>",
    re.S,
)


def test_each_skills_line_on_the_overview_says_what_its_own_page_says(
    client, seed_roadmap, learner
):
    """One count for a skill, wherever it shows: the overview's line and the
    skill page's figures, for concepts set through the status control's own
    form (with and without htmx), a choice group among them."""
    client.force_login(learner)
    marks = [
        ("python", "done", True),
        ("java", "learning", False),
        ("http", "skipped", True),
        ("git", "done", False),
        ("postgresql", "learning", True),
    ]
    for slug, status, htmx in marks:
        response = client.post(
            reverse("progress_set_status", args=["concept", slug]),
            {"status": status},
            headers={"HX-Request": "true"} if htmx else {"Referer": URL},
        )
        assert response.status_code == (200 if htmx else 302)
    assert ItemProgress.objects.filter(learner=learner).count() == len(marks)
    overview = client.get(URL).content.decode()
    lines = SKILL_LINE.findall(overview)
    assert len(lines) == 23
    touched = 0
    for slug, percent, done, counted, learning, skipped in lines:
        page = client.get(reverse("skill_detail", args=[slug])).content.decode()
        (figures,) = SKILL_FIGURES.findall(page)
        assert figures == (percent, done, counted, learning or "0", skipped or "0")
        touched += figures != ("0", "0", figures[2], "0", "0")
    assert touched == 4  # languages, version control, the web, databases


def test_two_learners_share_the_skeleton_not_the_statuses(
    client, seed_roadmap, learner, other_learner
):
    mark_a_bit_of_everything(learner)
    client.force_login(learner)
    mine = client.get(URL + ALL).content.decode()
    client.force_login(other_learner)
    theirs = client.get(URL + ALL).content.decode()
    assert mine.count("status-control--done") == 8
    assert theirs.count("status-control--done") == 0
    assert theirs.count("status-control--not_started") == 160
    token = re.search(r'csrfmiddlewaretoken" value="([^"]+)"', theirs).group(1)
    assert token not in mine


def test_a_curators_edit_reaches_the_learners_skeleton(
    client, seed_roadmap, learner, curator
):
    client.force_login(learner)
    client.get(URL)
    step = LearningStep.objects.filter(stage__role__slug="backend-engineer").first()
    curator_client = Client()
    curator_client.force_login(curator)
    form = test_admin.TestPrerequisiteCycles().step_form(step, [])
    form["title"] = "Renamed by a curator"
    response = curator_client.post(admin_url(LearningStep, "change", step.pk), form)
    assert response.status_code == 302
    assert "Renamed by a curator" in client.get(URL).content.decode()


@pytest.mark.parametrize("first", [ALL, ""])
def test_either_view_first_fills_the_other(client, seed_roadmap, learner, first):
    """The learner's data is cached once for both views: whichever they open
    first, the other is filled from it and equals its direct render."""
    mark_a_bit_of_everything(learner)
    client.force_login(learner)
    assert client.get(URL + first).status_code == 200
    other = "" if first else ALL
    filled = client.get(URL + other).content.decode()
    direct = rendered_directly(client, learner, other)
    start = filled.index("<main")
    assert normalise(filled[start:]) == normalise(direct[direct.index("<main") :])
