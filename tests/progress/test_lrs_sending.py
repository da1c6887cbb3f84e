"""A learner's history sent to their own learning record store: the settings
page's form (with and without htmx), the account kept encrypted and never shown,
and the sending through the worker's run path to a real ralph LRS started here
(its own venv, .venv-lrs): statements arrive and validate, and neither a second
send nor a retry after the store was down records one twice."""

import datetime
import os
import subprocess
import sys
import time
import urllib.error

import pytest
from django.db import connection
from django.db.models import F
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from progress import lrs, xapi
from progress.models import LearningRecordStore, ProgressEvent
from tests.browser.test_html_validity import check_html, vnu  # noqa: F401 - a fixture
from tests.progress.test_reviewable import mark, rate
from tests.progress.test_xapi_lrs import (
    PASSWORD,
    RALPH,
    USER,
    require_ralph,
    send,
    spare_port,
    write_account,
)
from tests.queue import run_tasks

HTMX = {"HX-Request": "true"}
WORKER_OPTIONS = ["--batch", "--no-startup-delay", "--queue-name", "default"]
SECRET = PASSWORD
GOOD = {
    "endpoint": "https://records.example.org/xAPI/",
    "username": "lrs-account-name",
    "secret": "correct-horse-battery-staple",
    "enabled": "on",
}


# ralph's API served as `ralph runserver` serves it, but in one process (no
# reloader). Its file backend creates its statements file on the first write and
# refuses a second one; a store takes many POSTs (each round sends what is new),
# so this one appends to it, as its databases' backends do.
SERVE = """
import sys, uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend
FSLRSBackend.default_operation_type = BaseOperationType.APPEND
uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]))
"""


