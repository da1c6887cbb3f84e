"""A learner invites a mentor by email or with a one-time link; the invitee answers."""

import datetime
import hashlib
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mentoring import consent as mentoring
from mentoring.models import Mentorship
from mentoring.views import consent as consent_views
from outbox.models import Message
from tests.accounts.helpers import (
    answer_invitation,
    create_invite_link,
    link_in_last_email,
    make_mentorship,
    open_invitation,
)
from tests.factories import UserFactory
from tests.queue import delivered

INVITE = reverse("mentoring_invite")
HUB = reverse("mentoring")


def body_of(response) -> str:
    return response.content.decode()


@pytest.fixture
def third(db):
    return UserFactory(username="third", display_name="Third Person")


@pytest.mark.django_db
class TestInvitingByEmail:
    def test_the_request_queues_the_email_and_the_worker_sends_it(
        self, client, learner
    ):
        learner.display_name = "Ada Learner"
        learner.save()
        client.force_login(learner)

        response = client.post(
            INVITE, {"email": "Mentor@Example.com", "message": "Would you?"}
        )

        # The request wrote the message and its task; nothing was sent.
        assert mail.outbox == []
        queued = Message.objects.get()
        assert (queued.kind, queued.status, queued.to) == (
            "mentoring invitation",
            Message.Status.QUEUED,
            ["mentor@example.com"],
        )
        (task,) = DBTaskResult.objects.all()
        assert task.queue_name == "email"
        assert task.args_kwargs["args"] == [queued.pk, 1]
        assert task.priority == 20  # invitations after account emails
        assert response.status_code == 302
        assert response["Location"] == HUB
        (message,) = delivered()
        assert message.to == ["mentor@example.com"]
        assert message.subject == "[Waymark] Ada Learner invites you to be their mentor"
        assert "Ada Learner invites you" in message.body
        assert "Would you?" in message.body
        assert not message.alternatives  # plain text only
        path = link_in_last_email("/mentoring/invitations/")
        token = path.split("/")[-2]
        mentorship = Mentorship.objects.get()
        assert mentorship.learner == learner
        assert mentorship.mentor is None
        assert mentorship.initiated_by == Mentorship.Initiator.LEARNER
        assert mentorship.status == Mentorship.Status.PENDING
        assert mentorship.invited_email == "mentor@example.com"
        assert mentorship.message == "Would you?"
        assert mentorship.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in mentorship.token_hash

    def test_the_link_uses_the_sites_public_address(
        self, client, learner, settings, django_capture_on_commit_callbacks
    ):
        settings.SITE_URL = "https://waymark.example.com/"
        client.force_login(learner)

        with django_capture_on_commit_callbacks(execute=True):
            client.post(INVITE, {"email": "mentor@example.com"})

        assert (
            "https://waymark.example.com/mentoring/invitations/" in delivered()[0].body
        )

    def test_a_rolled_back_invitation_queues_nothing(self, learner, monkeypatch):
        from django.db import transaction

        from mentoring import consent
        from mentoring.forms import InviteMentorForm

        form = InviteMentorForm({"email": "mentor@example.com"}, user=learner)
        with pytest.raises(RuntimeError), transaction.atomic():
            consent.invite_by_email(learner, form)
            raise RuntimeError("the change fails after the invitation was written")

        assert not Message.objects.exists()
        assert not DBTaskResult.objects.exists()
        assert delivered() == []

    def test_a_withdrawn_invitation_is_not_sent_by_a_late_task(self, client, learner):
        client.force_login(learner)
        client.post(INVITE, {"email": "mentor@example.com"})
        Mentorship.objects.update(status=Mentorship.Status.ENDED)

        assert delivered() == []
        assert Message.objects.get().status == Message.Status.CANCELLED

    def test_it_says_the_invitation_is_on_its_way(self, client, learner):
        client.force_login(learner)

        response = client.post(INVITE, {"email": "mentor@example.com"}, follow=True)

        assert "Your invitation is on its way to mentor@example.com" in body_of(
            response
        )

    def test_inviting_an_address_with_an_account_leaves_the_mentor_empty(
        self, client, learner, other_learner
    ):
        client.force_login(learner)

        client.post(INVITE, {"email": other_learner.email})

        mentorship = Mentorship.objects.get()
        assert mentorship.mentor is None
        assert mentorship.invited_email == other_learner.email

    def test_the_invitee_signs_in_opens_the_link_and_accepts(
        self, client, learner, other_learner, django_capture_on_commit_callbacks
    ):
        learner.display_name = "Ada Learner"
        learner.save()
        client.force_login(learner)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(INVITE, {"email": "someone@example.com", "message": "Hi!"})
        path = link_in_last_email("/mentoring/invitations/")
        client.logout()

        client.force_login(other_learner)
        page = open_invitation(client, path)

        body = body_of(page)
        assert page.status_code == 200
        assert "<strong>Ada Learner</strong>" in body
        assert "(learner)" in body
        assert "Hi!" in body
        assert 'action="/mentoring/invitation/accept/"' in body
        assert 'action="/mentoring/invitation/decline/"' in body
        assert path not in body  # the page shows no token
        assert (
            "no-store" in page["Cache-Control"] or "no-cache" in page["Cache-Control"]
        )

        response = answer_invitation(client, path, "accept")

        assert response.status_code == 302
        assert response["Location"] == HUB
        mentorship = Mentorship.objects.get()
        assert mentorship.status == Mentorship.Status.ACTIVE
        assert mentorship.mentor == other_learner
        assert mentorship.responded_at is not None
        assert "You now mentor Ada Learner" in body_of(client.get(HUB))

    def test_the_invitee_can_decline(self, client, learner, other_learner):
        mentorship, path = self.emailed_invitation(client, learner)
        client.force_login(other_learner)

        response = answer_invitation(client, path, "decline", follow=True)

        assert "You declined learner" in body_of(response)
        mentorship.refresh_from_db()
        assert mentorship.status == Mentorship.Status.DECLINED
        assert mentorship.mentor is None
        assert mentorship.responded_at is not None
        assert open_invitation(client, path).status_code == 404

    def test_opened_from_another_account_it_says_which_account_accepts(
        self, client, learner, other_learner
    ):
        _mentorship, path = self.emailed_invitation(client, learner)
        client.force_login(other_learner)

        body = body_of(open_invitation(client, path))

        assert "This invitation was sent to someone@example.com" in body
        assert "You are signed in as <strong>other</strong>" in body

    def test_opened_by_the_invited_address_it_says_nothing_more(
        self, client, learner, other_learner
    ):
        mentorship, path = self.emailed_invitation(client, learner)
        mentorship.invited_email = "other@example.com"
        mentorship.save()
        client.force_login(other_learner)

        body = body_of(open_invitation(client, path))

        assert "This invitation was sent to" not in body

    @staticmethod
    def emailed_invitation(client, learner):
        client.force_login(learner)
        client.post(INVITE, {"email": "someone@example.com"})
        client.logout()
        mentorship = Mentorship.objects.get()
        token = "token-for-the-test"
        mentorship.token_hash = Mentorship.hash_token(token)
        mentorship.save()
        return mentorship, reverse("mentoring_invitation", args=[token])


