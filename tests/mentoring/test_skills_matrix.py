"""The mentor's skills matrix on /mentoring/: each cell from what the learner and
the mentor submitted through their forms, sortable, filterable by role,
downloadable as CSV, for active mentorships only, in constant queries."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from mentoring.models import Mentorship
from progress.models import Level, RoleFollow
from tests.factories import (
    ConceptFactory,
    RoleFactory,
    RoleSkillFactory,
    SkillFactory,
    UserFactory,
)
from tests.mentoring.conftest import mentorship

pytestmark = pytest.mark.django_db
HUB = reverse("mentoring")
CSV = reverse("mentoring_skills_csv")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def matrix_of(html: str) -> str:
    start = html.index('id="matrix-title"')
    return html[start : html.index("</table>", start)]


@pytest.fixture
def second_role(small_role):
    role = RoleFactory(slug="data", title="Data role", position=3)
    skill = SkillFactory(slug="sql-skill", name="SQL skill")
    RoleSkillFactory(role=role, skill=skill)
    ConceptFactory(skill=skill, slug="d1", name="Joins")
    return role


@pytest.fixture
def mentees(mentor, small_role, second_role):
    """Ada (small role) and Bo (both roles), each with their own submissions."""
    ada = UserFactory(username="ada", display_name="Ada")
    bo = UserFactory(username="bo", display_name="=Bo")  # a formula, in a CSV
    for learner in (ada, bo):
        mentorship(learner, mentor)
        RoleFollow.objects.create(learner=learner, role=small_role)
    RoleFollow.objects.create(learner=bo, role=second_role)
    ada_client, bo_client = signed_in(ada), signed_in(bo)
    for client, slugs in ((ada_client, ("c1", "c2")), (bo_client, ("c1",))):
        for slug in slugs:
            status_url = reverse("progress_set_status", args=["concept", slug])
            assert client.post(status_url, {"status": "done"}).status_code == 302
    ada_client.post(reverse("progress_assess", args=["shared-skill"]), {"level": "3"})
    signed_in(mentor).post(
        reverse("mentee_endorse", args=["ada", "shared-skill"]), {"level": "2"}
    )
    return ada, bo


def test_each_cell_has_the_rating_the_endorsement_and_the_share_done(mentor, mentees):
    table = matrix_of(signed_in(mentor).get(HUB).content.decode())
    assert "Shared skill" in table and "SQL skill" in table
    ada_row = table[table.index(">Ada<") :].split("</tr>")[0]
    assert "<strong>100%</strong>" in ada_row
    assert f"Self: {Level(3).label}" in ada_row
    assert f"You: {Level(2).label}" in ada_row
    bo_row = table[table.index(">=Bo<") :].split("</tr>")[0]
    assert "<strong>50%</strong>" in bo_row and "Self: not rated" in bo_row
    assert "<strong>0%</strong>" in bo_row  # SQL skill: nothing done yet


def test_what_either_side_submits_shows_at_once_whatever_the_cache(
    mentor, mentees, shared_cache
):
    """Each mentee's part of the cells is cached; the mentor's endorsements are
    read afresh, so an endorsement (which retires no cached entry) shows on the
    very next view, as does the mentee's own new rating and progress."""
    client = signed_in(mentor)
    ada_row = row_of(matrix_of(client.get(HUB).content.decode()), "Ada")
    assert f"Self: {Level(3).label}" in ada_row
    assert f"You: {Level(2).label}" in ada_row
    assert (
        client.post(
            reverse("mentee_endorse", args=["bo", "shared-skill"]), {"level": "4"}
        ).status_code
        == 302
    )
    bo_row = row_of(matrix_of(client.get(HUB).content.decode()), "=Bo")
    assert f"You: {Level(4).label}" in bo_row
    bo_client = signed_in(mentees[1])
    bo_client.post(reverse("progress_assess", args=["shared-skill"]), {"level": "1"})
    status_url = reverse("progress_set_status", args=["concept", "d1"])
    assert bo_client.post(status_url, {"status": "done"}).status_code == 302
    table = matrix_of(client.get(HUB).content.decode())
    bo_row = row_of(table, "=Bo")
    assert f"You: {Level(4).label}" in bo_row
    assert f"Self: {Level(1).label}" in bo_row
    assert "<strong>100%</strong>" in bo_row  # SQL skill, its one concept done
    assert row_of(table, "Ada") == ada_row


