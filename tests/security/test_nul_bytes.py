"""A NUL character in any query parameter, form field or path of the URL map
answers 400 with its reason, and writes nothing. PostgreSQL refuses NUL in text,
so a view that put one in a query answered 500 there
(`/roles/<slug>/compare/?with=%00`); CI runs this on PostgreSQL.

The fields each view reads are found by asking it: every URL is requested once
with clean data while every read of `request.GET` or `request.POST` is noted."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.http import QueryDict
from django.test import Client

from tests.security.test_access_matrix import fingerprint
from tests.security.world import (
    build_world,
    concrete_url,
    remember_routes,
    url_patterns,
)

# Tried on a URL whose view reads no field at all.
FALLBACK = {"q"}
ACTORS = ["owner", "mentor"]  # a signed-in learner, and a learner who mentors


class Reads:
    """The keys read from any QueryDict (request.GET or request.POST) while on."""

    def __init__(self, monkeypatch):
        self.keys: set[str] = set()
        for method in ("get", "__getitem__", "getlist", "__contains__"):
            original = getattr(QueryDict, method)

            def noting(dictionary, key, *args, _original=original, **kwargs):
                if isinstance(key, str):
                    self.keys.add(key)
                return _original(dictionary, key, *args, **kwargs)

            monkeypatch.setattr(QueryDict, method, noting)


def fields_read(client: Client, user, url: str) -> set[str]:
    """What the view at `url` reads; whatever its clean requests wrote (a follow,
    a sign-out) is rolled back."""
    with pytest.MonkeyPatch.context() as monkeypatch, transaction.atomic():
        reads = Reads(monkeypatch)
        client.get(url)
        client.post(url, {})
        client.post(url, {}, headers={"HX-Request": "true"})
        transaction.set_rollback(True)
    client.force_login(user)
    return reads.keys - {"csrfmiddlewaretoken"}


def with_nul_in_path(url: str) -> str:
    path, _, query = url.partition("?")
    trailing = "/" if path.endswith("/") else ""
    return path.rstrip("/") + "%00" + trailing + (f"?{query}" if query else "")


def refusal(response) -> str | None:
    """None when the response is the NUL refusal; else what it was instead."""
    body = response.content.decode(errors="replace")
    if response.status_code == 400 and "NUL character" in body:
        return None
    return f"{response.status_code} {body[:80]!r}"


@pytest.mark.django_db(transaction=False)
def test_a_nul_byte_in_any_parameter_field_or_path_is_refused_with_400(
    small_role, steps
):
    world = build_world(small_role, steps)
    patterns = url_patterns()
    remember_routes(world, patterns)
    urls = sorted(
        {concrete_url(name, pattern, world) for _r, name, pattern in patterns}
    )
    problems: list[str] = []
    requests = 0
    found: set[str] = set()
    before = fingerprint()
    for actor in ACTORS:
        client = Client(raise_request_exception=False)
        client.force_login(world.users[actor])
        for url in urls:
            read = fields_read(client, world.users[actor], url)
            found |= read
            separator = "&" if "?" in url else "?"
            for key in sorted(read or FALLBACK):
                for what, response in (
                    ("GET", client.get(f"{url}{separator}{key}=%00")),
                    ("POST", client.post(url, {key: "a\x00b"})),
                    (
                        "POST htmx",
                        client.post(url, {key: "\x00"}, headers={"HX-Request": "true"}),
                    ),
                ):
                    requests += 1
                    if (instead := refusal(response)) is not None:
                        problems.append(f"{actor} {what} {url} {key}: {instead}")
            for what, odd in (
                ("path", with_nul_in_path(url)),
                ("a key", f"{url}{separator}q%00=1"),
            ):
                requests += 1
                if (instead := refusal(client.get(odd))) is not None:
                    problems.append(f"{actor} {what} {odd}: {instead}")
    # The discovery found the views' fields, those read raw among them.
    assert {"with", "next", "note", "target_date", "sort", "q"} <= found, found
    server_errors = [p for p in problems if ": 5" in p]
    assert not problems, (
        f"{len(problems)} not refused ({len(server_errors)} server errors):\n"
        + "\n".join(server_errors + problems)[:6000]
    )
    assert fingerprint() == before, "a request with a NUL character wrote something"
    print(f"\nNUL bytes: {requests} requests over {len(urls)} URLs, all refused")
