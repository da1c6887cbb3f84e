"""Making, checking and revoking personal access tokens: the one place that
knows a token's format and how it is kept.

A token reads `wm_<prefix>_<secret>`. The prefix (8 hex digits) finds its row;
the secret (43 URL-safe characters, 256 bits) is kept only as its SHA-256
digest and compared in constant time. A token is refused once revoked or past
its expiry; its use is noted (`last_used_at`) at most once a minute, so a
busy client does not write on every request. Tokens open the API only:
nothing else in the site reads the `Authorization` header."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from api.models import AccessToken

TOKEN = re.compile(r"^wm_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$")
USE_NOTED_EVERY = datetime.timedelta(minutes=1)
MAX_TOKENS = 20  # usable tokens per person


class TooManyTokens(Exception):
    """The person already has `MAX_TOKENS` usable tokens."""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create(user, name: str, scope: str, expires_at=None) -> tuple[AccessToken, str]:
    """A new token for `user`: the row, and the token itself, which is never
    shown again."""
    if AccessToken.objects.filter(user=user).usable().count() >= MAX_TOKENS:
        raise TooManyTokens
    secret = secrets.token_urlsafe(32)
    for _ in range(5):  # a prefix already taken: draw another
        prefix = secrets.token_hex(4)
        try:
            with transaction.atomic():
                token = AccessToken.objects.create(
                    user=user,
                    name=name,
                    prefix=prefix,
                    digest=_digest(secret),
                    scope=scope,
                    expires_at=expires_at,
                )
        except IntegrityError:
            continue
        return token, f"wm_{prefix}_{secret}"
    raise RuntimeError("no free token prefix after five draws")


def authenticate(presented: str) -> AccessToken | None:
    """The usable token `presented` is, with its user; None for anything else
    (malformed, unknown, wrong secret, revoked, expired, inactive user)."""
    match = TOKEN.match(presented or "")
    if match is None:
        return None
    prefix, secret = match.groups()
    now = timezone.now()
    token = (
        AccessToken.objects.usable(now)
        .select_related("user")
        .filter(prefix=prefix, user__is_active=True)
        .first()
    )
    if token is None or not hmac.compare_digest(token.digest, _digest(secret)):
        return None
    if token.last_used_at is None or now - token.last_used_at >= USE_NOTED_EVERY:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def revoke(user, token_id: int) -> bool:
    """Revoke one of `user`'s tokens; whether there was one to revoke."""
    return bool(
        AccessToken.objects.filter(
            user=user, pk=token_id, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
    )