class Ralph:
    """A ralph LRS on a spare port that can be stopped and started again on the
    same port, keeping its statements (a file backend)."""

    def __init__(self, home):
        self.home = home
        self.port = str(spare_port())
        self.process = None
        write_account(home)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/xAPI"

    def start(self) -> None:
        self.log = (self.home / "ralph.log").open("ab")
        env = {
            **os.environ,
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_APP_DIR": str(self.home / "app"),
            "RALPH_AUTH_FILE": str(self.home / "auth.json"),
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.home / "data"),
        }
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [str(RALPH.parent / "python"), "-c", SERVE, self.port],
            cwd=self.home,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        for _ in range(150):
            try:
                send("GET", self.endpoint + "/statements")
                return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)  # a server starting, not the test's time
        pytest.fail("the LRS did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
            self.log.close()

    def stored(self) -> list[dict]:
        status, found = send("GET", self.endpoint + "/statements?limit=500")
        assert status == 200, found
        return found["statements"]


@pytest.fixture(autouse=True)
def no_local_http(settings):
    """As in production, whatever DEBUG says: plain http to this machine is
    refused unless a test allows it (the real LRS below runs on http)."""
    settings.WAYMARK_LRS_ALLOW_LOCAL_HTTP = False


@pytest.fixture
def ralph(tmp_path, settings):
    require_ralph()
    settings.WAYMARK_LRS_ALLOW_LOCAL_HTTP = True
    server = Ralph(tmp_path)
    server.start()
    yield server
    server.stop()


def save(client, data, htmx=False):
    """The settings page's form, as the page renders it."""
    return client.post(reverse("lrs_settings"), data, headers=HTMX if htmx else {})


def history(client):
    """Four records: two status changes of s1, a skip, and a review days later."""
    client.post(reverse("progress_follow", args=["small"]))
    mark(client, "step", "s1", "learning")
    mark(client, "step", "s1", "done")
    mark(client, "step", "s2", "skipped")


def pending_rounds() -> list[DBTaskResult]:
    return list(
        DBTaskResult.objects.filter(
            task_path="progress.lrs.send_to_store", status="READY"
        )
    )


# --- The form -------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True])
def test_the_form_saves_the_store_with_its_account_encrypted(client, learner, htmx):
    client.force_login(learner)
    page = client.get(reverse("lrs_settings"))
    for name in ("endpoint", "username", "secret", "enabled"):
        assert f'name="{name}"' in page.content.decode()

    response = save(client, GOOD, htmx)

    if htmx:
        assert response.status_code == 200
        assert "Saved: your history is on its way" in response.content.decode()
        assert "waymark:announce" in response["HX-Trigger"]
    else:
        assert response.status_code == 302
        assert response["Location"] == reverse("lrs_settings")
    store = LearningRecordStore.objects.get(learner=learner)
    assert store.endpoint == "https://records.example.org/xAPI"  # no trailing slash
    assert store.statements_url == "https://records.example.org/xAPI/statements"
    assert (store.username, store.secret, store.enabled) == (
        GOOD["username"],
        GOOD["secret"],
        True,
    )
    # At rest, neither the secret nor the username is readable in the row.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM progress_learningrecordstore")
        raw = repr(cursor.fetchall())
    assert GOOD["secret"] not in raw
    assert GOOD["username"] not in raw
    assert "records.example.org" in raw  # the row read is the store's
    # The first round is queued for the worker; the page did not send anything.
    assert len(pending_rounds()) == 1
    assert store.last_sent_at is None


@pytest.mark.django_db
def test_the_secret_is_never_shown_and_kept_when_left_empty(client, learner):
    client.force_login(learner)
    save(client, GOOD)
    page = client.get(reverse("lrs_settings")).content.decode()
    assert GOOD["secret"] not in page
    assert "Saved. Leave it empty to keep it" in page
    assert GOOD["username"] in page  # the account's name is not the secret

    response = save(client, {**GOOD, "secret": "", "username": "renamed"}, True)
    assert response.status_code == 200
    assert GOOD["secret"] not in response.content.decode()
    store = LearningRecordStore.objects.get(learner=learner)
    assert (store.username, store.secret) == ("renamed", GOOD["secret"])


BAD = [
    ({"endpoint": "ftp://records.example.org/xAPI"}, "endpoint"),
    ({"endpoint": "http://records.example.org/xAPI"}, "endpoint"),
    ({"endpoint": "http://127.0.0.1:8080/xAPI"}, "endpoint"),  # not allowed here
    ({"endpoint": "https://me:pw@records.example.org/xAPI"}, "endpoint"),
    ({"endpoint": "https://10.1.2.3/xAPI"}, "endpoint"),
    ({"endpoint": "https://169.254.169.254/latest"}, "endpoint"),
    ({"endpoint": "https://records.example.org/xAPI?key=1"}, "endpoint"),
    ({"endpoint": "not an address"}, "endpoint"),
    ({"endpoint": ""}, "endpoint"),
    ({"username": ""}, "username"),
    ({"username": "u" * 201}, "username"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize(("change", "field"), BAD)
def test_a_bad_input_is_refused_with_its_error_and_changes_nothing(
    client, learner, htmx, change, field
):
    client.force_login(learner)
    save(client, GOOD)
    before = LearningRecordStore.objects.values().get(learner=learner)
    queued = len(pending_rounds())

    response = save(client, {**GOOD, "secret": "a-new-secret", **change}, htmx)

    assert response.status_code == (200 if htmx else 400)
    html = response.content.decode()
    assert f'<ul class="errorlist" id="id_{field}_error">' in html
    assert "a-new-secret" not in html
    assert LearningRecordStore.objects.values().get(learner=learner) == before
    assert len(pending_rounds()) == queued


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True])
def test_a_first_store_needs_its_secret(client, learner, htmx):
    client.force_login(learner)
    response = save(client, {**GOOD, "secret": ""}, htmx)
    assert response.status_code == (200 if htmx else 400)
    assert 'id="id_secret_error"' in response.content.decode()
    assert not LearningRecordStore.objects.exists()


@pytest.mark.django_db
def test_local_http_is_allowed_only_when_the_setting_says(client, learner, settings):
    client.force_login(learner)
    local = {**GOOD, "endpoint": "http://127.0.0.1:9/xAPI"}
    assert save(client, local).status_code == 400
    settings.WAYMARK_LRS_ALLOW_LOCAL_HTTP = True
    assert save(client, local).status_code == 302
    # A store saved while it was allowed is not sent to once it is not.
    settings.WAYMARK_LRS_ALLOW_LOCAL_HTTP = False
    run_tasks()
    store = LearningRecordStore.objects.get(learner=learner)
    assert "https" in store.last_error
    assert store.next_round_at is None


# --- Who may ------------------------------------------------------------------------

URLS = ["lrs_settings", "lrs_send", "lrs_remove"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", URLS)
def test_anonymous_visitors_are_sent_to_sign_in(client, learner, name):
    for response in (client.get(reverse(name)), client.post(reverse(name), GOOD)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert not LearningRecordStore.objects.exists()


@pytest.mark.django_db
def test_another_learner_neither_sees_nor_changes_the_store(
    client, learner, other_learner
):
    client.force_login(learner)
    save(client, GOOD)
    mine = LearningRecordStore.objects.values().get(learner=learner)
    queued = len(pending_rounds())

    client.force_login(other_learner)
    page = client.get(reverse("lrs_settings")).content.decode()
    assert "records.example.org" not in page
    assert GOOD["username"] not in page
    assert client.post(reverse("lrs_send"), headers=HTMX).status_code == 200
    assert client.post(reverse("lrs_remove")).status_code == 302

    assert LearningRecordStore.objects.values().get(learner=learner) == mine
    assert len(pending_rounds()) == queued
    assert client.get(reverse("lrs_send")).status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True])
def test_remove_forgets_the_store_and_stops_its_rounds(client, learner, htmx):
    client.force_login(learner)
    save(client, GOOD)
    response = client.post(reverse("lrs_remove"), headers=HTMX if htmx else {})
    assert response.status_code == (200 if htmx else 302)
    assert not LearningRecordStore.objects.exists()
    assert run_tasks() == 1  # the queued round finds its store gone
    assert DBTaskResult.objects.get().return_value == "gone"


@pytest.mark.django_db
def test_account_settings_link_to_the_page(client, learner):
    client.force_login(learner)
    page = client.get(reverse("account_settings")).content.decode()
    assert f'href="{reverse("lrs_settings")}"' in page


# --- Sending, to a real store -----------------------------------------------------


def account(ralph) -> dict:
    return {"endpoint": ralph.endpoint, "username": USER, "secret": SECRET}


def stored_ids(ralph) -> list[str]:
    return sorted(statement["id"] for statement in ralph.stored())


@pytest.mark.django_db
def test_statements_arrive_validate_and_are_never_duplicated(
    client, learner, small_role, ralph, clock, settings
):
    client.force_login(learner)
    history(client)
    clock.advance(days=3)
    assert rate(client, "step", "s1", "good").status_code == 302
    assert save(client, {**GOOD, **account(ralph)}).status_code == 302
    store = LearningRecordStore.objects.get()
    clock.advance(minutes=2)  # a record waits a minute, in case another commits

    run_tasks()  # the worker's round: a POST the store validates, or an error

    expected = sorted(s["id"] for s in xapi.statements(learner))
    assert len(expected) == 4
    assert stored_ids(ralph) == expected
    by_id = {s["id"]: s for s in ralph.stored()}
    for sent in xapi.statements(learner):
        assert by_id[sent["id"]]["verb"]["id"] == sent["verb"]["id"]
        assert by_id[sent["id"]]["object"]["id"] == sent["object"]["id"]
    store.refresh_from_db()
    assert (store.statements_sent, store.last_error) == (4, "")
    assert store.last_sent_at == clock.now()
    page = client.get(reverse("lrs_settings")).content.decode()
    assert "4 statements sent in all" in page

    # A new status change reaches the store at the next round, minutes later,
    # alone: a send takes only what is new.
    mark(client, "step", "s2", "done")
    assert run_tasks() == 0  # the next round is not due yet
    clock.advance(minutes=settings.WAYMARK_LRS_EVERY_MINUTES + 1)
    run_tasks()
    assert len(stored_ids(ralph)) == 5
    store.refresh_from_db()
    assert store.statements_sent == 5

    # "Send now" with nothing new sends nothing.
    assert client.post(reverse("lrs_send"), headers=HTMX).status_code == 200
    run_tasks()
    store.refresh_from_db()
    assert store.statements_sent == 5

    # An answer lost after the store kept the statements: the marks did not
    # move, so everything goes again, and the store still keeps one of each.
    LearningRecordStore.objects.update(sent_event_id=0, sent_review_id=0)
    client.post(reverse("lrs_send"))
    run_tasks()
    store.refresh_from_db()
    assert store.statements_sent == 10 and store.last_error == ""
    assert stored_ids(ralph) == sorted(s["id"] for s in xapi.statements(learner))


@pytest.mark.django_db
def test_a_store_that_is_down_is_tried_again_without_duplicates(
    client, learner, small_role, ralph, clock, settings
):
    settings.WAYMARK_LRS_BATCH = 2  # several batches: the marks move batch by batch
    client.force_login(learner)
    history(client)
    save(
        client, {**GOOD, "endpoint": ralph.endpoint, "username": USER, "secret": SECRET}
    )
    ralph.stop()
    clock.advance(minutes=2)

    run_tasks()

    store = LearningRecordStore.objects.get()
    assert "Could not reach the store" in store.last_error
    assert store.failures == 1
    assert store.next_round_at == clock.now() + lrs.backoff(1)
    page = client.get(reverse("lrs_settings")).content.decode()
    assert "Could not reach the store" in page
    assert "Waymark tries again by itself" in page

    ralph.start()
    clock.advance(minutes=2)
    run_tasks()
    store.refresh_from_db()
    assert (store.last_error, store.failures, store.statements_sent) == ("", 0, 3)
    assert stored_ids(ralph) == sorted(s["id"] for s in xapi.statements(learner))

    clock.advance(minutes=settings.WAYMARK_LRS_EVERY_MINUTES + 1)
    run_tasks()
    assert len(ralph.stored()) == 3


@pytest.mark.django_db
def test_a_wrong_password_is_kept_as_the_error_and_shown(
    client, learner, small_role, ralph, clock
):
    client.force_login(learner)
    history(client)
    wrong = {**GOOD, "endpoint": ralph.endpoint, "username": USER, "secret": "nope"}
    save(client, wrong)
    clock.advance(minutes=2)

    run_tasks()

    store = LearningRecordStore.objects.get()
    assert "refused the username or secret (HTTP 401)" in store.last_error
    assert store.next_round_at is None and not pending_rounds()  # not retried
    assert ralph.stored() == []
    page = client.get(reverse("lrs_settings")).content.decode()
    assert "refused the username or secret (HTTP 401)" in page
    assert "nope" not in page

    # The learner enters the right one: the history goes, the error is gone.
    response = save(client, {**wrong, "secret": SECRET}, htmx=True)
    assert "refused" not in response.content.decode()
    run_tasks()
    store.refresh_from_db()
    assert (store.last_error, store.statements_sent) == ("", 3)
    assert len(ralph.stored()) == 3


@pytest.mark.django_db
def test_temporary_failures_are_tried_with_backoff_then_hourly(
    client, learner, small_role, clock, settings
):
    settings.WAYMARK_LRS_ALLOW_LOCAL_HTTP = True
    settings.WAYMARK_LRS_ATTEMPTS = 3
    client.force_login(learner)
    history(client)
    nothing_there = f"http://127.0.0.1:{spare_port()}/xAPI"
    save(client, {**GOOD, "endpoint": nothing_there})
    clock.advance(minutes=2)

    waits = []
    for _ in range(5):
        assert run_tasks() == 1
        store = LearningRecordStore.objects.get()
        waits.append(store.next_round_at - clock.now())
        clock.current = store.next_round_at

    # 1 and 4 minutes apart (the backoff), then every hour: never given up.
    minute = datetime.timedelta(minutes=1)
    assert waits == [
        minute,
        4 * minute,
        lrs.RETRY_LATER,
        lrs.RETRY_LATER,
        lrs.RETRY_LATER,
    ]
    assert store.failures == 5
    assert "Could not reach the store" in store.last_error
    assert "127.0.0.1" not in store.last_error  # the network's own reason stays out
    page = client.get(reverse("lrs_settings")).content.decode()
    assert "Waymark tries again by itself" in page


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (500, lrs.TemporaryFailure),
        (503, lrs.TemporaryFailure),
        (429, lrs.TemporaryFailure),
        (401, lrs.PermanentFailure),
        (403, lrs.PermanentFailure),
        (400, lrs.PermanentFailure),
        (302, lrs.PermanentFailure),
        (409, lrs.Conflict),
    ],
)
def test_each_answer_is_either_tried_again_or_kept(code, kind):
    assert isinstance(lrs.refusal(code, b"detail"), kind)


