"""A status button clicked with htmx, as the browser does it: the click's answer
(the control), then what the page asks for when it hears of the change
(`waymark:status-changed`): each element listening for it fetches its part."""

from __future__ import annotations

import json
import re

from django.test import Client
from django.urls import reverse

LISTENER = re.compile(
    r'<[^>]*hx-get="([^"]+)"[^>]*hx-trigger="waymark:status-changed from:body"'
)
HTMX = {"HX-Request": "true"}


def listeners(html: str) -> list[str]:
    """The addresses a page's parts fetch when a status changes."""
    return LISTENER.findall(html)


def click(client: Client, kind: str, slug: str, status: str, *, page: str) -> str:
    """Click `status` on the item's control on `page` (a path), with htmx:
    every part the page fetches after it, then the answer, as one text."""
    listening = listeners(client.get(page).content.decode())
    response = client.post(
        reverse("progress_set_status", args=[kind, slug]),
        {"status": status},
        headers={**HTMX, "HX-Current-URL": f"http://testserver{page}"},
    )
    assert response.status_code == 200, response.content
    assert "waymark:status-changed" in json.loads(response.headers["HX-Trigger"])
    parts = [client.get(url, headers=HTMX) for url in listening]
    assert all(part.status_code == 200 for part in parts)
    # The parts first: what they replace (a choice mark in the control, say) is
    # what the page ends up showing.
    return "".join(part.content.decode() for part in parts) + response.content.decode()
