"""20 invitations and requests in 24 hours: counted from the rows sent, so the
limit holds across cache timeouts, app servers and a burst of parallel sends."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mentoring import consent as mentoring
from mentoring.models import Mentorship
from tests.factories import UserFactory

INVITE = reverse("mentoring_invite")
REQUEST = reverse("mentoring_request")
HUB = reverse("mentoring")
HTMX = {"HX-Request": "true"}
REFUSED = "You have sent 20 invitations and requests in the last 24 hours"


def send(client: Client, number: int, headers: dict | None = None):
    """Send number `number` as the hub's forms do: an emailed invitation, a
    one-time link or a mentor's request, in turn."""
    kind = number % 3
    if kind == 0:
        data = {"email": f"mentor{number}@example.com", "message": "", "next": HUB}
        return client.post(INVITE, data, headers=headers or {})
    if kind == 1:
        return client.post(INVITE, {"kind": "link", "next": HUB}, headers=headers or {})
    data = {"learner": f"someone{number}", "message": "", "next": HUB}
    return client.post(REQUEST, data, headers=headers or {})


def body_of(response) -> str:
    return response.content.decode()


@pytest.mark.django_db
def test_the_21st_is_refused_after_5_minutes_and_an_hour_and_allowed_after_a_day(
    client, learner, clock
):
    client.force_login(learner)
    first_sent = clock.now()
    for number in range(mentoring.DAILY_LIMIT):
        assert send(client, number).status_code == 302
        clock.advance(seconds=1)
    assert Mentorship.objects.count() == 20
    allowed_again = timezone.localtime(
        first_sent + mentoring.ALLOWANCE_WINDOW, learner.zone
    )

    number = mentoring.DAILY_LIMIT
    # The old cache counter forgot everything after 5 minutes.
    for wait in ({"minutes": 5, "seconds": 1}, {"hours": 1}):
        clock.advance(**wait)
        for headers in ({}, HTMX):
            for _kind in range(3):  # an email, a link and a request
                response = send(client, number, headers)
                number += 1
                assert response.status_code == 429
                body = body_of(response)
                assert REFUSED in body
                assert "Nothing was sent." in body
                assert (
                    f"You can send another from {allowed_again:%H:%M} on "
                    f"{allowed_again.day} {allowed_again:%B} (UTC)."
                ) in body
                assert int(response["Retry-After"]) > 0
    assert Mentorship.objects.count() == 20

    # 24 hours after the first send, that one leaves the window: one more fits.
    clock.current = first_sent + mentoring.ALLOWANCE_WINDOW
    clock.advance(milliseconds=500)
    assert send(client, number, HTMX).status_code == 302
    assert Mentorship.objects.count() == 21
    assert send(client, number + 1).status_code == 429
    assert Mentorship.objects.count() == 21


@pytest.mark.django_db
def test_the_refused_form_keeps_what_was_typed(client, learner, monkeypatch):
    monkeypatch.setattr(mentoring, "DAILY_LIMIT", 1)
    client.force_login(learner)
    client.post(INVITE, {"kind": "link"})

    response = client.post(
        INVITE, {"email": "mentor@example.com", "message": "Would you mentor me?"}
    )

    assert response.status_code == 429
    body = body_of(response)
    assert "<h1>Invite a mentor</h1>" in body
    assert 'value="mentor@example.com"' in body
    assert "Would you mentor me?</textarea>" in body
    assert Mentorship.objects.count() == 1


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locking is tested on PostgreSQL (CI runs it there)")


@pytest.mark.django_db(transaction=True)
def test_thirty_sends_at_once_create_exactly_twenty(postgresql_only):
    sender = UserFactory(username="sender")
    clients = []
    for _ in range(30):  # 30 browser tabs, each with its own session
        client = Client()
        client.force_login(sender)
        clients.append(client)
    barrier = threading.Barrier(30)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def go(number: int) -> None:
        try:
            barrier.wait()
            statuses.append(send(clients[number], number).status_code)
        except BaseException as error:  # collected and reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=go, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(statuses) == [302] * 20 + [429] * 10
    assert Mentorship.objects.sent_by(sender).count() == 20
    assert Mentorship.objects.count() == 20