@pytest.mark.django_db
class TestInviteFormErrors:
    def assert_refused(self, response, field: str, text: str) -> None:
        assert response.status_code == 400
        body = body_of(response)
        tag = re.search(rf'<(?:input|textarea) [^>]*name="{field}"[^>]*>', body)
        assert 'aria-invalid="true"' in tag.group(0)
        assert f"invite_{field}_error" in tag.group(0)
        assert f'<ul class="errorlist" id="invite_{field}_error">' in body
        assert text in body
        assert Mentorship.objects.count() == 0
        assert delivered() == []

    def test_inviting_your_own_address_is_refused(self, client, learner):
        client.force_login(learner)

        response = client.post(INVITE, {"email": "LEARNER@example.com"})

        self.assert_refused(response, "email", "you can&#x27;t mentor yourself")

    def test_inviting_another_of_your_own_addresses_is_refused(self, client, learner):
        from allauth.account.models import EmailAddress

        EmailAddress.objects.create(
            user=learner, email="second@example.com", verified=False
        )
        client.force_login(learner)

        response = client.post(INVITE, {"email": "second@example.com"})

        self.assert_refused(response, "email", "That is your own address")

    def test_a_bad_address_is_refused(self, client, learner):
        client.force_login(learner)

        response = client.post(INVITE, {"email": "not-an-address"})

        self.assert_refused(response, "email", "Enter a valid email address.")

    def test_an_empty_address_is_refused(self, client, learner):
        client.force_login(learner)

        response = client.post(INVITE, {"email": ""})

        self.assert_refused(response, "email", "This field is required.")

    def test_a_message_over_1000_characters_is_refused(self, client, learner):
        client.force_login(learner)

        response = client.post(
            INVITE, {"email": "mentor@example.com", "message": "x" * 1001}
        )

        self.assert_refused(response, "message", "at most 1000 characters")

    def test_the_same_address_cannot_be_invited_twice_while_pending(
        self, client, learner
    ):
        client.force_login(learner)
        client.post(INVITE, {"email": "mentor@example.com"})

        response = client.post(INVITE, {"email": "Mentor@example.com"})

        assert response.status_code == 400
        assert "already invited this address" in body_of(response)
        assert Mentorship.objects.count() == 1

    def test_the_error_page_keeps_the_typed_values_and_the_way_back(
        self, client, learner
    ):
        client.force_login(learner)

        response = client.post(
            INVITE,
            {"email": "bad", "message": "Please", "next": "/dashboard/"},
        )

        body = body_of(response)
        assert "<h1>Invite a mentor</h1>" in body
        assert 'value="bad"' in body
        assert "Please</textarea>" in body
        assert '<input type="hidden" name="next" value="/dashboard/">' in body
        assert '<a href="/dashboard/">Back without sending</a>' in body


