"""Curators retiring, renaming or reordering content never lose a progress row."""

from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command

from progress import figures
from progress.models import ItemProgress, ProgressEvent
from roadmap.models import LearningStep, Role
from tests.content_files import write_content

SEED = Path(settings.ROADMAP_FIXTURES_DIR) / "backend-engineer.yaml"


def load(path: Path | None = None) -> None:
    args = [str(path)] if path else []
    call_command("load_roadmaps", *args, stdout=StringIO())


@pytest.fixture
def learner_with_progress(learner, seed_roadmap):
    for step in LearningStep.objects.all()[:5]:
        ItemProgress.objects.set_status(learner, step, "done")
    return learner


@pytest.mark.django_db
class TestContentChanges:
    def test_retiring_renaming_and_reordering_keep_every_row(
        self, learner_with_progress, tmp_path
    ):
        before = set(ItemProgress.objects.values_list("pk", "step_id", "status"))
        events = ProgressEvent.objects.count()
        data = yaml.safe_load(SEED.read_text())
        stages = data["roles"][0]["stages"]
        first_steps = stages[0]["steps"]
        retired = first_steps.pop(0)
        for stage in stages:
            for step in stage["steps"]:
                if retired["slug"] in step.get("prerequisites", []):
                    step["prerequisites"].remove(retired["slug"])
        first_steps[0]["title"] = "A renamed step"
        stages.reverse()
        path = tmp_path / "changed.yaml"
        write_content(path, data)
        load(path)
        assert (
            set(ItemProgress.objects.values_list("pk", "step_id", "status")) == before
        )
        assert ProgressEvent.objects.count() == events
        assert not LearningStep.objects.get(slug=retired["slug"]).is_published

    def test_a_retired_item_leaves_the_figures_but_stays_in_the_history(
        self, client, learner_with_progress, tmp_path
    ):
        learner = learner_with_progress
        role = Role.objects.get()
        (before,) = figures.role_progress(learner, [role])
        done_step = ItemProgress.objects.filter(learner=learner).first().step
        data = yaml.safe_load(SEED.read_text())
        for stage in data["roles"][0]["stages"]:
            stage["steps"] = [s for s in stage["steps"] if s["slug"] != done_step.slug]
            for step in stage["steps"]:
                if done_step.slug in step.get("prerequisites", []):
                    step["prerequisites"].remove(done_step.slug)
        path = tmp_path / "retire.yaml"
        write_content(path, data)
        load(path)
        (after,) = figures.role_progress(learner, [role])
        assert after.steps.total == before.steps.total - 1
        assert after.steps.done == before.steps.done - 1
        client.force_login(learner)
        body = client.get("/dashboard/").content.decode()
        assert done_step.title in body
        assert "Retired" in body

    def test_loading_it_again_restores_the_item_with_its_progress(
        self, learner_with_progress, tmp_path
    ):
        self.test_retiring_renaming_and_reordering_keep_every_row(
            learner_with_progress, tmp_path
        )
        load()
        assert LearningStep.objects.filter(is_published=False).count() == 0
        assert ItemProgress.objects.filter(status="done").count() == 5

    def test_an_admin_cannot_delete_a_step_with_progress(
        self, client, curator, learner_with_progress
    ):
        step = ItemProgress.objects.first().step
        client.force_login(curator)
        url = f"/admin/roadmap/learningstep/{step.pk}/delete/"
        response = client.post(url, {"post": "yes"})
        assert response.status_code == 200
        assert (
            "Cannot delete" in response.content.decode()
            or "protected" in response.content.decode()
        )
        assert LearningStep.objects.filter(pk=step.pk).exists()
