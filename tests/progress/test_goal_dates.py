"""A goal's target date is bounded where it is entered and where it is imported:
from the learner's today to MAX_GOAL_YEARS ahead (a far date such as 9999-12-31
once broke the calendar feed)."""

import datetime
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import User
from progress.models import MAX_GOAL_YEARS, RoleFollow

pytestmark = pytest.mark.django_db


@pytest.fixture
def following(client, learner, small_role):
    client.force_login(learner)
    client.post(reverse("progress_follow", args=["small"]))
    return RoleFollow.objects.get(learner=learner, role=small_role)


def too_far() -> datetime.date:
    today = datetime.date.today()
    return today.replace(year=today.year + MAX_GOAL_YEARS) + datetime.timedelta(days=2)


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize("day", ["9999-12-31", "far"])
def test_a_goal_date_years_away_is_refused_on_the_goal_page(
    client, following, htmx, day
):
    day = too_far().isoformat() if day == "far" else day
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(
        reverse("progress_goal", args=["small"]),
        {"target_date": day, "hours_per_week": "5", "reviews": "on"},
        headers=headers,
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert f"Choose a day within {MAX_GOAL_YEARS} years" in page
    assert 'aria-invalid="true"' in page
    following.refresh_from_db()
    assert following.target_date is None and following.hours_per_week is None


def test_a_goal_date_within_the_bound_is_saved(client, following):
    today = datetime.date.today()
    day = today.replace(year=today.year + MAX_GOAL_YEARS) - datetime.timedelta(days=2)
    response = client.post(
        reverse("progress_goal", args=["small"]),
        {"target_date": day.isoformat(), "hours_per_week": "", "reviews": "on"},
    )
    assert response.status_code == 302
    following.refresh_from_db()
    assert following.target_date == day


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_an_imported_goal_date_years_away_is_named_and_nothing_is_written(
    client, following, learner, tmp_path, day
):
    document = json.loads(client.get(reverse("progress_export_json")).content)
    document["roles"][0]["goal"] = {"target_date": day, "hours_per_week": None}
    learner.delete()
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document))
    with pytest.raises(CommandError) as raised:
        call_command("import_learner", str(path))
    message = str(raised.value)
    assert "roles[0].goal.target_date" in message and "\n" not in message
    assert f"within {MAX_GOAL_YEARS} years" in message
    assert not User.objects.filter(username="learner").exists()
    assert not RoleFollow.objects.exists()