@pytest.mark.django_db
class TestInviteLinks:
    def test_a_link_is_created_without_an_address_and_shown_once(self, client, learner):
        client.force_login(learner)

        response = client.post(INVITE, {"kind": "link"})

        assert response.status_code == 302
        assert response["Location"] == reverse("mentoring_invite_link")
        page = client.get(response["Location"])
        body = body_of(page)
        match = re.search(r'/mentoring/invitations/([^"/]+)/', body)
        token = match.group(1)
        assert len(token) >= 43
        assert '<label for="invite-link">' in body
        assert "no-cache" in page["Cache-Control"]
        mentorship = Mentorship.objects.get()
        assert mentorship.invited_email == ""
        assert mentorship.mentor is None
        assert mentorship.token_hash == Mentorship.hash_token(token)
        assert consent_views.NEW_LINK_SESSION_KEY not in client.session

        again = client.get(reverse("mentoring_invite_link"), follow=True)

        assert token not in body_of(again)
        assert "shown only once" in body_of(again)
        assert delivered() == []

    def test_each_link_has_its_own_token(self, client, learner):
        client.force_login(learner)

        first = create_invite_link(client)
        second = create_invite_link(client)

        assert first != second
        assert Mentorship.objects.count() == 2

    def test_a_second_user_accepts_and_the_link_then_stops_working(
        self, client, learner, other_learner, third
    ):
        client.force_login(learner)
        path = create_invite_link(client)
        client.force_login(other_learner)

        response = answer_invitation(client, path, "accept")

        assert response.status_code == 302
        mentorship = Mentorship.objects.get()
        assert mentorship.status == Mentorship.Status.ACTIVE
        assert mentorship.mentor == other_learner

        for user in [other_learner, third]:
            client.force_login(user)
            page = open_invitation(client, path)
            assert page.status_code == 404
            assert "can no longer be used" in body_of(page)
            assert answer_invitation(client, path, "accept").status_code == 404
            assert answer_invitation(client, path, "decline").status_code == 404
        mentorship.refresh_from_db()
        assert mentorship.mentor == other_learner
        assert mentorship.status == Mentorship.Status.ACTIVE

    def test_an_unknown_token_gets_a_friendly_404(self, client, learner):
        client.force_login(learner)

        response = open_invitation(
            client, reverse("mentoring_invitation", args=["no-such-token"])
        )

        assert response.status_code == 404
        assert "Invitation not found" in body_of(response)
        assert f'href="{HUB}"' in body_of(response)

    def test_an_expired_link_says_it_expired_and_cannot_be_accepted(
        self, client, learner, other_learner
    ):
        client.force_login(learner)
        path = create_invite_link(client)
        Mentorship.objects.update(
            expires_at=timezone.now() - datetime.timedelta(minutes=1)
        )
        client.force_login(other_learner)

        page = open_invitation(client, path)

        assert page.status_code == 404
        assert "This invitation has expired" in body_of(page)
        assert answer_invitation(client, path, "accept").status_code == 404
        mentorship = Mentorship.objects.get()
        assert mentorship.status == Mentorship.Status.PENDING
        assert mentorship.mentor is None

    def test_a_withdrawn_link_no_longer_works(self, client, learner, other_learner):
        client.force_login(learner)
        path = create_invite_link(client)
        client.post(reverse("mentoring_end", args=[Mentorship.objects.get().pk]))
        client.force_login(other_learner)

        assert open_invitation(client, path).status_code == 404
        assert answer_invitation(client, path, "accept").status_code == 404

    def test_the_learner_opening_their_own_link_is_told_they_cannot_mentor_themselves(
        self, client, learner
    ):
        client.force_login(learner)
        path = create_invite_link(client)

        page = open_invitation(client, path)

        body = body_of(page)
        assert page.status_code == 200
        assert "You can't mentor yourself" in body
        assert "/mentoring/invitation/accept/" not in body
        response = answer_invitation(client, path, "accept", follow=True)
        assert "you can&#x27;t mentor yourself" in body_of(response)
        assert Mentorship.objects.get().status == Mentorship.Status.PENDING

    def test_the_learner_cannot_decline_their_own_link_either(self, client, learner):
        client.force_login(learner)
        path = create_invite_link(client)

        answer_invitation(client, path, "decline")

        assert Mentorship.objects.get().status == Mentorship.Status.PENDING

    def test_accepting_when_the_pair_already_has_an_active_mentorship_is_handled(
        self, client, learner, other_learner
    ):
        existing = make_mentorship(
            learner, other_learner, status=Mentorship.Status.ACTIVE
        )
        client.force_login(learner)
        path = create_invite_link(client)
        client.force_login(other_learner)

        page = open_invitation(client, path)
        assert "You already mentor learner" in body_of(page)
        assert "/mentoring/invitation/accept/" not in body_of(page)
        response = answer_invitation(client, path, "accept", follow=True)

        assert response.status_code == 200
        assert "You already mentor learner. Nothing changed." in body_of(response)
        assert Mentorship.objects.active().get() == existing
        link = Mentorship.objects.exclude(pk=existing.pk).get()
        assert link.status == Mentorship.Status.PENDING
        assert link.mentor is None

    def test_accepting_closes_a_pending_request_between_the_same_two_people(
        self, client, learner, other_learner
    ):
        request = make_mentorship(
            learner, other_learner, initiated_by=Mentorship.Initiator.MENTOR
        )
        client.force_login(learner)
        path = create_invite_link(client)
        client.force_login(other_learner)

        answer_invitation(client, path, "accept")

        request.refresh_from_db()
        assert request.status == Mentorship.Status.ENDED
        active = Mentorship.objects.active().get()
        assert active.mentor == other_learner
        assert active.pk != request.pk

    def test_the_invitation_page_goes_back_to_a_safe_next_only(
        self, client, learner, other_learner
    ):
        client.force_login(learner)
        path = create_invite_link(client)
        client.force_login(other_learner)

        response = answer_invitation(
            client, path, "accept", {"next": "https://evil.example/"}
        )

        assert response["Location"] == HUB


