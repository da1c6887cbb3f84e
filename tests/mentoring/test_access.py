"""Who sees whom, what the hub is given, and the guards every mentoring view has."""

import logging

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse

from mentoring.consent import mentoring_context
from mentoring.models import Mentorship, get_visible_learner
from tests.accounts.helpers import (
    answer_invitation,
    create_invite_link,
    make_mentorship,
    open_invitation,
)
from tests.accounts.test_csp import assert_accessible_structure, assert_no_inline_code
from tests.factories import PASSWORD, UserFactory

POST_ONLY = [
    ("mentoring_invite", []),
    ("mentoring_request", []),
    ("mentoring_accept", [1]),
    ("mentoring_decline", [1]),
    ("mentoring_end", [1]),
    ("mentoring_invitation_accept", []),
    ("mentoring_invitation_decline", []),
]
GET_ONLY = [
    ("mentoring_invitation_page", []),
    ("mentoring_invite_link", []),
]


def visible(rf, user, username: str):
    request = rf.get("/")
    request.user = user
    return get_visible_learner(request, username)


@pytest.mark.django_db
class TestGetVisibleLearner:
    def test_an_active_mentor_sees_the_learner(self, rf, learner, other_learner):
        make_mentorship(learner, other_learner, status=Mentorship.Status.ACTIVE)

        assert visible(rf, other_learner, "learner") == learner

    @pytest.mark.parametrize(
        "status",
        [
            Mentorship.Status.PENDING,
            Mentorship.Status.DECLINED,
            Mentorship.Status.ENDED,
        ],
    )
    def test_without_an_active_mentorship_it_is_404(
        self, rf, learner, other_learner, status
    ):
        make_mentorship(learner, other_learner, status=status)

        with pytest.raises(Http404):
            visible(rf, other_learner, "learner")

    def test_other_users_anonymous_and_the_learner_get_404(
        self, rf, learner, other_learner, curator
    ):
        make_mentorship(learner, other_learner, status=Mentorship.Status.ACTIVE)

        for user in [curator, AnonymousUser(), learner]:
            with pytest.raises(Http404):
                visible(rf, user, "learner")

    def test_the_learner_is_not_a_mentee_of_their_mentees(
        self, rf, learner, other_learner
    ):
        make_mentorship(learner, other_learner, status=Mentorship.Status.ACTIVE)

        with pytest.raises(Http404):
            visible(rf, learner, "other")

    def test_a_deactivated_learner_is_404(self, rf, learner, other_learner):
        make_mentorship(learner, other_learner, status=Mentorship.Status.ACTIVE)
        learner.is_active = False
        learner.save()

        with pytest.raises(Http404):
            visible(rf, other_learner, "learner")


