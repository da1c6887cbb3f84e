"""Mentors see exactly the content their mentee may see, and endorse any skill
of the mentee's roles from their own pages."""

import pytest
from django.urls import reverse

from mentoring.models import Comment, Endorsement
from progress.models import ItemProgress, RoleFollow
from tests.factories import SkillFactory, StepFactory
from tests.mentoring.conftest import mentorship
from tests.queue import delivered


def retire(item) -> None:
    """What the curator's "unpublish" does to a published item."""
    item.is_published = False
    item.save()


@pytest.fixture
def draft_step(small_role):
    stage = small_role.stages.first()
    return StepFactory(
        stage=stage, slug="draft-step", title="DRAFT-title", is_published=False
    )


@pytest.mark.django_db
class TestDraftsAreNotForMentors:
    def test_a_draft_step_answers_404_to_the_mentor_as_to_the_learner(
        self, client, learner, mentor, active, draft_step
    ):
        client.force_login(learner)
        assert (
            client.get(
                reverse("progress_item", args=["step", "draft-step"])
            ).status_code
            == 404
        )
        client.force_login(mentor)

        response = client.get(
            reverse("mentee_item", args=["learner", "step", "draft-step"])
        )

        assert response.status_code == 404
        assert "DRAFT-title" not in response.content.decode()

    def test_a_comment_on_a_draft_step_is_refused_and_nothing_is_written(
        self, client, mentor, active, draft_step
    ):
        client.force_login(mentor)

        response = client.post(
            reverse("mentee_comment", args=["learner", "step", "draft-step"]),
            {"body": "Nice"},
        )

        assert response.status_code == 404
        assert not Comment.objects.exists()

    def test_an_endorsement_of_a_draft_skill_is_refused(self, client, mentor, active):
        SkillFactory(slug="secret-skill", is_published=False)
        client.force_login(mentor)

        response = client.post(
            reverse("mentee_endorse", args=["learner", "secret-skill"]), {"level": "3"}
        )

        assert response.status_code == 404
        assert not Endorsement.objects.exists()

    def test_a_mentor_who_is_staff_sees_no_drafts_in_a_mentees_pages(
        self, client, learner, mentor, active, draft_step
    ):
        mentor.is_staff = True
        mentor.save()
        client.force_login(mentor)

        item = client.get(
            reverse("mentee_item", args=["learner", "step", "draft-step"])
        )
        role = client.get(reverse("mentee_role", args=["learner", "small"]))

        assert item.status_code == 404
        assert role.status_code == 200
        assert "DRAFT-title" not in role.content.decode()


@pytest.mark.django_db
class TestRetiredItems:
    def test_the_mentor_opens_a_retired_step_the_mentee_has_history_on(
        self, client, learner, mentor, active, steps
    ):
        ItemProgress.objects.set_status(learner, steps[0], "done")
        retire(steps[0])
        client.force_login(mentor)

        response = client.get(reverse("mentee_item", args=["learner", "step", "s1"]))

        assert response.status_code == 200
        assert "Step one" in response.content.decode()

    def test_a_retired_step_without_the_mentees_history_answers_404(
        self, client, learner, mentor, active, steps
    ):
        ItemProgress.objects.set_status(mentor, steps[0], "done")  # the mentor's own
        retire(steps[0])
        client.force_login(mentor)

        response = client.get(reverse("mentee_item", args=["learner", "step", "s1"]))

        assert response.status_code == 404

    def test_a_never_published_draft_does_not_open_through_history(
        self, client, learner, mentor, active, draft_step
    ):
        # History on a draft can only come from outside the app (an old import).
        ItemProgress.objects.create(learner=learner, step=draft_step, status="done")
        client.force_login(learner)
        assert (
            client.get(
                reverse("progress_item", args=["step", "draft-step"])
            ).status_code
            == 404
        )
        client.force_login(mentor)
        assert (
            client.get(
                reverse("mentee_item", args=["learner", "step", "draft-step"])
            ).status_code
            == 404
        )


