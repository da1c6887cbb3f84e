"""A learner's export, imported into a database without them, restores every
row: export -> delete the account -> import -> export gives the same document."""

import datetime
import io
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import User
from mentoring.models import Comment, Endorsement
from progress.models import (
    Evidence,
    ItemProgress,
    ProgressEvent,
    ReviewCard,
    RoleFollow,
    SelfAssessment,
    StepTally,
)
from roadmap.models import Concept, LearningStep, Skill

pytestmark = pytest.mark.django_db

MODELS = [
    ItemProgress,
    Evidence,
    ProgressEvent,
    RoleFollow,
    SelfAssessment,
    ReviewCard,
]


def make_history(learner, mentor):
    steps = list(LearningStep.objects.filter(stage__role__slug="backend-engineer"))
    concepts = list(Concept.objects.all()[:10])
    RoleFollow.objects.create(
        learner=learner,
        role=steps[0].stage.role,
        target_date=datetime.date(2027, 6, 30),
        hours_per_week=6,
    )
    for index, step in enumerate(steps[:15]):
        ItemProgress.objects.set_status(learner, step, "learning")
        if index % 2:
            ItemProgress.objects.set_status(learner, step, "done")
    for concept in concepts:
        ItemProgress.objects.set_status(learner, concept, "skipped")
    from django.utils import timezone

    from progress import reviews

    reviews.rate(learner, steps[1], "step", "good", timezone.now())
    # The second review on a later day: a rating before the next day is not kept.
    later = timezone.now() + datetime.timedelta(days=30)
    reviews.rate(learner, steps[1], "step", "hard", later)
    row = ItemProgress.objects.get(learner=learner, step=steps[0])
    row.note, row.note_shared = "Private thoughts ✍️ with <markup>", True
    row.save()
    Evidence.objects.create(progress=row, url="https://example.com/a", title="A")
    Evidence.objects.create(progress=row, url="https://example.com/b")
    skill = Skill.objects.first()
    SelfAssessment.objects.create(learner=learner, skill=skill, level=2)
    SelfAssessment.objects.create(learner=learner, skill=skill, level=3)
    if mentor != learner:
        from django.utils import timezone

        from mentoring.models import Mentorship

        Mentorship.objects.create(
            learner=learner,
            mentor=mentor,
            status="active",
            initiated_by="learner",
            responded_at=timezone.now(),
        )
    Comment.objects.create(learner=learner, author=mentor, step=steps[0], body="Nice")
    Comment.objects.create(learner=learner, author=mentor, skill=skill, body="Good")
    Comment.objects.create(learner=learner, author=learner, skill=skill, body="Thanks")
    Endorsement.objects.create(learner=learner, mentor=mentor, skill=skill, level=3)


def export(client) -> dict:
    document = json.loads(client.get(reverse("progress_export_json")).content)
    document.pop("exported_at")
    return document


def counts(user) -> dict:
    return {m.__name__: m.objects.filter(**owner(m, user)).count() for m in MODELS}


def owner(model, user) -> dict:
    return {"progress__learner": user} if model is Evidence else {"learner": user}