def row_of(table: str, name: str) -> str:
    return table[table.index(f">{name}<") :].split("</tr>")[0]


def test_sorting_by_a_skill_and_filtering_by_role(mentor, mentees):
    client = signed_in(mentor)
    by_name = matrix_of(client.get(HUB).content.decode())
    # By name ("=bo" sorts before "ada"), then by the skill's share done.
    assert by_name.index(">=Bo<") < by_name.index(">Ada<")
    sorted_body = client.get(HUB, {"skill": "shared-skill"}).content.decode()
    table = matrix_of(sorted_body)
    assert 'aria-sort="descending"' in table
    assert table.index(">Ada<") < table.index(">=Bo<")  # 100% before 50%
    filtered = matrix_of(client.get(HUB, {"role": "data"}).content.decode())
    assert "SQL skill" in filtered and "Shared skill" not in filtered
    # A role nobody follows, or nonsense, shows every role's skills.
    everything = matrix_of(
        client.get(HUB, {"role": "x" * 300, "skill": "<b>"}).content.decode()
    )
    assert "SQL skill" in everything and "Shared skill" in everything


def test_the_csv_has_a_row_per_mentee_and_guards_against_formulas(mentor, mentees):
    response = signed_in(mentor).get(CSV)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "no-store" in response["Cache-Control"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == [
        "mentee",
        "username",
        "Shared skill: self-rating",
        "Shared skill: your endorsement",
        "Shared skill: % done (by hours)",
    ]
    by_user = {row[1]: row for row in rows[1:]}
    assert by_user["bo"][0] == "'=Bo"
    assert by_user["ada"][4] == "100" and by_user["bo"][4] == "50"
    only_data = list(
        csv.reader(
            io.StringIO(signed_in(mentor).get(CSV, {"role": "data"}).content.decode())
        )
    )
    assert only_data[0][2] == "SQL skill: self-rating" and len(only_data[0]) == 5


def test_only_active_mentorships_and_only_ones_own(mentor, mentees, small_role):
    ada, _bo = mentees
    Mentorship.objects.filter(learner=ada).update(status=Mentorship.Status.ENDED)
    pending = UserFactory(username="pending", display_name="Pending")
    mentorship(pending, mentor, status=Mentorship.Status.PENDING)
    RoleFollow.objects.create(learner=pending, role=small_role)
    client = signed_in(mentor)
    table = matrix_of(client.get(HUB).content.decode())
    assert ">Ada<" not in table and ">Pending<" not in table and ">=Bo<" in table
    usernames = [
        row[1] for row in csv.reader(io.StringIO(client.get(CSV).content.decode()))
    ]
    assert usernames == ["username", "bo"]
    # Another mentor (no consent from these learners) sees none of them.
    stranger = signed_in(UserFactory())
    assert "matrix-title" not in stranger.get(HUB).content.decode()
    assert list(csv.reader(io.StringIO(stranger.get(CSV).content.decode()))) == [
        ["mentee", "username"]
    ]


def test_anonymous_people_are_sent_to_sign_in(client):
    response = client.get(CSV)
    assert (
        response.status_code == 302 and reverse("account_login") in response["Location"]
    )
    assert signed_in(UserFactory()).post(CSV).status_code == 405


@pytest.mark.parametrize("count", [1, 50])
def test_the_csv_runs_a_fixed_number_of_queries(
    mentor, small_role, second_role, count, django_assert_page_queries
):
    for index in range(count):
        learner = UserFactory(username=f"m{index:03d}")
        mentorship(learner, mentor)
        RoleFollow.objects.create(learner=learner, role=small_role)
    client = signed_in(mentor)
    # The session, the user, the mentees, and the matrix's six.
    with django_assert_page_queries(9):
        response = client.get(CSV)
    assert response.content.decode().count("\n") == count + 1
