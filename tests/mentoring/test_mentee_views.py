"""What a mentor sees of a mentee, and the feedback they leave."""

import pytest
from django.urls import reverse

from mentoring.models import Comment, Endorsement, Mentorship, Nudge
from progress.models import ItemProgress, SelfAssessment
from tests.mentoring.conftest import mentorship
from tests.queue import delivered


@pytest.fixture
def mentee_progress(learner, steps, small_role):
    ItemProgress.objects.set_status(learner, steps[0], "done")
    row = ItemProgress.objects.get(learner=learner, step=steps[0])
    row.note = "shared thoughts"
    row.note_shared = True
    row.save()
    other = ItemProgress.objects.create(
        learner=learner, step=steps[1], note="private thoughts"
    )
    other.evidence.create(url="https://proof.example/", title="Proof")
    SelfAssessment.objects.create(
        learner=learner, skill=small_role.skills.get(), level=2
    )
    from progress.models import RoleFollow

    RoleFollow.objects.create(learner=learner, role=small_role)
    return learner


@pytest.mark.django_db
class TestMenteeDashboard:
    def test_a_mentor_sees_progress_streaks_ratings_evidence_and_shared_notes(
        self, client, mentor, active, mentee_progress
    ):
        client.force_login(mentor)
        response = client.get(reverse("mentee_dashboard", args=["learner"]))
        assert response.status_code == 200
        body = response.content.decode()
        assert "Small role" in body
        assert "Steps: 1 of 4 done" in body
        assert "current streak" in body
        assert "Beginner" in body
        assert "proof.example" in body
        assert "shared thoughts" in body
        assert "private thoughts" not in body
        assert "no-store" in response["Cache-Control"]
        assert 'hx-history="false"' in body

    def test_the_mentee_role_page_shows_statuses_read_only(
        self, client, mentor, active, mentee_progress, steps
    ):
        client.force_login(mentor)
        response = client.get(reverse("mentee_role", args=["learner", "small"]))
        body = response.content.decode()
        assert response.status_code == 200
        assert "learner's progress" in body.replace("&#x27;", "'")
        assert "status-control" not in body
        assert 'status-badge--done">Done<' in body
        assert "no-store" in response["Cache-Control"]

    @pytest.mark.parametrize("status", ["pending", "declined", "ended"])
    def test_without_an_active_mentorship_every_page_is_404(
        self, client, mentor, learner, steps, status
    ):
        mentorship(learner, mentor, status=status)
        client.force_login(mentor)
        for url in [
            reverse("mentee_dashboard", args=["learner"]),
            reverse("mentee_role", args=["learner", "small"]),
            reverse("mentee_item", args=["learner", "step", "s1"]),
        ]:
            assert client.get(url).status_code == 404, url

    def test_another_learner_and_staff_get_404(
        self, client, other_learner, curator, learner
    ):
        for user in [other_learner, curator]:
            client.force_login(user)
            assert (
                client.get(reverse("mentee_dashboard", args=["learner"])).status_code
                == 404
            )

    def test_a_mentors_access_ends_with_the_next_request(self, client, mentor, active):
        client.force_login(mentor)
        url = reverse("mentee_dashboard", args=["learner"])
        assert client.get(url).status_code == 200
        Mentorship.objects.filter(pk=active.pk).update(status="ended")
        assert client.get(url).status_code == 404