def test_export_import_restores_every_row(client, seed_roadmap, learner, tmp_path):
    from tests.factories import UserFactory

    mentor = UserFactory(username="mentor")
    make_history(learner, mentor)
    User.objects.filter(pk=learner.pk).update(weekly_email=True)
    client.force_login(learner)
    pace = {"daily_limit": "15", "retention": "0.85"}
    assert client.post(reverse("review_pacing"), pace).status_code == 302
    before = export(client)
    rows_before = counts(learner)
    tallies_before = list(StepTally.objects.order_by("pk").values())
    path = tmp_path / "export.json"
    path.write_text(json.dumps({**before, "exported_at": "2026-11-25T10:00:00+00:00"}))

    learner.delete()  # the database no longer holds the learner at all
    assert not ItemProgress.objects.exists()
    output = io.StringIO()
    call_command("import_learner", str(path), stdout=output)
    assert "Imported" in output.getvalue()

    restored = User.objects.get(username="learner")
    assert counts(restored) == rows_before
    assert sum(rows_before.values()) > 40
    assert not restored.has_usable_password()
    client.force_login(restored)
    after = export(client)
    # Mentorships come back ended: the mentor needs new consent.
    (mentorship,) = after.pop("mentorships")
    (was,) = before.pop("mentorships")
    assert was["until"] is None and mentorship["until"] is not None
    assert {**mentorship, "until": None} == was
    after.pop("attestations_signature"), before.pop("attestations_signature")
    assert after == before  # every other field, every time, every row
    assert len(after["feedback"]) == 3 and len(after["endorsements"]) == 1
    # The goal, and the plan with the effort each item counts, came back too.
    assert after["roles"][0]["goal"] == {
        "target_date": "2027-06-30",
        "hours_per_week": 6,
    }
    (review,) = after["reviews"]
    assert [entry["rating"] for entry in review["history"]] == ["good", "hard"]
    plan = after["figures"][0]["plan"]
    assert plan["hours_per_week"] == 6 and plan["this_week"][0]["hours"] > 0
    assert plan["this_week"][0]["estimate"] == "curator"  # no learners measured
    assert after["account"]["weekly_email"] is True and restored.weekly_email
    assert after["review_pacing"] == {
        "daily_limit": 15,
        "retention": 0.85,
        "paused_from": None,
        "paused_until": None,
    }
    assert list(StepTally.objects.order_by("pk").values()) == tallies_before


def exported_then_deleted(client, learner, tmp_path, change=None):
    client.force_login(learner)
    document = export(client)
    document["exported_at"] = "2026-11-25T10:00:00+00:00"
    if change:
        change(document)
    learner.delete()
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document))
    return path


def test_comments_put_on_someone_with_no_mentorship_are_left_out(
    client, seed_roadmap, learner, tmp_path
):
    from tests.factories import UserFactory

    mentor = UserFactory(username="mentor")
    UserFactory(username="famous")
    make_history(learner, mentor)

    def forge(document):
        document["feedback"][0]["author"] = "famous"
        document["endorsements"][0]["mentor"] = "famous"

    path = exported_then_deleted(client, learner, tmp_path, forge)
    output = io.StringIO()
    call_command("import_learner", str(path), stdout=output)

    restored = User.objects.get(username="learner")
    # The signature no longer holds: nothing others said comes back, the
    # learner's own reply and all their progress do.
    assert not Endorsement.objects.filter(learner=restored).exists()
    assert list(
        Comment.objects.filter(learner=restored).values_list(
            "author__username", flat=True
        )
    ) == ["learner"]
    assert ItemProgress.objects.filter(learner=restored).count() == 25
    report = output.getvalue()
    assert "Left out 3 attestation(s)" in report
    assert "not signed by this Waymark" in report


def test_a_signed_file_still_needs_the_mentorship_at_the_time(
    client, seed_roadmap, learner, tmp_path
):
    """Attestations made outside any mentorship the file names stay out, even
    with a good signature (say, a mentor's account renamed since)."""
    from tests.factories import UserFactory

    mentor = UserFactory(username="mentor")
    make_history(learner, mentor)
    Endorsement.objects.filter(learner=learner).update(
        created_at="2020-01-01T00:00:00+00:00"
    )
    path = exported_then_deleted(client, learner, tmp_path)
    output = io.StringIO()

    call_command("import_learner", str(path), stdout=output)

    restored = User.objects.get(username="learner")
    assert not Endorsement.objects.filter(learner=restored).exists()
    assert Comment.objects.filter(learner=restored).count() == 3
    assert "endorsements[0]: 'mentor' was not their mentor then" in output.getvalue()


