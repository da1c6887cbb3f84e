"""The per-role review switch survives the data file: turned off on the goal
page, exported, imported, it is still off."""

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from progress.models import RoleFollow

pytestmark = pytest.mark.django_db


def test_reviews_turned_off_on_the_goal_page_stay_off_after_export_and_import(
    client, learner, small_role, tmp_path
):
    client.force_login(learner)
    client.post(reverse("progress_follow", args=["small"]))
    # The goal form with its checkbox left unticked: reviews off.
    response = client.post(
        reverse("progress_goal", args=["small"]),
        {"target_date": "", "hours_per_week": "4"},
    )
    assert response.status_code == 302
    assert RoleFollow.objects.get(learner=learner).reviews is False

    download = client.get(reverse("progress_export_json"))
    assert download.status_code == 200
    path = tmp_path / "export.json"
    path.write_bytes(download.content)
    learner.delete()

    call_command("import_learner", str(path), stdout=io.StringIO())
    restored = User.objects.get(username="learner")
    follow = RoleFollow.objects.get(learner=restored)
    assert follow.reviews is False
    assert follow.hours_per_week == 4
    client.force_login(restored)
    again = json.loads(client.get(reverse("progress_export_json")).content)
    assert again["roles"][0]["reviews"] is False
    assert json.loads(download.content)["roles"][0]["reviews"] is False
