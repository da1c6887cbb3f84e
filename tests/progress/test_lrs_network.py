"""Sending to a learner's store, where the network is the attacker: a host
name that answers differently twice, a store that answers a byte at a time,
addresses that lead into Waymark's own network, a round overtaken by the
learner's own change, a key rotated, a chain lost with its worker."""

import io
import socket
import threading

import pytest
from django.core.management import call_command
from django.urls import reverse

from progress import lrs
from progress.models import LearningRecordStore
from progress.models.lrs import allowed_address, decrypt
from tests.progress.test_lrs_sending import GOOD, history, pending_rounds, save
from tests.queue import run_tasks

PUBLIC = "93.184.216.34"


@pytest.fixture(autouse=True)
def no_local_http(settings):
    settings.WAYMARK_LRS_ALLOW_LOCAL_HTTP = False


@pytest.fixture
def store_with_history(client, learner, small_role, clock):
    client.force_login(learner)
    history(client)
    assert save(client, GOOD).status_code == 302
    clock.advance(minutes=2)
    return LearningRecordStore.objects.get()


@pytest.mark.django_db
def test_the_connection_goes_to_the_address_checked(store_with_history, monkeypatch):
    """A name whose second answer is 127.0.0.1 (DNS rebinding) is looked up
    once; the connection goes to the public address that was checked."""
    answers = iter([PUBLIC, "127.0.0.1"])
    lookups, connections = [], []

    def getaddrinfo(host, port, *args, **kwargs):
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    def create_connection(address, *args, **kwargs):
        connections.append(address)
        raise ConnectionRefusedError("nobody there")

    monkeypatch.setattr(lrs.socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(lrs.socket, "create_connection", create_connection)

    with pytest.raises(lrs.TemporaryFailure) as failure:
        lrs.post(store_with_history, [{"id": "x"}])

    assert lookups == ["records.example.org"]
    assert connections == [(PUBLIC, 443)]
    # The learner reads what happened, not the network's reason for it.
    assert "nobody there" not in str(failure.value)


@pytest.mark.django_db
def test_a_name_with_a_private_address_is_refused(store_with_history, monkeypatch):
    def getaddrinfo(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC, port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port)),
        ]

    monkeypatch.setattr(lrs.socket, "getaddrinfo", getaddrinfo)

    run_tasks()

    store = LearningRecordStore.objects.get()
    assert "in a private network" in store.last_error
    assert store.next_round_at is None and not pending_rounds()


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        (PUBLIC, True),
        ("10.1.2.3", False),
        ("169.254.169.254", False),
        ("::ffff:127.0.0.1", False),
        ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
        ("64:ff9b::a00:7", False),  # NAT64 of 10.0.0.7
        ("64:ff9b::5db8:d822", True),  # NAT64 of a public address
        ("2002:7f00:1::1", False),  # 6to4 of 127.0.0.1
        ("2606:4700:4700::1111", True),
    ],
)
def test_which_addresses_a_store_may_have(address, allowed, settings):
    settings.WAYMARK_LRS_ALLOW_LOCAL_HTTP = False
    assert allowed_address(address) is allowed


@pytest.mark.django_db
@pytest.mark.parametrize(
    "endpoint",
    [
        "https://[64:ff9b::7f00:1]/xAPI",
        "https://records.example.org:99999/xAPI",
        "https://records.example.org:0/xAPI",
        "https://" + "é" * 70 + ".example/xAPI",
    ],
)
def test_an_address_that_could_not_be_sent_to_is_refused_by_the_form(
    client, learner, endpoint
):
    client.force_login(learner)
    response = save(client, {**GOOD, "endpoint": endpoint})
    assert response.status_code == 400
    assert 'id="id_endpoint_error"' in response.content.decode()
    assert not LearningRecordStore.objects.exists()


@pytest.mark.django_db
def test_a_store_answering_a_byte_at_a_time_is_cut_off(store_with_history, settings):
    """The timeout is for the whole request, not for each read: a store that
    drips its answer keeps no worker busy past it."""
    settings.WAYMARK_LRS_ALLOW_LOCAL_HTTP = True
    settings.WAYMARK_LRS_TIMEOUT_SECONDS = 1
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()
    dripped = []

    def drip():
        connection, _ = server.accept()
        connection.recv(65536)
        try:
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 40:
                if stop.wait(0.1):
                    break
                connection.sendall(bytes([byte]))
                dripped.append(byte)
            connection.sendall(b"\r\nContent-Length: 0\r\n\r\n")
        except OSError:
            pass  # cut off: what the test wants
        finally:
            connection.close()

    thread = threading.Thread(target=drip)
    thread.start()
    port = server.getsockname()[1]
    store_with_history.endpoint = f"http://127.0.0.1:{port}/xAPI"
    try:
        with pytest.raises(lrs.TemporaryFailure):
            lrs.post(store_with_history, [{"id": "x"}])
    finally:
        stop.set()
        thread.join()
        server.close()
    # Each read got a byte well within its second; the whole answer did not.
    assert 0 < len(dripped) < 57


