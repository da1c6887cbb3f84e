"""Invitation tokens stay out of the logs: the link hands its token to the session
and redirects at once to a page without it, and the one request line that holds
it is redacted, in gunicorn's access log and in Django's own log lines."""

import datetime
import importlib.util
import io
import logging
import re
import secrets
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.urls import reverse
from gunicorn.config import Config

from config.redact import redact
from mentoring.models import Mentorship
from tests.accounts.helpers import INVITATION_PAGE, link_in_last_email
from tests.factories import PASSWORD, UserFactory
from tests.queue import delivered
from tests.serving.servers import Browser, app_server, require_postgresql

ROOT = Path(__file__).resolve().parents[2]
HUB = reverse("mentoring")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@contextmanager
def django_log():
    """What the settings' log handler writes (the one production runs with)."""
    handler = next(h for h in logging.getLogger().handlers if h.name == "stdout")
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        yield buffer
    finally:
        handler.setStream(previous)


@pytest.mark.django_db
def test_the_token_leaves_the_url_at_once_and_the_invitation_still_works(
    client, learner, django_capture_on_commit_callbacks
):
    learner.display_name = "Ada Learner"
    learner.save()
    client.force_login(learner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("mentoring_invite"),
            {"email": "mentor@example.com", "message": "", "next": HUB},
        )
    path = link_in_last_email("/mentoring/invitations/", to="mentor@example.com")
    token = path.rstrip("/").rsplit("/", 1)[-1]
    assert len(token) >= 43
    client.logout()
    UserFactory(username="mo", email="mentor@example.com")
    responses = []

    with django_log() as log:
        # The mentor opens the emailed link, signed out.
        link = client.get(path)
        assert link.status_code == 302
        assert link["Location"] == INVITATION_PAGE
        assert "no-cache" in link["Cache-Control"]
        to_sign_in = client.get(INVITATION_PAGE)
        login = f"{reverse('account_login')}?next={INVITATION_PAGE}"
        assert to_sign_in["Location"] == login
        responses += [link, to_sign_in, client.get(login)]
        signed_in = client.post(login, {"login": "mo", "password": PASSWORD})
        assert signed_in["Location"] == INVITATION_PAGE
        page = client.get(INVITATION_PAGE)
        body = page.content.decode()
        assert "<strong>Ada Learner</strong>" in body
        invitation = re.search(r'name="invitation" value="(\d+)"', body).group(1)
        accepted = client.post(
            reverse("mentoring_invitation_accept"),
            {"invitation": invitation},
            headers={"HX-Request": "true"},
        )
        hub = client.get(HUB)
        responses += [signed_in, page, accepted, hub]
        # A mistyped link under the token: Django logs "Not Found: <path>".
        missing = client.get(path + "oops/")
        assert missing.status_code == 404

    assert accepted.status_code == 302
    assert accepted["Location"] == HUB
    mentorship = Mentorship.objects.get()
    assert mentorship.status == Mentorship.Status.ACTIVE
    assert mentorship.mentor.username == "mo"
    assert "You now mentor Ada Learner" in hub.content.decode()
    for response in responses:
        assert token not in response.get("Location", "")
        assert token not in response.content.decode()
    assert token not in str(client.session.items())  # only its hash is kept
    text = log.getvalue()
    assert "Not Found: /mentoring/invitations/[redacted]/oops/" in text
    assert token not in text
    assert len(delivered()) == 1


def gunicorn_settings():
    """config/gunicorn.py, read as gunicorn reads it."""
    spec = importlib.util.spec_from_file_location(
        "gunicorn_settings", ROOT / "config" / "gunicorn.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gunicorns_access_logger_writes_no_token(tmp_path):
    settings = gunicorn_settings()
    config = Config()
    config.set("accesslog", str(tmp_path / "access.log"))
    config.set("access_log_format", settings.access_log_format)
    logger = settings.logger_class(config)
    token = secrets.token_urlsafe(32)
    requests = [
        f"/mentoring/invitations/{token}/",
        f"/accounts/login/?next=/mentoring/invitations/{token}/",
        f"/accounts/login/?next=%2Faccount%2Fmentors%2Finvitations%2F{token}%2F",
    ]
    for raw_uri in requests:
        path, _, query = raw_uri.partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "RAW_URI": raw_uri,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_REFERER": f"https://waymark.example{raw_uri}",
        }
        response = SimpleNamespace(status="302 Found", sent=0, headers=[])
        request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
        logger.access(response, request, environ, datetime.timedelta(milliseconds=3))
    for handler in logger.access_log.handlers:
        handler.flush()

    log = (tmp_path / "access.log").read_text()
    assert token not in log
    assert '"GET /mentoring/invitations/[redacted]/ HTTP/1.1" 302' in log
    assert "next=%2Faccount%2Fmentors%2Finvitations%2F[redacted]%2F" in log
    assert len(log.splitlines()) == 3