@pytest.mark.django_db
class TestRateLimit:
    def test_the_21st_invitation_of_the_day_is_refused_with_a_clear_message(
        self, client, learner
    ):
        client.force_login(learner)
        for number in range(mentoring.DAILY_LIMIT):
            kind = {"kind": "link"} if number % 2 else {}
            client.post(INVITE, {"email": f"m{number}@example.com", **kind})
        assert Mentorship.objects.count() == mentoring.DAILY_LIMIT

        response = client.post(INVITE, {"email": "one-more@example.com"})

        assert response.status_code == 429
        assert (
            "You have sent 20 invitations and requests in the last 24 hours, the "
            "most Waymark allows. Nothing was sent. You can send another from"
        ) in body_of(response)
        assert Mentorship.objects.count() == mentoring.DAILY_LIMIT
        link = client.post(INVITE, {"kind": "link"})
        assert link.status_code == 429
        assert "You can send another from" in body_of(link)
        assert Mentorship.objects.count() == mentoring.DAILY_LIMIT

    def test_the_allowance_is_per_person(
        self, client, learner, other_learner, monkeypatch
    ):
        monkeypatch.setattr(mentoring, "DAILY_LIMIT", 1)
        client.force_login(learner)
        client.post(INVITE, {"kind": "link"})
        client.post(INVITE, {"kind": "link"})
        client.force_login(other_learner)
        client.post(INVITE, {"kind": "link"})

        assert Mentorship.objects.filter(learner=learner).count() == 1
        assert Mentorship.objects.filter(learner=other_learner).count() == 1

    def test_invalid_forms_do_not_use_the_allowance(self, client, learner, monkeypatch):
        monkeypatch.setattr(mentoring, "DAILY_LIMIT", 1)
        client.force_login(learner)
        client.post(INVITE, {"email": "bad"})

        client.post(INVITE, {"email": "mentor@example.com"})

        assert Mentorship.objects.count() == 1