@pytest.mark.django_db
class TestFeedback:
    def test_a_mentor_comments_and_the_learner_sees_it_with_an_unread_count(
        self, client, mentor, learner, active, steps
    ):
        client.force_login(mentor)
        response = client.post(
            reverse("mentee_comment", args=["learner", "step", "s1"]),
            {"body": "Try the official tutorial first."},
        )
        assert response.status_code == 302
        client.force_login(learner)
        dashboard = client.get(reverse("dashboard")).content.decode()
        assert "1 unread" in dashboard
        assert "Try the official tutorial first." in dashboard
        item = client.get(
            reverse("progress_item", args=["step", "s1"])
        ).content.decode()
        assert "Try the official tutorial first." in item
        assert "Maya Mentor" in item

    def test_the_learner_replies_and_the_thread_is_read(
        self, client, mentor, learner, active, steps
    ):
        Comment.objects.create(learner=learner, author=mentor, step=steps[0], body="Hi")
        client.force_login(learner)
        response = client.post(
            reverse("feedback_reply", args=["step", "s1"]), {"body": "Thanks!"}
        )
        assert response.status_code == 302
        assert Comment.objects.filter(author=learner, body="Thanks!").exists()
        assert not Comment.objects.filter(read_by_learner_at=None).exclude(
            author=learner
        )
        client.force_login(mentor)
        page = client.get(reverse("mentee_item", args=["learner", "step", "s1"]))
        assert "Thanks!" in page.content.decode()

    def test_mark_as_read_is_a_post(self, client, mentor, learner, active, steps):
        Comment.objects.create(learner=learner, author=mentor, step=steps[0], body="Hi")
        client.force_login(learner)
        url = reverse("feedback_mark_read", args=["step", "s1"])
        assert client.get(url).status_code == 405
        client.post(url)
        assert not Comment.objects.filter(read_by_learner_at=None).exists()

    def test_a_learner_cannot_open_a_thread_alone(self, client, learner, steps):
        client.force_login(learner)
        response = client.post(
            reverse("feedback_reply", args=["step", "s1"]), {"body": "x"}
        )
        assert response.status_code == 404

    def test_a_mentor_comments_on_a_skill(
        self, client, mentor, learner, active, small_role
    ):
        client.force_login(mentor)
        client.post(
            reverse("mentee_comment", args=["learner", "skill", "shared-skill"]),
            {"body": "Strong progress here."},
        )
        client.force_login(learner)
        page = client.get(
            reverse("skill_detail", args=["shared-skill"])
        ).content.decode()
        assert "Strong progress here." in page

    @pytest.mark.parametrize("body", ["", "   ", "x" * 2001])
    def test_a_bad_comment_is_refused_and_changes_nothing(
        self, client, mentor, active, steps, body
    ):
        client.force_login(mentor)
        response = client.post(
            reverse("mentee_comment", args=["learner", "step", "s1"]), {"body": body}
        )
        assert response.status_code == 400
        assert 'aria-invalid="true"' in response.content.decode()
        assert not Comment.objects.exists()

    def test_comment_markup_is_escaped_for_the_learner(
        self, client, mentor, learner, active, steps
    ):
        client.force_login(mentor)
        client.post(
            reverse("mentee_comment", args=["learner", "step", "s1"]),
            {"body": "<img src=x onerror=alert(1)>"},
        )
        client.force_login(learner)
        item = client.get(
            reverse("progress_item", args=["step", "s1"])
        ).content.decode()
        assert "<img src=x" not in item
        assert "&lt;img src=x onerror=alert(1)&gt;" in item

    def test_endorsements_are_kept_apart_from_self_ratings(
        self, client, mentor, learner, active, small_role
    ):
        SelfAssessment.objects.create(
            learner=learner, skill=small_role.skills.get(), level=2
        )
        client.force_login(mentor)
        client.post(
            reverse("mentee_endorse", args=["learner", "shared-skill"]), {"level": "4"}
        )
        client.post(
            reverse("mentee_endorse", args=["learner", "shared-skill"]), {"level": "3"}
        )
        assert list(Endorsement.objects.values_list("level", flat=True)) == [3, 4]
        assert SelfAssessment.objects.get().level == 2
        page = client.get(
            reverse("mentee_item", args=["learner", "skill", "shared-skill"])
        )
        body = page.content.decode()
        assert "Beginner" in body and "Proficient" in body and "Competent" in body
        client.force_login(learner)
        skill_page = client.get(
            reverse("skill_detail", args=["shared-skill"])
        ).content.decode()
        assert "Mentors' endorsements" in skill_page
        assert "by Maya Mentor" in skill_page

    def test_a_level_off_the_scale_is_refused(self, client, mentor, active, small_role):
        client.force_login(mentor)
        response = client.post(
            reverse("mentee_endorse", args=["learner", "shared-skill"]), {"level": "9"}
        )
        assert response.status_code == 400
        assert not Endorsement.objects.exists()


@pytest.mark.django_db
class TestNudge:
    def test_a_nudge_is_emailed_once_a_day(
        self, client, mentor, learner, active, django_capture_on_commit_callbacks
    ):
        client.force_login(mentor)
        url = reverse("mentee_nudge", args=["learner"])
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, follow=True)
        assert "A reminder is on its way" in response.content.decode()
        assert len(delivered()) == 1
        assert delivered()[0].to == ["learner@example.com"]
        assert "Maya Mentor" in delivered()[0].subject
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, follow=True)
        assert "already got a reminder today" in response.content.decode()
        assert len(delivered()) == 1
        assert Nudge.objects.count() == 1

    def test_the_request_queues_the_reminder_and_the_worker_sends_it(
        self, client, mentor, learner, active
    ):
        from django.core import mail

        from outbox.models import Message

        client.force_login(mentor)
        client.post(reverse("mentee_nudge", args=["learner"]))
        assert mail.outbox == []
        assert Message.objects.get().context == {"nudge": Nudge.objects.get().pk}
        assert [m.to for m in delivered()] == [["learner@example.com"]]

    def test_a_nudge_to_an_unverified_address_says_so_and_uses_up_nothing(
        self, client, mentor, learner, active
    ):
        from allauth.account.models import EmailAddress

        # A learner restored from a data file has their address back unverified.
        EmailAddress.objects.filter(user=learner).update(verified=False)
        client.force_login(mentor)
        url = reverse("mentee_nudge", args=["learner"])
        response = client.post(url, follow=True)
        assert "has no verified email address yet" in response.content.decode()
        assert not Nudge.objects.exists()
        assert delivered() == []
        # Once they confirm it, today's reminder can still be sent.
        EmailAddress.objects.filter(user=learner).update(verified=True)
        response = client.post(url, follow=True)
        assert "A reminder is on its way" in response.content.decode()
        assert len(delivered()) == 1

    def test_a_nudge_needs_an_active_mentorship(self, client, mentor, learner):
        mentorship(learner, mentor, status="ended")
        client.force_login(mentor)
        assert client.post(reverse("mentee_nudge", args=["learner"])).status_code == 404
        assert not Nudge.objects.exists()
