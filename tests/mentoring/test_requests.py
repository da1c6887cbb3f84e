"""Mentors ask learners; answers from the list; either side ends; senders withdraw."""

import datetime
import re

import pytest
from allauth.account.models import EmailAddress
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from mentoring.models import Mentorship, get_visible_learner
from tests.accounts.helpers import make_mentorship
from tests.factories import UserFactory

REQUEST = reverse("mentoring_request")
HUB = reverse("mentoring")
SAME_MESSAGE = "If that person has a Waymark account, they will see your request"


def body_of(response) -> str:
    return response.content.decode()


def accept(pk: int) -> str:
    return reverse("mentoring_accept", args=[pk])


def decline(pk: int) -> str:
    return reverse("mentoring_decline", args=[pk])


def end(pk: int) -> str:
    return reverse("mentoring_end", args=[pk])


@pytest.fixture
def third(db):
    return UserFactory(username="third")


@pytest.fixture
def request_to_learner(learner, other_learner):
    """other_learner asked to mentor learner."""
    return make_mentorship(
        learner,
        other_learner,
        initiated_by=Mentorship.Initiator.MENTOR,
        message="I mentor backend people.",
    )


@pytest.fixture
def active(learner, other_learner):
    """other_learner mentors learner."""
    return make_mentorship(learner, other_learner, status=Mentorship.Status.ACTIVE)


def same_page_but_the_address(response, typed: str) -> str:
    """The page with what varies per response (CSRF tokens, CSP nonces, the new
    row's id in its withdraw button) and the typed address or name blanked."""
    page = body_of(response).replace(typed, "TYPED")
    page = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]+', r"\1CSRF", page)
    page = re.sub(r'("X-CSRFToken": ")[^"]+', r"\1CSRF", page)
    page = re.sub(r'nonce="[^"]+"', 'nonce="NONCE"', page)
    return re.sub(
        r"/mentoring/mentorships/\d+/end/", "/mentoring/mentorships/ID/end/", page
    )