@pytest.mark.django_db
class TestMentoringContext:
    def test_it_holds_what_waits_for_me_what_i_sent_and_my_mentors(
        self, learner, other_learner, curator
    ):
        from datetime import timedelta

        from django.utils import timezone

        third = UserFactory(username="third")
        asked_me = make_mentorship(
            learner, other_learner, initiated_by=Mentorship.Initiator.MENTOR
        )
        invited_me = make_mentorship(third, invited_email="learner@example.com")
        make_mentorship(third, token_hash="z" * 64)  # a link: only by token
        make_mentorship(
            curator,
            invited_email="learner@example.com",
            expires_at=timezone.now() - timedelta(seconds=1),
        )
        make_mentorship(
            third,
            learner,
            initiated_by=Mentorship.Initiator.MENTOR,
            status=Mentorship.Status.DECLINED,
        )
        my_invite = make_mentorship(learner, invited_email="someone@example.com")
        my_request = make_mentorship(
            curator, learner, initiated_by=Mentorship.Initiator.MENTOR
        )
        my_mentor = make_mentorship(learner, third, status=Mentorship.Status.ACTIVE)
        make_mentorship(
            learner, curator, status=Mentorship.Status.ENDED
        )  # ended: nowhere
        my_mentee = make_mentorship(
            other_learner,
            learner,
            status=Mentorship.Status.ACTIVE,
            initiated_by=Mentorship.Initiator.MENTOR,
        )

        context = mentoring_context(learner)

        assert set(context) == {
            "invitations_for_me",
            "sent_by_me",
            "my_mentors",
            "my_mentees",
            "invite_form",
            "request_form",
        }
        assert {m.pk for m in context["invitations_for_me"]} == {
            asked_me.pk,
            invited_me.pk,
        }
        assert {m.pk for m in context["sent_by_me"]} == {my_invite.pk, my_request.pk}
        assert [m.pk for m in context["my_mentors"]] == [my_mentor.pk]
        assert [m.pk for m in context["my_mentees"]] == [my_mentee.pk]
        assert not context["invite_form"].is_bound
        assert not context["request_form"].is_bound

    def test_each_list_keeps_its_order(self, learner):
        """Pending rows newest first, mentors and mentees by when they began."""
        from datetime import timedelta

        from django.utils import timezone

        now = timezone.now()
        people = [UserFactory(username=f"person{index}") for index in range(4)]
        waiting, sent, mentors, mentees = [], [], [], []
        for index, age in enumerate([3, 1, 2]):
            created = now - timedelta(hours=age)
            asked = make_mentorship(
                learner, people[index], initiated_by=Mentorship.Initiator.MENTOR
            )
            mine = make_mentorship(learner, invited_email=f"x{index}@example.com")
            mentor = make_mentorship(
                learner,
                UserFactory(username=f"mentor{index}"),
                status=Mentorship.Status.ACTIVE,
                responded_at=created,
            )
            mentee = make_mentorship(
                UserFactory(username=f"mentee{index}"),
                learner,
                status=Mentorship.Status.ACTIVE,
                responded_at=created,
            )
            Mentorship.objects.filter(pk__in=[asked.pk, mine.pk]).update(
                created_at=created
            )
            waiting.append((created, asked.pk))
            sent.append((created, mine.pk))
            mentors.append((created, mentor.pk))
            mentees.append((created, mentee.pk))

        context = mentoring_context(learner)

        def pks(rows, newest_first):
            return [pk for _, pk in sorted(rows, reverse=newest_first)]

        assert [m.pk for m in context["invitations_for_me"]] == pks(waiting, True)
        assert [m.pk for m in context["sent_by_me"]] == pks(sent, True)
        assert [m.pk for m in context["my_mentors"]] == pks(mentors, False)
        assert [m.pk for m in context["my_mentees"]] == pks(mentees, False)

    def test_an_unverified_address_gets_no_invitations(self, learner, other_learner):
        EmailAddress.objects.filter(user=other_learner).update(verified=False)
        make_mentorship(learner, invited_email="other@example.com")

        assert mentoring_context(other_learner)["invitations_for_me"] == []

    def test_my_own_invitation_to_my_own_address_is_not_for_me(self, learner):
        make_mentorship(learner, invited_email="learner@example.com")

        assert mentoring_context(learner)["invitations_for_me"] == []

    @pytest.mark.parametrize("size", [1, 10])
    def test_it_and_its_template_run_a_fixed_number_of_queries(
        self, rf, learner, size, django_assert_num_queries
    ):
        for index in range(size):
            person = UserFactory(username=f"person{index}")
            make_mentorship(
                learner, person, initiated_by=Mentorship.Initiator.MENTOR
            )  # asks me
            make_mentorship(
                UserFactory(username=f"inviter{index}"),
                invited_email="learner@example.com",
            )  # invites me
            make_mentorship(learner, invited_email=f"x{index}@example.com")  # sent
            make_mentorship(
                learner,
                UserFactory(username=f"mentor{index}"),
                status=Mentorship.Status.ACTIVE,
            )
            make_mentorship(
                UserFactory(username=f"mentee{index}"),
                learner,
                status=Mentorship.Status.ACTIVE,
            )
        request = rf.get("/mentoring/")
        request.user = learner

        # The mentees, and everything else the page lists.
        with django_assert_num_queries(2):
            context = mentoring_context(learner)
            html = render_to_string(
                "mentoring/_mentorships.html", context, request=request
            )

        assert len(context["invitations_for_me"]) == 2 * size
        assert len(context["sent_by_me"]) == size
        assert html.count('<li class="card">') == 5 * size


@pytest.mark.django_db
class TestGuards:
    @pytest.mark.parametrize(("name", "args"), POST_ONLY)
    def test_post_endpoints_refuse_get(self, client, learner, name, args):
        client.force_login(learner)

        assert client.get(reverse(name, args=args)).status_code == 405

    @pytest.mark.parametrize(("name", "args"), GET_ONLY)
    def test_pages_refuse_post(self, client, learner, name, args):
        client.force_login(learner)

        assert client.post(reverse(name, args=args)).status_code == 405

    @pytest.mark.parametrize(("name", "args"), POST_ONLY + GET_ONLY)
    def test_anonymous_visitors_are_sent_to_sign_in(self, client, db, name, args):
        url = reverse(name, args=args)
        method = client.get if (name, args) in GET_ONLY else client.post

        response = method(url)

        assert response.status_code == 302
        assert response["Location"] == f"{reverse('account_login')}?next={url}"

    def test_anonymous_posts_create_nothing(self, client, learner):
        client.post(reverse("mentoring_invite"), {"kind": "link"})
        client.post(reverse("mentoring_request"), {"learner": "learner"})

        assert Mentorship.objects.count() == 0

    def test_the_link_refuses_post(self, client, learner):
        client.force_login(learner)
        url = reverse("mentoring_invitation", args=["some-token"])

        assert client.post(url).status_code == 405

    def test_an_invitation_link_survives_signing_in(self, client, learner, other):
        client.force_login(learner)
        path = create_invite_link(client)
        client.logout()

        response = client.get(path, follow=True)

        page = reverse("mentoring_invitation_page")
        login = f"{reverse('account_login')}?next={page}"
        assert response.redirect_chain == [(page, 302), (login, 302)]
        # The sign-in form posts back to its own address, ?next= included.
        signed_in = client.post(login, {"login": "other", "password": PASSWORD})
        assert signed_in["Location"] == page
        assert "invites you to be their mentor" in client.get(page).content.decode()


