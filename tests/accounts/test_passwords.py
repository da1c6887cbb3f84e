"""Password reset by email (without revealing who has an account) and change."""

import pytest
from django.urls import reverse

from tests.accounts.helpers import is_signed_in, link_in_last_email, sign_in
from tests.factories import PASSWORD
from tests.queue import delivered

NEW_PASSWORD = "a brand new passphrase 42"


@pytest.fixture(autouse=True)
def _empty_cache(empty_cache):
    pass


@pytest.mark.django_db
class TestPasswordReset:
    def test_it_emails_a_link_that_sets_a_new_password(self, client, learner):
        response = client.post(
            reverse("account_reset_password"), {"email": learner.email}
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("account_reset_password_done")
        link = link_in_last_email("/accounts/password/reset/key/", to=learner.email)

        # The key moves from the URL into the session, then the form is shown.
        form_url = client.get(link)["Location"]
        assert client.get(form_url).status_code == 200
        done = client.post(
            form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        )

        assert done.status_code == 302
        learner.refresh_from_db()
        assert learner.check_password(NEW_PASSWORD)
        assert sign_in(client, "learner", NEW_PASSWORD).status_code == 302
        assert is_signed_in(client)

    def test_a_link_works_only_once(self, client, learner):
        client.post(reverse("account_reset_password"), {"email": learner.email})
        link = link_in_last_email("/accounts/password/reset/key/")
        form_url = client.get(link)["Location"]
        client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

        again = client.get(link, follow=True)

        assert b"invalid" in again.content.lower()
        assert b'name="password1"' not in again.content

    def test_an_unknown_email_gets_the_same_answer_as_a_known_one(
        self, client, learner
    ):
        known = client.post(reverse("account_reset_password"), {"email": learner.email})
        unknown = client.post(
            reverse("account_reset_password"), {"email": "stranger@example.com"}
        )

        assert known.status_code == unknown.status_code == 302
        assert known["Location"] == unknown["Location"]
        # The stranger's mailbox gets a note, never a reset link.
        to_stranger = [m for m in delivered() if m.to == ["stranger@example.com"]]
        assert len(to_stranger) == 1
        assert "/accounts/password/reset/key/" not in to_stranger[0].body

    def test_the_page_after_asking_is_the_same_for_anyone(self, client, learner):
        known = client.post(
            reverse("account_reset_password"), {"email": learner.email}, follow=True
        )
        unknown = client.post(
            reverse("account_reset_password"),
            {"email": "stranger@example.com"},
            follow=True,
        )

        assert known.status_code == unknown.status_code == 200
        assert known.templates[0].name == unknown.templates[0].name
        assert learner.email.encode() not in known.content


@pytest.mark.django_db
class TestPasswordChange:
    def test_it_changes_the_password_after_checking_the_old_one(self, client, learner):
        client.force_login(learner)

        response = client.post(
            reverse("account_change_password"),
            {
                "oldpassword": PASSWORD,
                "password1": NEW_PASSWORD,
                "password2": NEW_PASSWORD,
            },
        )

        assert response.status_code == 302
        learner.refresh_from_db()
        assert learner.check_password(NEW_PASSWORD)
        # Still signed in here (other sessions are listed on the sessions page).
        assert is_signed_in(client)

    def test_a_wrong_old_password_changes_nothing(self, client, learner):
        client.force_login(learner)

        response = client.post(
            reverse("account_change_password"),
            {
                "oldpassword": "not it",
                "password1": NEW_PASSWORD,
                "password2": NEW_PASSWORD,
            },
        )

        assert response.status_code == 200
        assert b'aria-invalid="true"' in response.content
        learner.refresh_from_db()
        assert learner.check_password(PASSWORD)

    def test_it_requires_signing_in(self, client):
        response = client.get(reverse("account_change_password"))

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["account_signup", "account_change_password"])
def test_the_password_rules_describe_the_new_password_field(client, learner, page):
    if page == "account_change_password":
        client.force_login(learner)

    body = client.get(reverse(page)).content.decode()

    # A block, not a <p>: the parser would end a paragraph before the list.
    assert 'aria-describedby="id_password1_helptext"' in body
    assert '<div class="helptext" id="id_password1_helptext"><ul><li>' in body
    assert "at least 8 characters" in body