@pytest.mark.parametrize(
    "kept",
    [
        "/roles/backend-engineer/",
        "/items/step/design-restful-apis-with-versioning-and-pagination/",
        "/u/learner2024/",
        "/mentoring/mentees/learner/items/skill/databases-and-sql/",
        "/accounts/password/reset/key/done/",
        "/accounts/password/reset/key/2-set-password/",
        "/mentoring/invitation/accept/",
        "/static/css/waymark.3f2a9c1d7e4b.css",
        "/search/?q=postgresql+indexes",
    ],
)
def test_ordinary_paths_are_logged_as_they_are(kept):
    assert redact(f'"GET {kept} HTTP/1.1" 200') == f'"GET {kept} HTTP/1.1" 200'


@pytest.mark.parametrize(
    "secret_path, logged",
    [
        ("/mentoring/invitations/{t}/", "/mentoring/invitations/[r]/"),
        ("/accounts/confirm-email/Mg:1tYk2w:{t}/", "/accounts/confirm-email/[r]/"),
        ("/accounts/password/reset/key/2-{t}/", "/accounts/password/reset/key/[r]/"),
        ("/account/staff-enrolment/{t}/", "/account/staff-enrolment/[r]/"),
        ("/some/new/link/{t}/", "/some/new/link/[r]/"),
        ("/x/?token={t}&page=2", "/x/?token=[r]&page=2"),
    ],
)
def test_secret_segments_are_redacted(secret_path, logged):
    token = "Zq3" + secrets.token_urlsafe(32)  # capitals, small letters, digits
    assert redact(secret_path.format(t=token)) == logged.replace("[r]", "[redacted]")


@pytest.mark.parametrize(
    "prefix", ["/mentoring/invitations/", "/account/mentors/invitations/"]
)
def test_an_invitation_token_is_redacted_even_when_it_looks_like_a_slug(prefix):
    """After the invitation prefix (today's, and the one older emails carry)
    any segment is a secret, whatever its letters."""
    assert redact(f'"GET {prefix}plain-lowercase-token/ HTTP/1.1"') == (
        f'"GET {prefix}[redacted]/ HTTP/1.1"'
    )


@pytest.mark.django_db(transaction=True)
def test_through_a_real_server_the_access_log_never_holds_the_token(tmp_path):
    require_postgresql()
    learner = UserFactory(username="inviter", display_name="Ina Inviter")
    mentor = UserFactory(username="mentor-on-server")
    # The server runs production settings and their password hashers.
    mentor.password = PBKDF2PasswordHasher().encode(PASSWORD, "mentorsalt")
    mentor.save(update_fields=["password"])
    token = secrets.token_urlsafe(32)
    Mentorship.objects.create(
        learner=learner,
        initiated_by=Mentorship.Initiator.LEARNER,
        token_hash=Mentorship.hash_token(token),
    )
    browser = Browser()

    with app_server(tmp_path, access_log=True) as base:
        port = base.rsplit(":", 1)[1]
        status, _ = browser.get(f"{base}/mentoring/invitations/{token}/")
        assert status == 302
        status, _ = browser.get(f"{base}{INVITATION_PAGE}")
        assert status == 302  # to sign in
        login = f"{base}/accounts/login/?next={INVITATION_PAGE}"
        status, _ = browser.post(
            login,
            {
                "csrfmiddlewaretoken": browser.csrf_token(login),
                "login": "mentor-on-server",
                "password": PASSWORD,
            },
        )
        assert status == 302
        status, page = browser.get(f"{base}{INVITATION_PAGE}")
        assert status == 200
        assert "Ina Inviter" in page
        assert token not in page
        invitation = re.search(r'name="invitation" value="(\d+)"', page).group(1)
        status, _ = browser.post(
            f"{base}/mentoring/invitation/accept/",
            {
                "csrfmiddlewaretoken": CSRF.search(page).group(1),
                "invitation": invitation,
            },
        )
        assert status == 302
        status, _ = browser.get(f"{base}/mentoring/invitations/{token}/oops/")
        assert status == 404

    log = (tmp_path / f"gunicorn-{port}.log").read_text()
    assert Mentorship.objects.get().mentor == mentor
    assert token not in log
    assert '"GET /mentoring/invitations/[redacted]/ HTTP/1.1" 302' in log
    assert '"POST /mentoring/invitation/accept/ HTTP/1.1" 302' in log
    assert "Not Found: /mentoring/invitations/[redacted]/oops/" in log
