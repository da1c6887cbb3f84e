"""Secrets in links stay out of the access log whatever characters they hold (a
calendar token with no digit, an unsubscribe link, a `token` parameter), and
the weekly email's unsubscribe links expire: an old one shows how to stop the
email from the settings and never answers 500."""

import datetime
import importlib.util
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from gunicorn.config import Config

from progress import reminders
from tests.accounts.helpers import sign_in
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
# Tokens as secrets.token_urlsafe(32) draws them about once in 1,900: no digit.
NO_DIGIT = "QwErTyUiOpAsDfGhJkLzXcVbNmqwertyuiopasdfg"
LOWER = "plainlowercasetokenwithnodigitsatallxyzab"


def access_log(tmp_path, uris: list[str]) -> str:
    """What config/gunicorn.py's access logger writes for these requests."""
    spec = importlib.util.spec_from_file_location(
        "gunicorn_settings", ROOT / "config" / "gunicorn.py"
    )
    settings = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(settings)
    config = Config()
    config.set("accesslog", str(tmp_path / "access.log"))
    config.set("access_log_format", settings.access_log_format)
    logger = settings.logger_class(config)
    for raw_uri in uris:
        path, _, query = raw_uri.partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "RAW_URI": raw_uri,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
        }
        response = SimpleNamespace(status="200 OK", sent=0, headers=[])
        request = SimpleNamespace(headers=[])
        logger.access(response, request, environ, datetime.timedelta(milliseconds=3))
    for handler in logger.access_log.handlers:
        handler.flush()
    return (tmp_path / "access.log").read_text()


@pytest.mark.parametrize("token", [NO_DIGIT, LOWER, "Ab-_" * 11])
def test_a_calendar_token_with_no_digit_is_not_in_the_access_log(tmp_path, token):
    log = access_log(tmp_path, [f"/calendar/{token}.ics", "/calendar/"])
    assert token not in log
    assert '"GET /calendar/[redacted] HTTP/1.1" 200' in log
    assert '"GET /calendar/ HTTP/1.1" 200' in log


@pytest.mark.django_db
def test_an_unsubscribe_link_is_not_in_the_access_log(tmp_path):
    learner = UserFactory()
    link = reminders.unsubscribe_url(learner)
    path = link.split("://", 1)[1].split("/", 1)[1]
    token = path.rstrip("/").rsplit("/", 1)[-1]
    log = access_log(
        tmp_path,
        [
            f"/{path}",
            f"/email/weekly/unsubscribe/{LOWER}/",
            f"/accounts/login/?next=/email/weekly/unsubscribe/{NO_DIGIT}/",
        ],
    )
    for secret in (token, LOWER, NO_DIGIT, token.split(":")[-1]):
        assert secret not in log
    assert '"GET /email/weekly/unsubscribe/[redacted]/ HTTP/1.1" 200' in log


@pytest.mark.parametrize("name", ["token", "key", "signature"])
def test_a_secret_query_parameter_is_redacted_whatever_its_characters(tmp_path, name):
    log = access_log(tmp_path, [f"/somewhere/?page=2&{name}={LOWER}&sort=name"])
    assert LOWER not in log
    assert f"/somewhere/?page=2&{name}=[redacted]&sort=name" in log


# --- Unsubscribe links expire --------------------------------------------------------


def old_link(learner, days: int) -> str:
    """The unsubscribe link an email sent `days` ago carried."""
    sent = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=days)
    with mock.patch("time.time", return_value=sent.timestamp()):
        link = reminders.unsubscribe_url(learner)
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def legacy_link(learner) -> str:
    """The never-expiring link emails carried before links expired."""
    token = signing.Signer(salt=reminders.SALT).sign(str(learner.pk))
    return reverse("weekly_email_unsubscribe", args=[token])


@pytest.mark.django_db
class TestUnsubscribeLinksExpire:
    def test_a_fresh_link_still_works_with_one_click(self):
        learner = UserFactory(weekly_email=True)
        url = reminders.unsubscribe_url(learner).split("://", 1)[1]
        url = "/" + url.split("/", 1)[1]
        assert "Stop the weekly email</button>" in Client().get(url).content.decode()
        response = Client(enforce_csrf_checks=True).post(
            url,
            "List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 200
        learner.refresh_from_db()
        assert not learner.weekly_email

    def test_a_link_younger_than_the_limit_works(self):
        learner = UserFactory(weekly_email=True)
        Client().post(old_link(learner, reminders.UNSUBSCRIBE_LINK_DAYS - 1))
        learner.refresh_from_db()
        assert not learner.weekly_email

    @pytest.mark.parametrize("link", ["expired", "legacy"])
    def test_an_expired_link_explains_and_changes_nothing(self, link):
        learner = UserFactory(weekly_email=True)
        url = (
            old_link(learner, reminders.UNSUBSCRIBE_LINK_DAYS + 1)
            if link == "expired"
            else legacy_link(learner)
        )
        page = Client().get(url)
        assert page.status_code == 200
        body = page.content.decode()
        assert "This link has expired" in body
        assert reverse("account_settings") in body
        assert "Stop the weekly email</button>" not in body
        one_click = Client(enforce_csrf_checks=True).post(
            url,
            "List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        )
        assert one_click.status_code == 410
        assert "This link has expired" in one_click.content.decode()
        learner.refresh_from_db()
        assert learner.weekly_email

    def test_an_expired_link_still_works_for_the_learner_once_signed_in(self):
        learner = UserFactory(username="stopper", weekly_email=True)
        url = old_link(learner, reminders.UNSUBSCRIBE_LINK_DAYS + 30)
        client = Client()
        sign_in(client, "stopper")
        page = client.get(url).content.decode()
        assert "Stop the weekly email</button>" in page
        assert client.post(url).status_code == 200
        learner.refresh_from_db()
        assert not learner.weekly_email

    def test_an_expired_link_of_someone_else_does_not_work_when_signed_in(self):
        owner = UserFactory(weekly_email=True)
        UserFactory(username="intruder")
        client = Client()
        sign_in(client, "intruder")
        url = old_link(owner, reminders.UNSUBSCRIBE_LINK_DAYS + 1)
        assert client.post(url).status_code == 410
        owner.refresh_from_db()
        assert owner.weekly_email
