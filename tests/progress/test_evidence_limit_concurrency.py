"""The evidence an item holds is a limit from durable state: links added at
the same instant, through the item page's form and through the API, cannot
pass it together (PostgreSQL, where the row lock is real)."""

import json

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from api import tokens
from progress.models import EVIDENCE_PER_ITEM, Evidence, ItemProgress
from tests.api.helpers import bearer
from tests.concurrency import at_once

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_last_free_place_goes_to_one_of_four_at_once(learner, steps):
    if connection.vendor != "postgresql":
        pytest.skip("row locking is tested on PostgreSQL (CI runs it there)")
    for number in range(EVIDENCE_PER_ITEM - 1):
        ItemProgress.objects.add_evidence(
            learner, steps[0], url=f"https://example.com/{number}"
        )
    setup = Client()
    setup.force_login(learner)
    session = setup.cookies[settings.SESSION_COOKIE_NAME].value
    write = tokens.create(learner, "app", "write")[1]
    form_url = reverse("progress_add_evidence", args=["step", "s1"])
    api_url = "/api/v1/me/notes/step/s1/evidence"

    def by_page(number: int, htmx: bool):
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = session
        headers = {"HX-Request": "true"} if htmx else {}
        data = {"url": f"https://example.com/page-{number}", "title": ""}
        return lambda: client.post(form_url, data, headers=headers)

    def by_api(number: int):
        body = json.dumps({"url": f"https://example.com/api-{number}"})
        return lambda: Client().post(
            api_url, body, content_type="application/json", headers=bearer(write)
        )

    calls = [by_page(1, False), by_page(2, True), by_api(3), by_api(4)]
    answers, errors = at_once(calls)

    assert errors == []
    # Exactly one took the last place; the others were told the item is full
    # (the page: 400, or its section with the error for htmx; the API: 409).
    assert Evidence.objects.count() == EVIDENCE_PER_ITEM
    # The htmx post answers 200 either way; the others say which they were.
    assert sorted(answers) in (
        [200, 302, 409, 409],  # the page's plain post won
        [200, 400, 409, 409],  # the htmx post won
        [200, 201, 400, 409],  # an API call won
    )
