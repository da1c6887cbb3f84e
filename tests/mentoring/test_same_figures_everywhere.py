"""One learner's mix of done, learning and skipped, set through the status form,
reads the same on every page that shows it: the learner's dashboard, role page
and skill page, the mentor's hub row, skills matrix and its CSV, the mentee's
pages, and the weekly email."""

import csv
import datetime
import io
import re

import pytest
from django.test import Client
from django.urls import reverse

from progress import reminders
from progress.models import RoleFollow
from tests.factories import ConceptFactory
from tests.mentoring.conftest import mentorship

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def mixed(learner, mentor, small_role):
    """Steps (4 h each): s1 done, s2 learning, s4 skipped. Concepts of the one
    skill (1 h each): c1 and c2 done, c3 skipped. The role: 6 h done of 14
    counted (42 %; by items it would read 3 of 5, 60 %); the skill: 2 of 2
    counted (100 %), where counting the skipped concept would give 66 %."""
    ConceptFactory(skill=small_role.role_skills.get().skill, slug="c3", name="C3")
    mentorship(learner, mentor)
    client = signed_in(learner)
    assert client.post(reverse("progress_follow", args=["small"])).status_code == 302
    for kind, slug, status in [
        ("step", "s1", "done"),
        ("step", "s2", "learning"),
        ("step", "s4", "skipped"),
        ("concept", "c1", "done"),
        ("concept", "c2", "done"),
        ("concept", "c3", "skipped"),
    ]:
        response = client.post(
            reverse("progress_set_status", args=[kind, slug]),
            {"status": status},
        )
        assert response.status_code == 302
    return client


def percents(html: str) -> list[str]:
    return re.findall(r'class="big-number">(\d+)%<', html)


def test_every_surface_shows_the_learners_own_figures(learner, mentor, mixed, settings):
    dashboard = mixed.get(reverse("dashboard")).content.decode()
    assert percents(dashboard) == ["42"]
    role_page = mixed.get(reverse("role_detail", args=["small"])).content.decode()
    assert "42" in percents(role_page)
    skill_page = mixed.get(reverse("skill_detail", args=["shared-skill"]))
    assert percents(skill_page.content.decode()) == ["100"]

    mentor_client = signed_in(mentor)
    hub = mentor_client.get(reverse("mentoring")).content.decode()
    assert "Small role: 42%" in hub
    matrix = hub[hub.index('id="matrix-title"') :]
    assert "<strong>100%</strong>" in matrix and "67%" not in matrix
    rows = list(
        csv.reader(
            io.StringIO(
                mentor_client.get(reverse("mentoring_skills_csv")).content.decode()
            )
        )
    )
    assert rows[1][4] == "100"
    mentee = mentor_client.get(reverse("mentee_dashboard", args=[learner.username]))
    assert percents(mentee.content.decode()) == ["42"]
    mentee_role = mentor_client.get(
        reverse("mentee_role", args=[learner.username, "small"])
    )
    assert "42" in percents(mentee_role.content.decode())

    now = datetime.datetime.now(datetime.UTC)
    context = reminders.email_context(learner, now)
    body = reminders.compose(learner, now.date(), context).body
    assert "Small role: 42% done" in body


def test_the_matrix_leaves_skipped_concepts_out_and_rounds_down(
    learner, mentor, small_role
):
    """Two of three concepts done is 66 % (the learner's rule rounds down)."""
    ConceptFactory(skill=small_role.role_skills.get().skill, slug="c3", name="C3")
    mentorship(learner, mentor)
    RoleFollow.objects.create(learner=learner, role=small_role)
    client = signed_in(learner)
    for slug in ("c1", "c2"):
        client.post(
            reverse("progress_set_status", args=["concept", slug]), {"status": "done"}
        )
    hub = signed_in(mentor).get(reverse("mentoring")).content.decode()
    assert "<strong>66%</strong>" in hub[hub.index('id="matrix-title"') :]
    skill_page = client.get(reverse("skill_detail", args=["shared-skill"]))
    assert percents(skill_page.content.decode()) == ["66"]