@pytest.mark.django_db
class TestEndorsingFromTheMenteeDashboard:
    def test_every_skill_of_the_mentees_roles_has_an_endorse_control(
        self, client, learner, mentor, active, small_role
    ):
        RoleFollow.objects.create(learner=learner, role=small_role)
        unrated = SkillFactory(slug="unrated", name="Unrated skill")
        small_role.role_skills.create(skill=unrated, importance="core")
        client.force_login(mentor)

        body = client.get(
            reverse("mentee_dashboard", args=["learner"])
        ).content.decode()

        for skill in ("shared-skill", "unrated"):
            action = reverse("mentee_endorse", args=["learner", skill])
            assert f'action="{action}"' in body
            row = body[body.index(f'action="{action}"') :]
            row = row[: row.index("</form>")]
            # The form's own select: an id per row, named as the view reads it,
            # described by the text above the table (which says it once).
            assert f'<label for="endorse-{skill}-level"' in row
            select = f'aria-describedby="endorse-help" id="endorse-{skill}-level"'
            assert f'name="level" {select}' in row
        assert body.count('id="endorse-help"') == 1
        assert "open a skill from a role page" not in body.lower()

    def test_endorsing_from_the_dashboard_records_it_and_comes_back(
        self, client, learner, mentor, active, small_role
    ):
        RoleFollow.objects.create(learner=learner, role=small_role)
        client.force_login(mentor)
        dashboard = reverse("mentee_dashboard", args=["learner"])

        response = client.post(
            reverse("mentee_endorse", args=["learner", "shared-skill"]),
            {"level": "4", "next": dashboard + "#skills-title"},
        )

        assert response.status_code == 302
        assert response["Location"] == dashboard + "#skills-title"
        endorsement = Endorsement.objects.get()
        assert (endorsement.learner, endorsement.mentor, endorsement.level) == (
            learner,
            mentor,
            4,
        )
        page = client.get(dashboard).content.decode()
        assert "Proficient" in page and "Maya Mentor" in page

    def test_an_endorsement_leaves_for_no_other_site(
        self, client, mentor, active, small_role
    ):
        client.force_login(mentor)

        response = client.post(
            reverse("mentee_endorse", args=["learner", "shared-skill"]),
            {"level": "2", "next": "https://evil.example/"},
        )

        assert response["Location"] == reverse(
            "mentee_item", args=["learner", "skill", "shared-skill"]
        )

    def test_without_consent_the_endorse_control_is_404(
        self, client, learner, small_role
    ):
        from tests.factories import UserFactory

        stranger = UserFactory(username="stranger")
        mentorship(learner, stranger, status="pending")
        client.force_login(stranger)

        response = client.post(
            reverse("mentee_endorse", args=["learner", "shared-skill"]), {"level": "2"}
        )

        assert response.status_code == 404
        assert not Endorsement.objects.exists()


@pytest.mark.django_db
class TestAReminderThatCannotBeSent:
    def test_a_send_that_keeps_failing_gives_the_learners_day_back(
        self, client, learner, mentor, active, settings, clock
    ):

        from mentoring.models import Nudge
        from outbox.models import Message
        from tests.queue import run_tasks

        url = reverse("mentee_nudge", args=["learner"])
        client.force_login(mentor)
        settings.MAILERS = {
            "default": {"BACKEND": "tests.mail_backends.RefusingBackend"}
        }
        client.post(url)
        # Each failed attempt is tried again later (1, 4, 16, 64 minutes), up to
        # WAYMARK_EMAIL_ATTEMPTS times; meanwhile the reminder stands.
        for _ in range(settings.WAYMARK_EMAIL_ATTEMPTS):
            assert Nudge.objects.exists()
            run_tasks()
            clock.advance(hours=2)
        message = Message.objects.get()
        assert message.status == Message.Status.FAILED
        assert message.attempts == settings.WAYMARK_EMAIL_ATTEMPTS
        assert "SMTPServerDisconnected" in message.last_error
        assert not Nudge.objects.exists()

        settings.MAILERS = {
            "default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
        }
        response = client.post(url, follow=True)

        assert "on its way" in response.content.decode()
        assert Nudge.objects.count() == 1
        assert [m.to for m in delivered()] == [[learner.email]]

    def test_a_name_stored_with_a_line_break_still_makes_a_one_line_subject(
        self, client, learner, mentor, active, django_capture_on_commit_callbacks
    ):

        from mentoring.models import Nudge

        # Written before names were checked: the header must stay one line.
        type(mentor).objects.filter(pk=mentor.pk).update(
            display_name="Maya\nBcc: x@y.z"
        )
        client.force_login(mentor)

        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("mentee_nudge", args=["learner"]))

        assert Nudge.objects.count() == 1
        (message,) = delivered()
        assert message.subject == "[Waymark] A reminder from Maya Bcc: x@y.z"
        assert message.to == [learner.email] and not message.bcc
