"""Every payload of the corpus, in every user-writable field, on every page that
shows the field (the admin included): escaped in the HTTP body. Chromium's half of
the check (nothing runs) is tests/browser/test_xss.py."""

import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from tests.security.world import build_world
from tests.security.xss import (
    FIELDS,
    JAVASCRIPT_URL,
    PAYLOADS,
    pages_for,
    write_everywhere,
)


class Hostile(HTMLParser):
    """What the browser would build from the page: any element with an event
    handler attribute, a javascript: link, a frame, or a script or style whose
    text carries a payload. Escaped payloads are text and build none of these."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in = None

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name in {"href", "src", "action"} and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:...>")
        if tag in {"iframe", "object", "embed"}:
            self.found.append(f"<{tag}>")
        self._in = tag if tag in {"script", "style"} else None

    def handle_data(self, data):
        if self._in and ("__xss" in data or "x.invalid" in data):
            self.found.append(f"<{self._in}> with a payload")

    def handle_endtag(self, tag):
        self._in = None


def hostile_markup(body: str) -> list[str]:
    parser = Hostile()
    parser.feed(body)
    return parser.found


@pytest.mark.django_db
def test_every_payload_is_escaped_on_every_page(small_role, steps):
    world = build_world(small_role, steps)
    pages = pages_for(world, steps)
    clients = {}
    for actor in pages:
        clients[actor] = Client(raise_request_exception=False)
        clients[actor].force_login(world.users[actor])
    responses = 0
    for payload in PAYLOADS:
        write_everywhere(world, steps, payload)
        for actor, urls in pages.items():
            for url in urls:
                response = clients[actor].get(url)
                responses += 1
                assert response.status_code == 200, (actor, url, response.status_code)
                body = response.content.decode()
                assert payload not in body or not re.search(r"[<>\"']", payload), (
                    actor,
                    url,
                    payload,
                )
                assert hostile_markup(body) == [], (actor, url, payload)
                assert f'href="{JAVASCRIPT_URL}' not in body
    pages_count = sum(len(urls) for urls in pages.values())
    print(
        f"\nxss: {len(PAYLOADS)} payloads x {len(FIELDS)} fields, "
        f"{pages_count} pages, {responses} responses, 0 unescaped"
    )


@pytest.mark.django_db
def test_the_forms_keep_a_javascript_url_out(client, learner, steps):
    client.force_login(learner)
    response = client.post(
        f"/items/step/{steps[0].slug}/evidence/",
        {"url": JAVASCRIPT_URL, "title": "x"},
    )
    assert response.status_code in (200, 400)
    assert "Enter a valid URL" in response.content.decode()
    from progress.models import Evidence

    assert not Evidence.objects.exists()


def test_the_detector_sees_each_live_payload():
    # Unescaped, every payload but the already-escaped one and the HTML comment
    # would build hostile markup: the check above would catch it.
    inert = {PAYLOADS[8], PAYLOADS[11]}
    for payload in PAYLOADS:
        assert bool(hostile_markup(payload)) == (payload not in inert), payload
