"""A learner's own learning record store (LRS): where the worker sends their
history as xAPI statements (`progress.lrs`), with the account it signs in as.

The username and secret are encrypted at rest (Fernet, `encrypt`/`decrypt`),
with a key derived from `WAYMARK_FIELD_KEY`, or the `SECRET_KEY` when that is
not set: a copy of the database alone does not give the learner's store away.
The secret is never shown again once saved, nor logged, nor in the admin.
"""

from __future__ import annotations

import base64
import ipaddress
from functools import cache
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

ENDPOINT_MAX_LENGTH = 500
USERNAME_MAX_LENGTH = 200
SECRET_MAX_LENGTH = 500
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}

# --- Encryption of fields at rest ------------------------------------------------


def _derive(key: str) -> Fernet:
    """A Fernet key from any string (HKDF-SHA256): a long random setting, or the
    site's secret key, never used as is."""
    derived = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"waymark-field-encryption",
        info=b"waymark encrypted fields v1",
    ).derive(key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


@cache
def _fernet(primary: str, fallbacks: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([_derive(key) for key in (primary, *fallbacks) if key])


def field_fernet() -> MultiFernet:
    """Encrypts with `WAYMARK_FIELD_KEY` (else `SECRET_KEY`); decrypts with it,
    its fallbacks (`WAYMARK_FIELD_KEY_FALLBACKS`), and the secret key and its
    fallbacks, so the key can be rotated, and setting `WAYMARK_FIELD_KEY` for
    the first time keeps what the secret key encrypted readable. Every save
    encrypts again with the first key (`LearningRecordStore.save`)."""
    site = (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS)
    if settings.WAYMARK_FIELD_KEY:
        fallbacks = (*settings.WAYMARK_FIELD_KEY_FALLBACKS, *site)
        return _fernet(settings.WAYMARK_FIELD_KEY, tuple(fallbacks))
    return _fernet(site[0], tuple(site[1:]))


def encrypt(text: str) -> str:
    return field_fernet().encrypt(text.encode()).decode() if text else ""


def decrypt(token: str) -> str:
    """The text, or "" when no key (any more) opens it: the learner is asked to
    save it again rather than the page failing."""
    if not token:
        return ""
    try:
        return field_fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""


# --- Which addresses a store may have -----------------------------------------------


def local_http_allowed() -> bool:
    return settings.WAYMARK_LRS_ALLOW_LOCAL_HTTP


# IPv6 prefixes that carry an IPv4 address in their last 32 bits (NAT64,
# RFC 6052 and RFC 8215): the address reached is that IPv4 one.
NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def is_public_address(address: str) -> bool:
    """Whether an IP address is on the internet (not private, loopback,
    link-local, reserved...), and so is any IPv4 address it carries (mapped,
    6to4 or NAT64): the server sends only there, so a learner cannot point it
    at the machines of its own network."""
    ip = ipaddress.ip_address(address.split("%")[0])
    inner = []
    if ip.version == 6:
        inner = [ip.ipv4_mapped, ip.sixtofour]
        inner += [
            ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) for net in NAT64 if ip in net
        ]
    return ip.is_global and all(v4.is_global for v4 in inner if v4 is not None)


def allowed_address(address: str) -> bool:
    """The rule for a resolved address: public, or loopback when local plain
    HTTP is allowed (development and tests)."""
    ip = ipaddress.ip_address(address.split("%")[0])
    return is_public_address(address) or (ip.is_loopback and local_http_allowed())


def validate_endpoint(url: str) -> None:
    """The one rule of a store's address: https with a host name or a public IP
    address; plain http only to this machine (localhost, 127.0.0.1, ::1) and
    only when `WAYMARK_LRS_ALLOW_LOCAL_HTTP` is on (it is with DEBUG); no
    username or password in it (they have their own fields), no query or
    fragment (statements go to `<endpoint>/statements`)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise ValidationError(
            "Leave the username and password out of the address: they have "
            "their own fields.",
            code="credentials",
        )
    if parts.query or parts.fragment or url.rstrip().endswith("?"):
        raise ValidationError(
            "The address ends before any ? or #: Waymark adds /statements to it.",
            code="query",
        )
    try:
        parts.port  # noqa: B018 (urlsplit checks the port when asked for it)
        host.encode("idna")
    except (ValueError, UnicodeError):
        raise ValidationError(
            "Enter a valid address: a host name and, if any, a port from 1 to 65535.",
            code="invalid",
        ) from None
    if parts.port == 0:
        raise ValidationError("A port is from 1 to 65535.", code="invalid")
    local = host in LOOPBACK_HOSTS
    if parts.scheme == "http" and local and local_http_allowed():
        return
    if parts.scheme != "https":
        raise ValidationError(
            "Use an https:// address: your store's password travels with it.",
            code="scheme",
        )
    if not host:
        raise ValidationError("Enter the address of your store.", code="host")
    if local and not local_http_allowed():
        raise ValidationError(
            "This address is on Waymark's own machine: use your store's "
            "address on the internet.",
            code="local",
        )
    try:
        public = is_public_address(host)
    except ValueError:
        return  # a host name: its addresses are checked when sending
    if not public and not (local and local_http_allowed()):
        raise ValidationError(
            "This address is in a private network: use your store's address on "
            "the internet.",
            code="private",
        )


# --- The store -------------------------------------------------------------------


class LearningRecordStore(models.Model):
    """One learner's store and how far their history has reached it.

    `sent_event_id` and `sent_review_id` are the newest `ProgressEvent` and
    `ReviewLog` already accepted by the store: a send takes only newer rows.
    `round` numbers the store's chain of rounds and `next_round_at` says when
    its next task is due: a task of an older round (superseded by "Send now", a
    change of settings or removal) does nothing, and a round under way stops
    before its next batch (`progress.lrs.send_new`)."""

    learner = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="learning_record_store",
    )
    endpoint = models.URLField(
        max_length=ENDPOINT_MAX_LENGTH, validators=[validate_endpoint]
    )
    username_encrypted = models.TextField(blank=True, editable=False)
    secret_encrypted = models.TextField(blank=True, editable=False)
    enabled = models.BooleanField(default=True)
    sent_event_id = models.BigIntegerField(default=0)
    sent_review_id = models.BigIntegerField(default=0)
    statements_sent = models.PositiveIntegerField(default=0)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveSmallIntegerField(
        default=0, help_text="Failed attempts in a row."
    )
    round = models.PositiveIntegerField(
        default=0, help_text="The current round's number; older rounds stop."
    )
    next_round_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "learning record store"

    def __str__(self) -> str:
        return f"{self.learner}'s learning record store"

    def save(self, *args, **kwargs):
        # Written again with the first key on every save: rotating the key
        # needs only each store saved once (`manage.py rotate_field_key`).
        self.username, self.secret = self.username, self.secret
        super().save(*args, **kwargs)

    @property
    def username(self) -> str:
        return decrypt(self.username_encrypted)

    @username.setter
    def username(self, value: str) -> None:
        self.username_encrypted = encrypt(value)

    @property
    def secret(self) -> str:
        return decrypt(self.secret_encrypted)

    @secret.setter
    def secret(self, value: str) -> None:
        self.secret_encrypted = encrypt(value)

    @property
    def has_secret(self) -> bool:
        """A secret is saved that a key of this site still opens (after a key
        left the fallbacks, the learner is asked for it again)."""
        return bool(self.secret)

    @property
    def statements_url(self) -> str:
        return self.endpoint.rstrip("/") + "/statements"
