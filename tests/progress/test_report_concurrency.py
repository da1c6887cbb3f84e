"""Fifteen reports posted at once by one learner: exactly ten are kept, the rest
refused with 429, never a 500 (PostgreSQL: the learner's row is locked)."""

import threading

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from progress import reports
from progress.models import ItemReport

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locking is tested on PostgreSQL (CI runs it there)")


def test_fifteen_reports_at_once_keep_exactly_ten(postgresql_only, learner, small_role):
    setup = Client()
    setup.force_login(learner)
    session = setup.cookies[settings.SESSION_COOKIE_NAME].value
    clients = []
    for _ in range(15):  # fifteen tabs of one browser
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = session
        clients.append(client)
    url = reverse("progress_report", args=["step", "s1"])
    barrier = threading.Barrier(15)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def go(number: int) -> None:
        try:
            barrier.wait()
            headers = {"HX-Request": "true"} if number % 2 else {}
            response = clients[number].post(url, {"kind": "wrong"}, headers=headers)
            statuses.append(response.status_code)
        except BaseException as error:  # collected and reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=go, args=(n,)) for n in range(15)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(statuses).count(429) == 15 - reports.DAILY_LIMIT
    assert all(status in (200, 302, 429) for status in statuses)
    assert ItemReport.objects.filter(learner=learner).count() == reports.DAILY_LIMIT