@pytest.mark.django_db
class TestAskingToMentor:
    def test_a_request_by_username_is_kept_as_typed_and_reaches_its_holder(
        self, client, learner, other_learner
    ):
        client.force_login(other_learner)

        response = client.post(REQUEST, {"learner": "LEARNER", "message": "Hello"})

        assert response.status_code == 302
        assert response["Location"] == HUB
        mentorship = Mentorship.objects.get()
        assert mentorship.learner is None  # not resolved to an account when sent
        assert mentorship.invited_username == "learner"
        assert mentorship.invited_email == ""
        assert mentorship.mentor == other_learner
        assert mentorship.initiated_by == Mentorship.Initiator.MENTOR
        assert mentorship.status == Mentorship.Status.PENDING
        assert mentorship.message == "Hello"
        assert mentorship.token_hash == ""
        client.force_login(learner)
        hub = body_of(client.get(HUB))
        assert "Asks to mentor you" in hub
        assert "Hello" in hub

    def test_a_request_by_email_reaches_the_verified_holder_who_accepts(
        self, client, learner, other_learner
    ):
        client.force_login(other_learner)
        client.post(REQUEST, {"learner": "Learner@Example.com"})
        mentorship = Mentorship.objects.get()
        assert mentorship.invited_email == "learner@example.com"
        assert mentorship.learner is None
        client.force_login(learner)
        hub = body_of(client.get(HUB))
        assert "Sent to learner@example.com" in hub

        response = client.post(accept(mentorship.pk), {"next": HUB}, follow=True)

        assert "is now your mentor and can see your progress" in body_of(response)
        mentorship.refresh_from_db()
        assert mentorship.status == Mentorship.Status.ACTIVE
        assert mentorship.learner == learner
        assert mentorship.mentor == other_learner
        assert get_visible_learner_for(other_learner, learner) == learner

    @pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
    @pytest.mark.parametrize(
        "known, unknown",
        [
            ("zed-holder", "zed-nobody"),
            ("zed.holder@example.com", "zed.nobody@example.com"),
        ],
        ids=["username", "email"],
    )
    def test_the_sender_sees_the_same_page_for_a_known_and_an_unknown_address(
        self, client, other_learner, clock, known, unknown, htmx
    ):
        UserFactory(
            username="zed-holder",
            email="zed.holder@example.com",
            display_name="Zed Private Name",
        )
        client.force_login(other_learner)
        headers = {"HX-Request": "true"} if htmx else {}
        pages = {}
        chains = {}
        for typed in (known, unknown):
            # Each send from the same starting point: the first is undone.
            with transaction.atomic():
                response = client.post(
                    REQUEST,
                    {"learner": typed, "message": "May I?", "next": HUB},
                    headers=headers,
                    follow=True,
                )
                assert response.status_code == 200
                assert f"Request to mentor {typed}</h3>" in body_of(response)
                assert Mentorship.objects.count() == 1
                pages[typed] = same_page_but_the_address(response, typed)
                chains[typed] = response.redirect_chain
                transaction.set_rollback(True)

        assert pages[known] == pages[unknown]
        assert chains[known] == chains[unknown] == [(HUB, 302)]
        assert "Zed Private Name" not in pages[known]
        assert SAME_MESSAGE in pages[known]

    def test_an_unverified_address_gets_nothing_and_the_sender_sees_the_same(
        self, client, learner, other_learner
    ):
        EmailAddress.objects.create(
            user=learner, email="unverified@example.com", verified=False
        )
        client.force_login(other_learner)

        response = client.post(
            REQUEST, {"learner": "unverified@example.com"}, follow=True
        )

        assert SAME_MESSAGE in body_of(response)
        assert "Request to mentor unverified@example.com" in body_of(response)
        assert list(Mentorship.objects.awaiting_answer_from(learner)) == []
        client.force_login(learner)
        assert "Asks to mentor you" not in body_of(client.get(HUB))

    def test_a_request_to_nobody_expires_like_an_invitation(
        self, client, other_learner, clock, settings
    ):
        client.force_login(other_learner)
        client.post(REQUEST, {"learner": "nobody@example.com"})
        assert "Request to mentor nobody@example.com" in body_of(client.get(HUB))

        clock.advance(days=settings.MENTORING_INVITATION_DAYS, seconds=1)

        assert "Request to mentor nobody@example.com" not in body_of(client.get(HUB))
        assert Mentorship.objects.pending().count() == 0

    @pytest.mark.parametrize("typed", ["learner", "nobody", "Nobody@Example.com"])
    def test_asking_the_same_address_twice_is_refused_the_same_way_for_anyone(
        self, client, learner, other_learner, typed
    ):
        client.force_login(other_learner)
        client.post(REQUEST, {"learner": typed})

        response = client.post(REQUEST, {"learner": typed.upper()})

        assert response.status_code == 400
        assert "You have already sent a request to " in body_of(response)
        assert "still waiting for an answer" in body_of(response)
        assert Mentorship.objects.count() == 1

    def test_asking_an_active_mentee_again_looks_like_any_request(
        self, client, active, learner, other_learner
    ):
        client.force_login(other_learner)

        response = client.post(REQUEST, {"learner": "learner"}, follow=True)

        assert SAME_MESSAGE in body_of(response)
        assert "Request to mentor learner" in body_of(response)
        client.force_login(learner)
        request = Mentorship.objects.pending().get()
        answer = client.post(accept(request.pk), follow=True)
        assert "is already your mentor. Nothing changed." in body_of(answer)
        assert Mentorship.objects.active().get() == active

    @pytest.mark.parametrize("name", ["other", "OTHER", "other@example.com"])
    def test_asking_to_mentor_yourself_is_refused(self, client, other_learner, name):
        client.force_login(other_learner)

        response = client.post(REQUEST, {"learner": name})

        assert response.status_code == 400
        body = body_of(response)
        assert "<h1>Offer to mentor someone</h1>" in body
        assert "you can&#x27;t mentor yourself" in body
        assert 'aria-describedby="request_learner_helptext request_learner_error"' in (
            body
        )
        assert Mentorship.objects.count() == 0

    def test_an_empty_name_or_a_long_message_is_refused(self, client, other_learner):
        client.force_login(other_learner)

        empty = client.post(REQUEST, {"learner": ""})
        long = client.post(REQUEST, {"learner": "learner", "message": "x" * 1001})

        assert empty.status_code == long.status_code == 400
        assert "This field is required." in body_of(empty)
        assert "at most 1000 characters" in body_of(long)
        assert Mentorship.objects.count() == 0

    @pytest.mark.parametrize(
        "typed, error",
        [
            ("not an address@", "Enter a valid email address, or a username."),
            ("two words", "A username has only letters, digits"),
            ("x" * 151, "That is longer than any username."),
        ],
    )
    def test_a_value_that_is_neither_an_address_nor_a_username_is_refused(
        self, client, other_learner, typed, error
    ):
        client.force_login(other_learner)

        response = client.post(REQUEST, {"learner": typed})

        assert response.status_code == 400
        assert error in body_of(response)
        assert Mentorship.objects.count() == 0

    def test_requests_to_nobody_use_the_daily_allowance_too(
        self, client, other_learner, learner, monkeypatch
    ):
        from mentoring import consent as mentoring

        monkeypatch.setattr(mentoring, "DAILY_LIMIT", 2)
        client.force_login(other_learner)
        client.post(REQUEST, {"learner": "nobody"})
        client.post(REQUEST, {"learner": "nobody-else"})

        response = client.post(REQUEST, {"learner": "learner", "message": "Hi"})

        assert response.status_code == 429
        assert "You have sent 2 invitations and requests in the last 24 hours" in (
            body_of(response)
        )
        assert 'value="learner"' in body_of(response)  # what was typed is kept
        assert Mentorship.objects.count() == 2
        assert not Mentorship.objects.filter(invited_username="learner").exists()


