"""A learner's cached figures and pages are kept until their own data or the
content changes: every function that writes a learner's data retires them."""

import pytest
from django.test import Client
from django.urls import reverse

from progress import figures
from progress.models import Evidence, ItemProgress, Status
from roadmap.models import LearningStep
from tests.roadmap import test_admin
from tests.roadmap.test_admin import admin_url


@pytest.fixture
def signed_in(client, learner):
    client.force_login(learner)
    return client


class Recounts:
    """How often the learner's cached figures were computed."""

    def __init__(self, learner):
        self.learner = learner
        self.count = 0

    def __call__(self) -> int:
        def compute():
            self.count += 1
            return self.count

        return figures.cached_for_learner(self.learner, "test", compute)


@pytest.mark.django_db
class TestLearnersCachedFigures:
    def test_kept_while_nothing_of_theirs_changes(self, learner, other_learner, steps):
        recounts = Recounts(learner)
        assert recounts() == 1
        assert recounts() == 1
        ItemProgress.objects.set_status(other_learner, steps[0], Status.DONE)
        assert recounts() == 1  # someone else's change
        ItemProgress.objects.set_status(learner, steps[0], Status.DONE)
        assert recounts() == 2
        ItemProgress.objects.set_status(learner, steps[0], Status.DONE)
        assert recounts() == 2  # the status it already had: nothing changed

    def test_every_write_of_the_learner_retires_them(
        self, signed_in, learner, small_role, steps
    ):
        recounts = Recounts(learner)
        item = ["step", steps[0].slug]
        writes = [
            (reverse("progress_set_status", args=item), {"status": "learning"}),
            (reverse("progress_follow", args=["small"]), {}),
            (reverse("progress_leave", args=["small"]), {}),
            (reverse("progress_note", args=item), {"note": "Read it twice"}),
            (
                reverse("progress_add_evidence", args=item),
                {"url": "https://example.com/work"},
            ),
            (reverse("progress_assess", args=["shared-skill"]), {"level": "3"}),
            (reverse("progress_reset", args=["small"]), {}),
            (reverse("progress_undo"), {}),
            (
                reverse("account_settings"),
                {"display_name": "Ada", "timezone": learner.timezone},
            ),
        ]
        for url, data in writes:
            before = recounts()
            assert signed_in.post(url, data).status_code == 302, url
            learner.refresh_from_db()
            assert recounts() == before + 1, url
        evidence = Evidence.objects.get()
        before = recounts()
        signed_in.post(reverse("progress_delete_evidence", args=[*item, evidence.pk]))
        assert recounts() == before + 1

    def test_a_curators_edit_in_the_admin_retires_them(self, learner, steps, curator):
        recounts = Recounts(learner)
        assert recounts() == 1
        curator_client = Client()
        curator_client.force_login(curator)
        form = test_admin.TestPrerequisiteCycles().step_form(steps[1], [])
        form["title"] = "A curator's edit"
        response = curator_client.post(
            admin_url(LearningStep, "change", steps[1].pk), form
        )
        assert response.status_code == 302
        assert recounts() == 2
        assert recounts() == 2
