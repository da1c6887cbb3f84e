"""Who a request to the API is: the person whose personal access token it
carries (`Authorization: Bearer wm_…`), and nothing else.

Sessions do not count: a browser's cookies open no learner endpoint, so a
forged cross-site request can read or write nothing, and CSRF does not apply.
A token opens only the API: the site's pages and the admin never read the
`Authorization` header (tests/api/test_tokens.py proves both)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer

from api import tokens


class TokenAuth(HttpBearer):
    """A usable token; with `write`, one whose scope lets it change data."""

    def __init__(self, *, write: bool = False):
        super().__init__()
        self.write = write

    def authenticate(self, request: HttpRequest, token: str):
        found = tokens.authenticate(token)
        if found is None:
            return None  # 401, with WWW-Authenticate (api.v1)
        if self.write and not found.writes:
            raise HttpError(403, "This token may only read: make one with write scope.")
        request.token = found
        # The token's person is the request's person, whatever session cookie
        # came with it: the site's own rules (who mentors whom) read it here.
        request.user = found.user
        return found.user


READ = TokenAuth()
WRITE = TokenAuth(write=True)
