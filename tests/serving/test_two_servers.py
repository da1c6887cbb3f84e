"""App servers are stateless: a session made on one server works on another.

Two gunicorn processes on different ports share one PostgreSQL database (and the
cache: Redis when REDIS_URL is set, else the database cache table). A learner
signs in on the first, changes progress on the second and reads it back on the
first.
"""

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from progress.models import ItemProgress, ProgressEvent, RoleFollow, Status
from tests.factories import PASSWORD, UserFactory
from tests.serving.servers import Browser, app_server, require_postgresql

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def servers(tmp_path):
    require_postgresql()
    with app_server(tmp_path) as first, app_server(tmp_path) as second:
        yield first, second


def test_sign_in_on_one_server_change_progress_on_another(servers, small_role):
    first, second = servers
    step = small_role.test_steps[0]
    # The servers run production settings, whose password hashers differ from
    # the fast one the test suite uses: store the password as production would.
    learner = UserFactory(username="roaming")
    learner.password = PBKDF2PasswordHasher().encode(PASSWORD, "roamingsalt")
    learner.save(update_fields=["password"])
    browser = Browser()

    token = browser.csrf_token(f"{first}/accounts/login/")
    status, _ = browser.post(
        f"{first}/accounts/login/",
        {"csrfmiddlewaretoken": token, "login": "roaming", "password": PASSWORD},
    )
    assert status == 302
    session = browser.cookie("sessionid")
    assert session

    # The second server knows the session: the learner follows the role there...
    token = browser.csrf_token(f"{second}/roles/small/")
    status, _ = browser.post(
        f"{second}/roles/small/follow/", {"csrfmiddlewaretoken": token}
    )
    assert status == 302
    # ...and marks a step done through the HTMX endpoint.
    status, fragment = browser.post(
        f"{second}/items/step/{step.slug}/status/",
        {"csrfmiddlewaretoken": token, "status": "done"},
        headers={"HX-Request": "true"},
    )
    assert status == 200
    assert 'value="done" aria-pressed="true"' in fragment

    # The first server reads back what the second wrote.
    status, page = browser.get(f"{first}/items/step/{step.slug}/")
    assert status == 200
    assert "Step one" in page
    assert "status-control--done" in page
    status, dashboard = browser.get(f"{first}/dashboard/")
    assert status == 200
    assert "Small role" in dashboard
    assert browser.cookie("sessionid") == session

    assert RoleFollow.objects.filter(learner=learner, role=small_role).exists()
    progress = ItemProgress.objects.get(learner=learner, step=step)
    assert progress.status == Status.DONE
    assert ProgressEvent.objects.filter(learner=learner, step=step).count() == 1


def test_anonymous_requests_are_answered_by_either_server(servers, small_role):
    for base in servers:
        status, page = Browser().get(f"{base}/roles/small/")
        assert status == 200
        assert "Small role" in page


def test_sign_in_limits_count_across_servers(servers, small_role):
    """The rate limits live in the shared cache: failures on one server count
    on the other."""
    first, second = servers
    learner = UserFactory(username="guessed")
    learner.password = PBKDF2PasswordHasher().encode(PASSWORD, "guessedsalt")
    learner.save(update_fields=["password"])
    # Both servers behind one site name, as behind a load balancer.
    browser = Browser(host="127.0.0.1")
    for attempt in range(5):
        base = (first, second)[attempt % 2]
        token = browser.csrf_token(f"{base}/accounts/login/")
        status, page = browser.post(
            f"{base}/accounts/login/",
            {"csrfmiddlewaretoken": token, "login": "guessed", "password": "wrong"},
        )
        assert "you specified are not correct" in page
    for base in servers:
        token = browser.csrf_token(f"{base}/accounts/login/")
        status, page = browser.post(
            f"{base}/accounts/login/",
            {"csrfmiddlewaretoken": token, "login": "guessed", "password": PASSWORD},
        )
        assert status == 200
        assert "Too many failed login attempts" in page
