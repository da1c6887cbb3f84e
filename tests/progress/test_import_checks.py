"""Every entry of an imported data file meets the rules the pages' forms apply
(a note as long as the note form takes, a review schedule as FSRS writes it, one
entry per item): a bad one is named in one line and nothing is written."""

import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import User
from progress.models import NOTE_MAX_LENGTH, ItemProgress, ReviewCard, RoleFollow

pytestmark = pytest.mark.django_db


@pytest.fixture
def exported(client, learner, small_role):
    """The learner's data file, as downloaded, after a few clicks on the pages;
    the account is then deleted so the file can come back."""
    client.force_login(learner)
    client.post(reverse("progress_follow", args=["small"]))
    for slug in ("s1", "s2"):
        client.post(
            reverse("progress_set_status", args=["step", slug]),
            {"status": "done"},
        )
    client.post(
        reverse("progress_note", args=["step", "s1"]),
        {"note": "Read the whole chapter.", "shared": ""},
    )
    response = client.post(
        reverse("progress_review", args=["step", "s1"]), {"rating": "good"}
    )
    assert response.status_code == 302
    document = json.loads(client.get(reverse("progress_export_json")).content)
    assert document["reviews"] and document["progress"][0]["note"]
    learner.delete()
    return document


def import_file(tmp_path, document):
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document))
    call_command("import_learner", str(path), stdout=io.StringIO())


def assert_refused(tmp_path, document, names: str):
    with pytest.raises(CommandError) as raised:
        import_file(tmp_path, document)
    message = str(raised.value)
    assert names in message, message
    assert "\n" not in message and "Nothing was imported." in message
    assert not User.objects.filter(username="learner").exists()
    assert not ItemProgress.objects.exists()
    assert not RoleFollow.objects.exists() and not ReviewCard.objects.exists()
    return message


def test_the_untouched_file_comes_back_and_its_review_can_be_rated(
    client, exported, tmp_path
):
    exported["reviews"][0]["due"] = datetime.date.today().isoformat()
    import_file(tmp_path, exported)
    client.force_login(User.objects.get(username="learner"))
    response = client.post(
        reverse("progress_review", args=["step", "s1"]), {"rating": "hard"}
    )
    assert response.status_code == 302
    assert ReviewCard.objects.get().logs.count() == 2


@pytest.mark.parametrize(
    "schedule",
    [
        {"due": "2026-12-07T00:00:00+00:00"},
        {"card_id": 1, "state": 9, "step": None, "stability": 1.0},
        "tomorrow",
    ],
)
def test_a_forged_review_schedule_is_named_and_nothing_is_written(
    exported, tmp_path, schedule
):
    exported["reviews"][0]["schedule"] = schedule
    assert_refused(tmp_path, exported, "reviews[0].schedule")


def test_a_schedule_fsrs_cannot_continue_is_refused(exported, tmp_path):
    exported["reviews"][0]["schedule"]["due"] = "2026-12-07T00:00:00"  # no zone
    assert_refused(tmp_path, exported, "reviews[0].schedule")


def test_a_note_longer_than_the_note_form_takes_is_named(exported, tmp_path):
    exported["progress"][0]["note"] = "x" * 2_000_000
    message = assert_refused(tmp_path, exported, "progress[0].note")
    assert f"at most {NOTE_MAX_LENGTH} characters" in message


@pytest.mark.parametrize("section", ["progress", "roles", "reviews", "history"])
def test_a_duplicated_entry_is_named_and_nothing_is_written(
    exported, tmp_path, section
):
    exported[section].append(dict(exported[section][0]))
    last = len(exported[section]) - 1
    if section == "history":  # history holds many events per item: allowed
        import_file(tmp_path, exported)
        assert User.objects.filter(username="learner").exists()
        return
    assert_refused(tmp_path, exported, f"{section}[{last}]")


def test_an_own_reply_longer_than_the_comment_form_takes_is_named(exported, tmp_path):
    exported["feedback"] = [
        {
            "kind": "step",
            "slug": "s1",
            "author": "learner",
            "body": "y" * 2_000_000,
            "at": "2026-11-30T10:00:00+00:00",
            "read_at": None,
        }
    ]
    assert_refused(tmp_path, exported, "feedback[0].body")


def test_a_nul_character_anywhere_in_the_file_is_named(exported, tmp_path):
    exported["account"]["display_name"] = "Ada\x00"
    assert_refused(tmp_path, exported, "account.display_name")
