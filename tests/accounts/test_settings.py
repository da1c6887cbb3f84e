"""The account settings page: profile, time zone, privacy, and links to the rest."""

import itertools
import re

import pytest
from django.urls import reverse

URL = reverse("account_settings")


def valid_data(**changes) -> dict:
    data = {"display_name": "Ada L.", "timezone": "Europe/Paris"}
    data.update(changes)
    return data


@pytest.mark.django_db
class TestSettingsPage:
    def test_it_sends_anonymous_visitors_to_sign_in(self, client):
        response = client.get(URL)

        assert response.status_code == 302
        assert response["Location"] == f"{reverse('account_login')}?next={URL}"

    def test_anonymous_posts_change_nothing(self, client, learner):
        response = client.post(URL, valid_data())

        assert response.status_code == 302
        learner.refresh_from_db()
        assert learner.display_name == ""

    def test_it_shows_the_current_profile(self, client, learner):
        learner.display_name = "Ada"
        learner.timezone = "Asia/Tokyo"
        learner.save()
        client.force_login(learner)

        body = client.get(URL).content.decode()

        assert '<label for="id_display_name">' in body
        assert 'value="Ada"' in body
        assert '<select name="timezone"' in body
        assert '<option value="Asia/Tokyo" selected>' in body
        assert len(re.findall(r"<option [^>]*selected", body)) == 1
        assert '<option value="Europe/Paris">' in body
        checkbox = re.search(
            r'<input type="checkbox" name="public_profile"[^>]*>', body
        )
        assert checkbox and "checked" not in checkbox.group(0)

    def test_it_links_to_everything_else_about_the_account(self, client, learner):
        client.force_login(learner)

        body = client.get(URL).content.decode()

        for name in [
            "account_email",
            "account_change_password",
            "usersessions_list",
            "mfa_index",
            "progress_export_json",
            "progress_export_csv",
            "account_delete",
        ]:
            assert f'href="{reverse(name)}"' in body, name
        assert "/u/learner/" in body

    def test_it_says_whether_two_factor_is_on(self, client, learner):
        from allauth.mfa.models import Authenticator

        client.force_login(learner)
        assert "Two-factor authentication</a>: off" in client.get(URL).content.decode()

        Authenticator.objects.create(
            user=learner, type=Authenticator.Type.TOTP, data={}
        )
        assert "Two-factor authentication</a>: on" in client.get(URL).content.decode()

    def test_headings_go_in_order(self, client, learner):
        client.force_login(learner)

        body = client.get(URL).content.decode()

        levels = [int(level) for level in re.findall(r"<h([1-6])", body)]
        assert levels[0] == 1
        assert all(b - a <= 1 for a, b in itertools.pairwise(levels))


@pytest.mark.django_db
class TestSavingSettings:
    def test_it_saves_the_profile_and_says_so(self, client, learner):
        client.force_login(learner)

        response = client.post(URL, valid_data(public_profile="on"))

        assert response.status_code == 302
        assert response["Location"] == URL
        learner.refresh_from_db()
        assert learner.display_name == "Ada L."
        assert learner.timezone == "Europe/Paris"
        assert learner.public_profile is True
        page = client.get(URL).content.decode()
        assert "Your settings are saved." in page
        assert '<option value="Europe/Paris" selected>' in page
        assert 'Your profile is public: <a href="/u/learner/">' in page

    def test_unticking_the_box_makes_the_profile_private(self, client, learner):
        learner.public_profile = True
        learner.save()
        client.force_login(learner)

        client.post(URL, valid_data())

        learner.refresh_from_db()
        assert learner.public_profile is False

    def test_an_empty_display_name_falls_back_to_the_username(self, client, learner):
        client.force_login(learner)

        client.post(URL, valid_data(display_name=""))

        learner.refresh_from_db()
        assert learner.name == "learner"

    @pytest.mark.parametrize("name", ["Maya\nBcc: x@y.z", "Tab\there", "Bell\x07"])
    def test_a_display_name_with_control_characters_is_refused(
        self, client, learner, name
    ):
        client.force_login(learner)

        response = client.post(URL, valid_data(display_name=name))

        assert response.status_code == 200
        body = response.content.decode()
        assert "no line breaks, tabs or other control characters" in body
        learner.refresh_from_db()
        assert learner.display_name == ""

    def test_an_unknown_time_zone_is_refused_next_to_the_field(self, client, learner):
        client.force_login(learner)

        response = client.post(URL, valid_data(timezone="Mars/Olympus_Mons"))

        assert response.status_code == 200
        body = response.content.decode()
        select = re.search(r"<select[^>]*>", body).group(0)
        assert 'aria-invalid="true"' in select
        assert "id_timezone_error" in select
        assert '<ul class="errorlist" id="id_timezone_error">' in body
        assert "Select a valid choice." in body
        learner.refresh_from_db()
        assert learner.timezone == "UTC"
        assert learner.display_name == ""

    def test_a_too_long_display_name_is_refused(self, client, learner):
        client.force_login(learner)

        response = client.post(URL, valid_data(display_name="x" * 81))

        assert response.status_code == 200
        body = response.content.decode()
        field = re.search(r'<input type="text" name="display_name"[^>]*>', body)
        assert 'aria-invalid="true"' in field.group(0)
        assert "id_display_name_error" in field.group(0)
        assert "at most 80 characters" in body
        learner.refresh_from_db()
        assert learner.display_name == ""
        assert learner.timezone == "UTC"

    def test_an_invalid_form_does_not_show_unsaved_values_as_saved(
        self, client, learner
    ):
        client.force_login(learner)

        response = client.post(
            URL, valid_data(display_name="x" * 81, public_profile="on")
        )

        assert "Your profile is private" in response.content.decode()

    def test_it_changes_only_the_profile_fields(self, client, learner):
        client.force_login(learner)

        client.post(
            URL,
            valid_data(
                username="someone-else",
                email="evil@example.com",
                is_staff="on",
                is_superuser="on",
            ),
        )

        learner.refresh_from_db()
        assert learner.username == "learner"
        assert learner.email == "learner@example.com"
        assert not learner.is_staff
        assert not learner.is_superuser

    def test_it_changes_only_the_signed_in_person(self, client, learner, other_learner):
        client.force_login(learner)

        client.post(URL, valid_data())

        other_learner.refresh_from_db()
        assert other_learner.display_name == ""
        assert other_learner.timezone == "UTC"

    def test_other_methods_are_not_allowed(self, client, learner):
        client.force_login(learner)

        assert client.put(URL).status_code == 405
        assert client.delete(URL).status_code == 405


@pytest.mark.django_db
def test_a_learners_time_zone_lasts_one_request(client):
    """The time zone a request shows dates in does not stay with the thread
    after it (a later task or request in the same thread keeps the site's)."""
    from django.conf import settings
    from django.utils import timezone

    from tests.factories import UserFactory

    client.force_login(UserFactory(timezone="Europe/Paris"))
    assert client.get(reverse("dashboard")).status_code == 200
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE
