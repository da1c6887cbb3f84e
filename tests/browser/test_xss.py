"""The XSS corpus in Chromium: with every payload stored in every field, the
pages that show them run none of it (window.__xss stays unset, no dialog)."""

import pytest
from django.test import Client

from tests.browser.conftest import watched_context
from tests.security.world import build_world
from tests.security.xss import PAYLOADS, pages_for, write_everywhere

pytestmark = pytest.mark.django_db(transaction=True)


def signed_in_context(browser, live_server, user):
    client = Client()
    client.force_login(user)
    context = watched_context(browser)
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )
    return context


def test_no_payload_runs_in_chromium(browser, live_server, small_role, steps):
    world = build_world(small_role, steps)
    pages = pages_for(world, steps)
    contexts = {
        actor: signed_in_context(browser, live_server, world.users[actor])
        for actor in pages
    }
    dialogs = []
    visited = 0
    for payload in PAYLOADS:
        write_everywhere(world, steps, payload)
        for actor, urls in pages.items():
            page = contexts[actor].new_page()
            page.on(
                "dialog",
                lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()),
            )
            for url in urls:
                response = page.goto(live_server.url + url)
                assert response.status == 200, (actor, url)
                # Give event handlers (onload, ontoggle, onerror) their chance.
                page.wait_for_load_state("load")
                assert page.evaluate("() => window.__xss") is None, (
                    actor,
                    url,
                    payload,
                )
                visited += 1
            page.close()
    assert dialogs == []
    print(
        f"\nxss in Chromium: {len(PAYLOADS)} payloads, {visited} page loads, none ran"
    )
