"""The scale-test dataset generator (PostgreSQL's bulk SQL; refuses SQLite)."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count

from accounts.models import User
from mentoring.models import Mentorship
from progress.models import ItemProgress, ProgressEvent, RoleFollow, StepTally

pytestmark = pytest.mark.django_db

SMALL = ["--learners", "30", "--items-per-learner", "50", "--mentors", "5"]


def generate(*args):
    output = io.StringIO()
    call_command("generate_dataset", *args, stdout=output)
    return output.getvalue()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
class TestOnPostgreSQL:
    def test_it_makes_learners_progress_and_mentorships(self, seed_roadmap):
        output = generate(*SMALL, "--max-mentees", "5")
        assert "Generated in" in output
        learners = User.objects.filter(username__startswith="gen-learner")
        assert learners.count() == 30
        assert learners.filter(emailaddress__verified=True).count() == 30
        per_learner = set(
            ItemProgress.objects.values("learner")
            .annotate(rows=Count("pk"))
            .values_list("rows", flat=True)
        )
        assert per_learner == {50}
        assert RoleFollow.objects.count() == 60
        assert ProgressEvent.objects.exists()
        mentees = sorted(
            Mentorship.objects.active()
            .values("mentor")
            .annotate(n=Count("pk"))
            .values_list("n", flat=True)
        )
        assert mentees == [1, 2, 3, 4, 5]
        for tally in StepTally.objects.all():
            done = ItemProgress.objects.filter(step=tally.step_id, status="done")
            assert tally.done == done.count()

    def test_a_second_run_needs_replace(self, seed_roadmap):
        generate(*SMALL)
        with pytest.raises(CommandError, match="--replace"):
            generate(*SMALL)
        generate(*SMALL, "--replace")
        assert User.objects.filter(username__startswith="gen-").count() == 35
        assert ItemProgress.objects.count() == 1500

    def test_it_needs_the_seed_roadmap(self):
        with pytest.raises(CommandError, match="load_roadmaps"):
            generate(*SMALL)


def test_it_refuses_sqlite_with_a_reason(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="PostgreSQL"):
        generate(*SMALL)
    assert not User.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_explain_pages_reports_every_page_without_sequential_scans(
    seed_roadmap, tmp_path
):
    generate(*SMALL, "--max-mentees", "5")
    output = io.StringIO()
    call_command(
        "explain_pages",
        "--mentor",
        "gen-mentor000005",
        "--repeat",
        "1",
        "--plans",
        str(tmp_path),
        stdout=output,
    )
    lines = output.getvalue().splitlines()
    for page in ("dashboard", "role page", "mentor dashboard", "search", "drop-off"):
        (line,) = [line for line in lines if line.startswith(f"| {page}")]
        assert int(line.split("|")[2]) > 0  # queries were captured and explained
    assert len(list(tmp_path.glob("*.txt"))) == 5
    assert "Index" in (tmp_path / "dashboard.txt").read_text()