def get_visible_learner_for(mentor, learner):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = mentor
    return get_visible_learner(request, learner.username)


@pytest.mark.django_db
class TestAnsweringARequest:
    def test_the_learner_sees_the_request_on_the_hub_and_accepts(
        self, client, learner, other_learner, request_to_learner
    ):
        other_learner.display_name = "Maya Mentor"
        other_learner.save()
        client.force_login(learner)
        body = body_of(client.get(HUB))
        assert "Maya Mentor" in body
        assert "I mentor backend people." in body
        assert f'action="{accept(request_to_learner.pk)}"' in body
        assert (
            'Accept<span class="visually-hidden"> Maya Mentor as your mentor</span>'
            in body
        )

        response = client.post(accept(request_to_learner.pk), {"next": HUB})

        assert response["Location"] == HUB
        request_to_learner.refresh_from_db()
        assert request_to_learner.status == Mentorship.Status.ACTIVE
        assert request_to_learner.mentor == other_learner
        assert request_to_learner.responded_at is not None
        assert "Maya Mentor is now your mentor" in body_of(client.get(HUB))

    def test_the_learner_declines(self, client, learner, request_to_learner):
        client.force_login(learner)

        response = client.post(decline(request_to_learner.pk), follow=True)

        assert "You declined other&#x27;s request to mentor you." in body_of(response)
        request_to_learner.refresh_from_db()
        assert request_to_learner.status == Mentorship.Status.DECLINED

    def test_the_mentor_cannot_accept_their_own_request(
        self, client, other_learner, request_to_learner
    ):
        client.force_login(other_learner)

        assert client.post(accept(request_to_learner.pk)).status_code == 404
        assert client.post(decline(request_to_learner.pk)).status_code == 404
        request_to_learner.refresh_from_db()
        assert request_to_learner.status == Mentorship.Status.PENDING

    @pytest.mark.parametrize("who", ["third", "curator"])
    def test_anyone_else_gets_404(self, client, request, request_to_learner, who):
        client.force_login(request.getfixturevalue(who))

        assert client.post(accept(request_to_learner.pk)).status_code == 404
        assert client.post(decline(request_to_learner.pk)).status_code == 404
        assert client.post(end(request_to_learner.pk)).status_code == 404
        request_to_learner.refresh_from_db()
        assert request_to_learner.status == Mentorship.Status.PENDING

    def test_an_expired_request_cannot_be_accepted(
        self, client, learner, request_to_learner
    ):
        Mentorship.objects.update(
            expires_at=timezone.now() - datetime.timedelta(seconds=1)
        )
        client.force_login(learner)

        response = client.post(accept(request_to_learner.pk), follow=True)

        assert "This expired on" in body_of(response)
        assert "nothing changed" in body_of(response)
        request_to_learner.refresh_from_db()
        assert request_to_learner.status == Mentorship.Status.PENDING
        assert request_to_learner.responded_at is None
        client.post(decline(request_to_learner.pk))
        request_to_learner.refresh_from_db()
        assert request_to_learner.status == Mentorship.Status.PENDING

    def test_an_answered_request_cannot_be_answered_again(
        self, client, learner, request_to_learner
    ):
        client.force_login(learner)
        client.post(decline(request_to_learner.pk))

        assert client.post(accept(request_to_learner.pk)).status_code == 404
        request_to_learner.refresh_from_db()
        assert request_to_learner.status == Mentorship.Status.DECLINED