@pytest.mark.django_db(transaction=True)
def test_the_worker_process_sends_the_history(learner, small_role, ralph, settings):
    """`manage.py db_worker`, as deployed, against the test PostgreSQL database."""
    from django.test import Client

    from tests.serving.servers import ROOT, require_postgresql, server_environment

    require_postgresql()
    settings.WAYMARK_FIELD_KEY = "a-field-key-both-processes-share"
    client = Client()
    client.force_login(learner)
    history(client)
    save(
        client, {**GOOD, "endpoint": ralph.endpoint, "username": USER, "secret": SECRET}
    )
    # The worker runs on the wall clock: the records are made two minutes old,
    # past the minute a record waits (`lrs.SETTLE`).
    ProgressEvent.objects.update(
        created_at=F("created_at") - datetime.timedelta(minutes=2)
    )
    environment = server_environment(port=0) | {
        "WAYMARK_FIELD_KEY": settings.WAYMARK_FIELD_KEY,
        "WAYMARK_LRS_ALLOW_LOCAL_HTTP": "true",
    }
    worker = subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, "manage.py", "db_worker", *WORKER_OPTIONS],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    store = LearningRecordStore.objects.get()
    assert store.last_error == "", worker.stderr
    assert store.statements_sent == 3, worker.stderr
    assert stored_ids(ralph) == sorted(s["id"] for s in xapi.statements(learner))
    assert SECRET not in worker.stdout + worker.stderr


@pytest.mark.django_db
def test_the_page_is_valid_html_in_each_state(client, learner, vnu, tmp_path):  # noqa: F811
    """Empty, with a store and its error, and with a refused form (vnu, as
    tests/browser/test_html_validity.py runs it)."""
    client.force_login(learner)
    pages = {"lrs-empty": client.get(reverse("lrs_settings")).content.decode()}
    save(client, GOOD)
    client.get(reverse("lrs_settings"))  # its message shown
    LearningRecordStore.objects.update(last_error="The store refused (HTTP 400).")
    pages["lrs-store"] = client.get(reverse("lrs_settings")).content.decode()
    pages["lrs-refused"] = save(
        client, {**GOOD, "endpoint": "ftp://x"}
    ).content.decode()
    assert check_html(vnu, tmp_path, pages) == []
