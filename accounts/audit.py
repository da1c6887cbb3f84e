"""The audit log: who signed in, who failed to, who was refused, what changed in a
mentorship, which account was deleted. One line per event on the `waymark.audit`
logger, with ids and addresses only: never a password, a token, an email address
typed at the login form, or the text of a note."""

from __future__ import annotations

import hashlib
import logging

from allauth.account.adapter import get_adapter
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest

audit = logging.getLogger("waymark.audit")


def client_address(request: HttpRequest | None) -> str:
    """The client's address as allauth's rate limits see it: behind the proxy,
    the one our proxy recorded (ALLAUTH_TRUSTED_PROXY_COUNT in the settings)."""
    if request is None:
        return "-"
    try:
        return get_adapter(request).get_client_ip(request)
    except (PermissionDenied, ImproperlyConfigured):
        # No usable address (or fewer X-Forwarded-For entries than proxies).
        return "-"


def fingerprint(value: str) -> str:
    """A short one-way digest: enough to see repeated attempts on one login,
    not enough to read it back."""
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:12]


def log_denied(request: HttpRequest, reason: str) -> None:
    user = getattr(request, "user", None)
    audit.warning(
        "denied user=%s ip=%s path=%s reason=%s",
        user.pk if user is not None and user.is_authenticated else "-",
        client_address(request),
        request.path[:200],
        reason,
    )


def signed_in(sender, request, user, **kwargs) -> None:
    audit.info("sign-in user=%s ip=%s", user.pk, client_address(request))


def sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    login = credentials.get("username") or credentials.get("email") or ""
    audit.warning(
        "sign-in failed login=%s ip=%s",
        fingerprint(str(login)) if login else "-",
        client_address(request),
    )


def signed_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit.info("sign-out user=%s ip=%s", user.pk, client_address(request))


def account_deleted(user_id: int, request: HttpRequest) -> None:
    audit.info("account-deleted user=%s ip=%s", user_id, client_address(request))
