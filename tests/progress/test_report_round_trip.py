"""A learner's reports travel in their data file: export, delete, import gives
them back, the curators' answers only from a file this Waymark signed."""

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from progress import reports
from progress.models import ItemReport

pytestmark = pytest.mark.django_db


def export(client) -> dict:
    document = json.loads(client.get(reverse("progress_export_json")).content)
    document.pop("exported_at")
    return document


def reported_and_answered(client, learner, small_role):
    client.force_login(learner)
    url = reverse("progress_report", args=["step", "s1"])
    client.post(url, {"kind": "outdated", "message": "Old version."})
    url = reverse("progress_report", args=["concept", "c1"])
    client.post(url, {"kind": "unclear"})
    fixed = ItemReport.objects.get(step__slug="s1")
    fixed.reply = "Updated to the new version."
    reports.mark_fixed(fixed)


def import_file(tmp_path, document) -> str:
    path = tmp_path / "export.json"
    path.write_text(json.dumps({**document, "exported_at": "2026-11-25T10:00:00Z"}))
    output = io.StringIO()
    call_command("import_learner", str(path), stdout=output)
    return output.getvalue()


def test_the_reports_and_their_answers_come_back(client, learner, small_role, tmp_path):
    reported_and_answered(client, learner, small_role)
    before = export(client)
    assert [entry["problem"] for entry in before["reports"]] == ["outdated", "unclear"]
    assert before["reports"][0]["state"] == "fixed"
    assert before["reports"][0]["notified_at"] is not None

    learner.delete()
    assert not ItemReport.objects.exists()
    import_file(tmp_path, before)

    client.force_login(User.objects.get(username="learner"))
    after = export(client)
    after.pop("attestations_signature"), before.pop("attestations_signature")
    assert after == before


def test_an_unsigned_answer_is_left_out(client, learner, small_role, tmp_path):
    reported_and_answered(client, learner, small_role)
    document = export(client)
    document["reports"][0]["reply"] = "Curators say: send me your password."
    learner.delete()

    output = import_file(tmp_path, document)

    assert "reports[0]: the curators' answer is not signed" in output
    restored = ItemReport.objects.get(step__slug="s1")
    assert (restored.state, restored.reply, restored.notified_at) == ("open", "", None)
    assert restored.message == "Old version."


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"problem": "rude"}, "reports[0].kind"),
        ({"message": "x" * 2001}, "reports[0].message"),
        ({"slug": "nope"}, "reports[0]: no step"),
        ({"at": "yesterday"}, "reports[0].at"),
    ],
)
def test_a_bad_report_is_named_and_nothing_is_written(
    client, learner, small_role, tmp_path, change, problem
):
    reported_and_answered(client, learner, small_role)
    document = export(client)
    document["reports"][0].update(change)
    learner.delete()
    path = tmp_path / "export.json"
    path.write_text(json.dumps({**document, "exported_at": "2026-11-25T10:00:00Z"}))

    with pytest.raises(
        Exception, match=problem.replace("[", r"\[").replace("]", r"\]")
    ):
        call_command("import_learner", str(path), stdout=io.StringIO())
    assert not User.objects.filter(username="learner").exists()
    assert not ItemReport.objects.exists()