@pytest.fixture
def other(other_learner):
    return other_learner


@pytest.mark.django_db
class TestPagesPolicy:
    """Every mentoring page keeps the strict CSP and an accessible structure."""

    def test_the_hub_with_every_section(self, client, learner, other_learner):
        third = UserFactory(username="third")
        make_mentorship(learner, other_learner, initiated_by="mentor")
        make_mentorship(third, invited_email="learner@example.com", message="Hi")
        make_mentorship(learner, invited_email="x@example.com")
        make_mentorship(learner, third, status=Mentorship.Status.ACTIVE)
        make_mentorship(
            UserFactory(username="fourth"), learner, status=Mentorship.Status.ACTIVE
        )
        client.force_login(learner)

        response = client.get(reverse("mentoring"))

        assert_no_inline_code(response)
        assert_accessible_structure(response)
        body = response.content.decode()
        for title in [
            "Waiting for your answer",
            "Your mentors",
            "People you mentor",
            "Sent, waiting for an answer",
            "Invite a mentor",
            "Offer to mentor someone",
        ]:
            assert f">{title}</h2>" in body, title
        assert 'name="kind" value="link"' in body
        assert body.count('<input type="hidden" name="next" value="/mentoring/">') >= 7

    def test_the_link_page_and_the_invitation_page(
        self, client, learner, other_learner
    ):
        client.force_login(learner)
        response = client.post(reverse("mentoring_invite"), {"kind": "link"})
        page = client.get(response["Location"])
        assert_no_inline_code(page)
        assert_accessible_structure(page)
        path = create_invite_link(client)

        client.force_login(other_learner)
        page = open_invitation(client, path)

        assert_no_inline_code(page)
        assert_accessible_structure(page)
        client.force_login(learner)
        assert_no_inline_code(open_invitation(client, path))

    def test_the_unavailable_and_error_pages(self, client, learner):
        client.force_login(learner)

        missing = open_invitation(
            client, reverse("mentoring_invitation", args=["nope"])
        )
        invite = client.post(reverse("mentoring_invite"), {"email": "bad"})
        ask = client.post(reverse("mentoring_request"), {"learner": ""})

        assert_no_inline_code(missing, status=404)
        assert_no_inline_code(invite, status=400)
        assert_no_inline_code(ask, status=400)
        for response in [missing, invite, ask]:
            assert_accessible_structure(response)


@pytest.mark.django_db
class TestAuditLog:
    def test_each_change_is_logged_without_message_bodies(
        self, client, learner, other_learner, caplog
    ):
        caplog.set_level(logging.INFO, logger="waymark.audit")
        client.force_login(learner)
        client.post(
            reverse("mentoring_invite"),
            {"email": "m@example.com", "message": "Secret words"},
        )
        path = create_invite_link(client)
        client.force_login(other_learner)
        answer_invitation(client, path, "accept")
        third = UserFactory(username="third")
        client.post(reverse("mentoring_request"), {"learner": "third", "message": "x"})
        request = Mentorship.objects.get(initiated_by=Mentorship.Initiator.MENTOR)
        active = Mentorship.objects.active().get()
        client.post(reverse("mentoring_end", args=[active.pk]))
        client.force_login(third)
        client.post(reverse("mentoring_accept", args=[request.pk]))

        records = [r for r in caplog.records if r.name == "waymark.audit"]
        text = "\n".join(r.getMessage() for r in records)
        assert all(r.levelno == logging.INFO for r in records)
        assert f"invite-email learner={learner.pk}" in text
        assert f"invite-link learner={learner.pk}" in text
        assert f"mentorship={active.pk} accepted by={other_learner.pk}" in text
        # Sent to a name, not to an account: whose it is shows when they accept.
        assert f"mentorship={request.pk} request mentor={other_learner.pk}\n" in text
        assert (
            f"mentorship={request.pk} accepted by={third.pk} "
            f"mentor={other_learner.pk} learner={third.pk}"
        ) in text
        assert f"mentorship={active.pk} ended by={other_learner.pk}" in text
        assert "Secret words" not in text
        assert "m@example.com" not in text
