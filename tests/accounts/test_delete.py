"""Deleting one's own account: password re-entered, everything gone, signed out."""

import pytest
from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from progress.models import (
    Evidence,
    ItemProgress,
    ProgressEvent,
    RoleFollow,
    SelfAssessment,
    Status,
)
from tests.accounts.helpers import is_signed_in, sign_in
from tests.factories import PASSWORD, SkillFactory, StepFactory

User = get_user_model()
URL = reverse("account_delete")


@pytest.fixture(autouse=True)
def _empty_cache(empty_cache):
    pass


def give_progress(user) -> None:
    """A follow, a status with its history, a note, evidence and a rating."""
    step = StepFactory()
    RoleFollow.objects.create(learner=user, role=step.stage.role)
    progress = ItemProgress.objects.set_status(user, step, Status.DONE)
    progress.note = "What I learned."
    progress.save(update_fields=["note"])
    Evidence.objects.create(progress=progress, url="https://example.com/work")
    SelfAssessment.objects.create(learner=user, skill=SkillFactory(), level=3)


def rows_of(user) -> dict[str, int]:
    return {
        "follows": RoleFollow.objects.filter(learner=user).count(),
        "progress": ItemProgress.objects.filter(learner=user).count(),
        "events": ProgressEvent.objects.filter(learner=user).count(),
        "evidence": Evidence.objects.filter(progress__learner=user).count(),
        "ratings": SelfAssessment.objects.filter(learner=user).count(),
    }


@pytest.mark.django_db
class TestConfirmationPage:
    def test_it_sends_anonymous_visitors_to_sign_in(self, client):
        assert client.get(URL).status_code == 302
        assert client.post(URL, {"password": PASSWORD}).status_code == 302

    def test_it_explains_what_goes_and_deletes_nothing(self, client, learner):
        client.force_login(learner)

        response = client.get(URL)

        assert response.status_code == 200
        body = response.content.decode()
        for word in ["progress", "notes", "evidence", "ratings", "follow"]:
            assert word in body, word
        assert '<form method="post" action="/account/delete/"' in body
        assert '<label for="id_password">' in body
        assert 'autocomplete="current-password"' in body
        assert User.objects.filter(pk=learner.pk).exists()
        assert is_signed_in(client)

    def test_the_settings_page_links_to_it(self, client, learner):
        client.force_login(learner)

        body = client.get(reverse("account_settings")).content.decode()

        assert f'href="{URL}"' in body

    def test_other_methods_do_not_delete(self, client, learner):
        client.force_login(learner)

        assert client.put(URL).status_code == 405
        assert client.delete(URL).status_code == 405
        assert User.objects.filter(pk=learner.pk).exists()


@pytest.mark.django_db
class TestDeleting:
    def test_a_wrong_password_deletes_nothing(self, client, learner):
        give_progress(learner)
        client.force_login(learner)

        response = client.post(URL, {"password": "not my password"})

        assert response.status_code == 200
        body = response.content.decode()
        assert "Incorrect password." in body
        assert 'aria-invalid="true"' in body
        assert 'aria-describedby="id_password_error"' in body
        assert User.objects.filter(pk=learner.pk).exists()
        assert rows_of(learner) == {
            "follows": 1,
            "progress": 1,
            "events": 1,
            "evidence": 1,
            "ratings": 1,
        }
        assert is_signed_in(client)

    def test_an_empty_password_deletes_nothing(self, client, learner):
        client.force_login(learner)

        response = client.post(URL, {})

        assert response.status_code == 200
        assert b"This field is required." in response.content
        assert User.objects.filter(pk=learner.pk).exists()

    def test_the_right_password_deletes_the_account_and_everything_in_it(
        self, client, learner, other_learner
    ):
        give_progress(learner)
        give_progress(other_learner)
        client.force_login(learner)

        response = client.post(URL, {"password": PASSWORD})

        assert response.status_code == 302
        assert response["Location"] == reverse("home")
        assert not User.objects.filter(pk=learner.pk).exists()
        assert not EmailAddress.objects.filter(email=learner.email).exists()
        assert rows_of(learner) == dict.fromkeys(rows_of(learner), 0)
        # Nobody else loses anything.
        assert rows_of(other_learner) == {
            "follows": 1,
            "progress": 1,
            "events": 1,
            "evidence": 1,
            "ratings": 1,
        }

    def test_it_signs_out_and_says_goodbye(self, client, learner, seed_roadmap):
        client.force_login(learner)

        response = client.post(URL, {"password": PASSWORD}, follow=True)

        assert response.status_code == 200
        assert b"Your account and everything in it have been deleted." in (
            response.content
        )
        assert not is_signed_in(client)
        assert client.get(reverse("account_settings")).status_code == 302

    def test_it_ends_every_other_session_of_the_person(self, client, learner):
        laptop, phone = Client(), Client()
        sign_in(laptop, "learner")
        sign_in(phone, "learner")
        assert phone.get(reverse("account_settings")).status_code == 200
        phone_key = phone.session.session_key
        assert UserSession.objects.filter(user=learner).count() == 2

        laptop.post(URL, {"password": PASSWORD})

        assert not Session.objects.filter(session_key=phone_key).exists()
        assert not UserSession.objects.exists()
        assert not is_signed_in(phone)
        response = phone.get(reverse("account_settings"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))

    def test_it_leaves_other_peoples_sessions_alone(
        self, client, learner, other_learner
    ):
        theirs = Client()
        sign_in(theirs, "other")
        client.force_login(learner)

        client.post(URL, {"password": PASSWORD})

        assert is_signed_in(theirs)
        assert theirs.get(reverse("account_settings")).status_code == 200

    def test_it_deletes_only_the_signed_in_person(self, client, learner, other_learner):
        learner.set_password("the learner's own passphrase")
        learner.save()
        client.force_login(other_learner)

        # Someone else's password does not confirm anything...
        refused = client.post(URL, {"password": "the learner's own passphrase"})
        # ...and one's own password deletes only oneself.
        client.post(URL, {"password": PASSWORD})

        assert refused.status_code == 200
        assert User.objects.filter(pk=learner.pk).exists()
        assert not User.objects.filter(pk=other_learner.pk).exists()

    def test_it_stops_guessing_after_five_wrong_passwords(self, client, learner):
        client.force_login(learner)
        for _ in range(5):
            client.post(URL, {"password": "a wrong guess"})

        response = client.post(URL, {"password": PASSWORD})

        assert response.status_code == 200
        assert b"Too many failed" in response.content
        assert User.objects.filter(pk=learner.pk).exists()

    def test_it_answers_too_many_requests_after_ten_tries_a_minute(
        self, client, learner
    ):
        client.force_login(learner)
        for _ in range(10):
            assert client.post(URL, {"password": "a wrong guess"}).status_code == 200

        response = client.post(URL, {"password": PASSWORD})

        assert response.status_code == 429
        assert User.objects.filter(pk=learner.pk).exists()