@pytest.mark.django_db
def test_remove_stops_a_round_between_two_batches(
    client, store_with_history, settings, monkeypatch
):
    settings.WAYMARK_LRS_BATCH = 1
    posted = []

    def post(store, statements):
        posted.append(statements)
        if len(posted) == 1:  # the learner presses "Remove" meanwhile
            assert client.post(reverse("lrs_remove")).status_code == 302

    monkeypatch.setattr(lrs, "post", post)

    run_tasks()

    assert len(posted) == 1
    assert not LearningRecordStore.objects.exists()


@pytest.mark.django_db
def test_a_new_account_saved_during_a_round_keeps_its_own_marks(
    client, store_with_history, settings, monkeypatch
):
    settings.WAYMARK_LRS_BATCH = 1
    posted = []

    def post(store, statements):
        posted.append(store.username)
        if len(posted) == 1:
            assert save(client, {**GOOD, "username": "u2"}).status_code == 302

    monkeypatch.setattr(lrs, "post", post)
    run_tasks()  # the old round stops; the new one sends everything to u2

    store = LearningRecordStore.objects.get()
    assert posted == ["lrs-account-name", "u2", "u2", "u2"]
    assert store.statements_sent == 3


@pytest.mark.django_db
def test_an_unexpected_error_is_tried_again_not_lost(store_with_history, monkeypatch):
    def post(store, statements):
        raise RuntimeError("a bug")

    monkeypatch.setattr(lrs, "post", post)
    run_tasks()

    store = LearningRecordStore.objects.get()
    assert store.last_error == "Sending failed on Waymark's side."
    assert store.next_round_at is not None and pending_rounds()


@pytest.mark.django_db
def test_a_chain_lost_with_its_worker_is_resumed_by_the_hourly_job(
    store_with_history, clock
):
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.all().delete()  # the worker was stopped, its queue lost
    store = store_with_history
    assert lrs.resume_stalled(clock.now()) == "0 store(s) resumed"  # not yet late
    clock.advance(hours=2)

    assert lrs.resume_stalled(clock.now()) == "1 store(s) resumed"

    assert len(pending_rounds()) == 1
    store.refresh_from_db()
    assert store.next_round_at == clock.now()


@pytest.mark.django_db
def test_a_record_younger_than_a_minute_waits_for_the_next_round(
    client, learner, small_role, clock, monkeypatch
):
    posted = []
    monkeypatch.setattr(
        lrs, "post", lambda store, statements: posted.extend(statements)
    )
    client.force_login(learner)
    history(client)
    save(client, GOOD)

    run_tasks()  # at once: the records may still have company committing

    assert posted == []
    clock.advance(minutes=6)
    run_tasks()
    assert len(posted) == 3


@pytest.mark.django_db
def test_a_rotated_key_keeps_the_secret_and_a_lost_one_asks_again(
    client, learner, settings
):
    settings.WAYMARK_FIELD_KEY = ""
    client.force_login(learner)
    save(client, GOOD)
    # Setting a field key for the first time: what the secret key wrote opens.
    settings.WAYMARK_FIELD_KEY, settings.WAYMARK_FIELD_KEY_FALLBACKS = "new-key", []
    store = LearningRecordStore.objects.get()
    assert store.secret == GOOD["secret"]

    out = io.StringIO()
    call_command("rotate_field_key", stdout=out)
    assert "1 store(s) written with the first key." in out.getvalue()

    # Written with the new key alone: the old keys can go.
    settings.SECRET_KEY_FALLBACKS = []
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    store = LearningRecordStore.objects.get()
    assert (store.username, store.secret) == (GOOD["username"], GOOD["secret"])

    # A key lost: the page asks for the secret again instead of keeping "Saved".
    settings.WAYMARK_FIELD_KEY = "yet-another-key"
    client.force_login(learner)  # the session went with the old secret key
    assert decrypt(LearningRecordStore.objects.get().secret_encrypted) == ""
    page = client.get(reverse("lrs_settings")).content.decode()
    assert "Leave it empty to keep it" not in page
    response = save(client, {**GOOD, "secret": ""})
    assert response.status_code == 400
    assert 'id="id_secret_error"' in response.content.decode()