@pytest.mark.django_db
class TestAnsweringAnEmailInvitationFromTheList:
    @pytest.fixture
    def invitation(self, learner):
        return make_mentorship(
            learner, invited_email="other@example.com", token_hash="x" * 64
        )

    def test_the_verified_owner_of_the_address_accepts_without_the_token(
        self, client, other_learner, invitation
    ):
        client.force_login(other_learner)
        assert f'action="{accept(invitation.pk)}"' in body_of(client.get(HUB))

        client.post(accept(invitation.pk))

        invitation.refresh_from_db()
        assert invitation.status == Mentorship.Status.ACTIVE
        assert invitation.mentor == other_learner

    def test_an_address_in_other_case_matches(self, client, learner, third):
        EmailAddress.objects.create(
            user=third, email="Mixed.Case@Example.com", verified=True
        )
        invitation = make_mentorship(learner, invited_email="mixed.case@example.com")
        client.force_login(third)

        client.post(accept(invitation.pk))

        invitation.refresh_from_db()
        assert invitation.mentor == third

    def test_the_verified_owner_can_decline(self, client, other_learner, invitation):
        client.force_login(other_learner)

        client.post(decline(invitation.pk))

        invitation.refresh_from_db()
        assert invitation.status == Mentorship.Status.DECLINED

    def test_an_unverified_owner_of_the_address_gets_404(self, client, learner, third):
        EmailAddress.objects.create(
            user=third, email="third-alt@example.com", verified=False
        )
        invitation = make_mentorship(learner, invited_email="third-alt@example.com")
        client.force_login(third)

        assert client.post(accept(invitation.pk)).status_code == 404
        assert client.post(decline(invitation.pk)).status_code == 404
        assert "third-alt@example.com" not in body_of(client.get(HUB))

    def test_someone_else_and_the_learner_get_404(
        self, client, learner, third, invitation
    ):
        for user in [learner, third]:
            client.force_login(user)
            assert client.post(accept(invitation.pk)).status_code == 404
            assert client.post(decline(invitation.pk)).status_code == 404
        invitation.refresh_from_db()
        assert invitation.status == Mentorship.Status.PENDING

    def test_a_link_invitation_cannot_be_answered_from_the_list(
        self, client, learner, other_learner
    ):
        link = make_mentorship(learner, token_hash="y" * 64)
        for user in [learner, other_learner]:
            client.force_login(user)
            assert client.post(accept(link.pk)).status_code == 404

    def test_an_expired_invitation_cannot_be_accepted(
        self, client, other_learner, invitation
    ):
        Mentorship.objects.update(
            expires_at=timezone.now() - datetime.timedelta(days=1)
        )
        client.force_login(other_learner)

        response = client.post(accept(invitation.pk), follow=True)

        assert "This expired on" in body_of(response)
        invitation.refresh_from_db()
        assert invitation.status == Mentorship.Status.PENDING
        assert invitation.mentor is None

    def test_accepting_when_already_mentoring_the_learner_is_handled(
        self, client, learner, other_learner, invitation, active
    ):
        client.force_login(other_learner)

        response = client.post(accept(invitation.pk), follow=True)

        assert response.status_code == 200
        assert "You already mentor learner" in body_of(response)
        invitation.refresh_from_db()
        assert invitation.status == Mentorship.Status.PENDING
        assert Mentorship.objects.active().get() == active