def test_progress_on_a_never_published_draft_is_refused(
    client, seed_roadmap, learner, tmp_path
):
    from tests.factories import StepFactory

    make_history(learner, learner)
    stage = LearningStep.objects.first().stage
    StepFactory(stage=stage, slug="unpublished-draft", is_published=False)

    def point_at_draft(document):
        document["progress"][0]["slug"] = "unpublished-draft"

    path = exported_then_deleted(client, learner, tmp_path, point_at_draft)

    with pytest.raises(
        CommandError, match=r"progress\[0\]: no step 'unpublished-draft'"
    ):
        call_command("import_learner", str(path))
    assert not User.objects.filter(username="learner").exists()
    assert not ItemProgress.objects.exists()


def test_progress_on_a_retired_item_comes_back(client, seed_roadmap, learner, tmp_path):
    make_history(learner, learner)
    step = LearningStep.objects.filter(itemprogress_rows__learner=learner).first()
    path = exported_then_deleted(client, learner, tmp_path)
    step.is_published = False
    step.save()

    call_command("import_learner", str(path), stdout=io.StringIO())

    restored = User.objects.get(username="learner")
    assert ItemProgress.objects.filter(learner=restored, step=step).exists()


def test_a_bad_entry_is_named_and_nothing_is_written(
    client, seed_roadmap, learner, tmp_path
):
    make_history(learner, learner)
    client.force_login(learner)
    document = export(client)
    document["exported_at"] = "2026-11-25T10:00:00+00:00"
    document["progress"][3]["slug"] = "no-such-step"
    learner.delete()
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document))
    with pytest.raises(CommandError, match=r"progress\[3\]: no \w+ 'no-such-step'"):
        call_command("import_learner", str(path))
    assert not User.objects.filter(username="learner").exists()
    assert not ItemProgress.objects.exists()


@pytest.mark.parametrize(
    "text",
    ["", "not json", "[]", '{"format": "other"}', '{"format": "waymark-export"}'],
)
def test_malformed_files_are_refused(db, tmp_path, text):
    path = tmp_path / "export.json"
    path.write_text(text)
    with pytest.raises(CommandError, match=r"export\.json"):
        call_command("import_learner", str(path))
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("goal", "says"),
    [
        ({"target_date": "soon", "hours_per_week": None}, r"goal.target_date: 'soon'"),
        ({"target_date": None, "hours_per_week": 0}, r"goal.hours_per_week: 0 is not"),
        ({"target_date": None, "hours_per_week": "6"}, r"goal.hours_per_week: '6'"),
        ("every day", r"roles\[0\].goal: expected a mapping"),
    ],
)
def test_a_bad_goal_is_named_and_nothing_is_written(
    client, seed_roadmap, learner, tmp_path, goal, says
):
    make_history(learner, learner)

    def change(document):
        document["roles"][0]["goal"] = goal

    path = exported_then_deleted(client, learner, tmp_path, change)
    with pytest.raises(CommandError, match=says):
        call_command("import_learner", str(path))
    assert not User.objects.filter(username="learner").exists()
    assert not RoleFollow.objects.exists()


@pytest.mark.parametrize(
    ("pacing", "says"),
    [
        ({"daily_limit": 0}, "review_pacing.daily_limit: Ensure this value is"),
        ({"retention": 2}, "review_pacing.retention: Ensure this value is"),
        ({"paused_until": "soon"}, "review_pacing.paused_until: 'soon' is not a date"),
        ("fast", "review_pacing: expected a mapping"),
        ({"retention": "NaN"}, "review_pacing.retention: Give a number."),
        ({"paused_until": "9999-12-31"}, "A pause has both a first and a last day"),
        (
            {"paused_from": "2026-11-01", "paused_until": "9999-12-31"},
            "review_pacing.paused_until: A pause ends 1 to 180 days after",
        ),
    ],
)
def test_a_bad_review_pacing_is_refused_with_its_field(
    client, seed_roadmap, learner, tmp_path, pacing, says
):
    def change(document):
        document["review_pacing"] = pacing

    path = exported_then_deleted(client, learner, tmp_path, change)
    with pytest.raises(CommandError, match=re.escape(says)):
        call_command("import_learner", str(path), stdout=io.StringIO())
    assert not User.objects.filter(username="learner").exists()