@pytest.mark.django_db
class TestEnding:
    def test_the_learner_ends_and_the_mentor_loses_access_at_once(
        self, client, rf, learner, other_learner, active
    ):
        client.force_login(learner)

        response = client.post(end(active.pk), follow=True)

        assert "other is no longer your mentor" in body_of(response)
        active.refresh_from_db()
        assert active.status == Mentorship.Status.ENDED
        assert active.ended_by == learner
        assert active.ended_at is not None
        request = rf.get("/")
        request.user = other_learner
        with pytest.raises(Exception, match="No such mentee"):
            get_visible_learner(request, "learner")

    def test_the_mentor_ends(self, client, learner, other_learner, active):
        client.force_login(other_learner)

        response = client.post(end(active.pk), follow=True)

        assert "You no longer mentor learner." in body_of(response)
        active.refresh_from_db()
        assert active.status == Mentorship.Status.ENDED
        assert active.ended_by == other_learner

    def test_the_hub_offers_both_sides_an_end_button_naming_the_other(
        self, client, learner, other_learner, active
    ):
        client.force_login(learner)
        body = body_of(client.get(HUB))
        assert f'action="{end(active.pk)}"' in body
        assert 'End mentorship<span class="visually-hidden"> with other</span>' in body

        client.force_login(other_learner)
        body = body_of(client.get(HUB))
        assert f'action="{end(active.pk)}"' in body
        assert 'Stop mentoring<span class="visually-hidden"> learner</span>' in body

    @pytest.mark.parametrize("who", ["third", "curator"])
    def test_anyone_else_cannot_end_it(self, client, request, active, who):
        client.force_login(request.getfixturevalue(who))

        assert client.post(end(active.pk)).status_code == 404
        active.refresh_from_db()
        assert active.status == Mentorship.Status.ACTIVE

    def test_an_ended_mentorship_cannot_be_ended_again(self, client, learner, active):
        client.force_login(learner)
        client.post(end(active.pk))

        assert client.post(end(active.pk)).status_code == 404

    def test_a_declined_one_cannot_be_ended(self, client, learner, other_learner):
        declined = make_mentorship(
            learner, other_learner, status=Mentorship.Status.DECLINED
        )
        for user in [learner, other_learner]:
            client.force_login(user)
            assert client.post(end(declined.pk)).status_code == 404

    def test_the_mentor_withdraws_a_pending_request(
        self, client, other_learner, request_to_learner
    ):
        client.force_login(other_learner)

        response = client.post(end(request_to_learner.pk), follow=True)

        assert "Your request is withdrawn." in body_of(response)
        request_to_learner.refresh_from_db()
        assert request_to_learner.status == Mentorship.Status.ENDED
        assert request_to_learner.ended_by == other_learner

    def test_the_learner_withdraws_a_pending_invitation(self, client, learner):
        invitation = make_mentorship(learner, invited_email="someone@example.com")
        client.force_login(learner)

        response = client.post(end(invitation.pk), follow=True)

        assert "Your invitation is withdrawn." in body_of(response)
        invitation.refresh_from_db()
        assert invitation.status == Mentorship.Status.ENDED

    def test_the_one_who_must_answer_cannot_withdraw_instead(
        self, client, learner, request_to_learner
    ):
        client.force_login(learner)

        assert client.post(end(request_to_learner.pk)).status_code == 404
        request_to_learner.refresh_from_db()
        assert request_to_learner.status == Mentorship.Status.PENDING

    def test_it_goes_back_to_a_local_next_only(self, client, learner, active):
        client.force_login(learner)

        response = client.post(end(active.pk), {"next": "/dashboard/"})
        assert response["Location"] == "/dashboard/"

        other = make_mentorship(learner, invited_email="x@example.com")
        response = client.post(end(other.pk), {"next": "//evil.example/"})
        assert response["Location"] == HUB
