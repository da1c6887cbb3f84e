"""The daily limit on password-reset emails to one address.

allauth's rate limit (5 a minute per address, in the cache) still lets about
7,200 reset emails a day reach one person, also to addresses without an
account. This one is durable: a row per address digest and day, taken with one
conditional UPDATE, so parallel requests on several servers cannot overshoot
it. Past the limit the email is simply not queued: the page a visitor sees is
the same, so it tells nothing about the address nor about the limit.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.models import ResetEmailCount

logger = logging.getLogger("waymark.audit")

# allauth's templates of the emails a reset request sends.
RESET_EMAILS = frozenset(
    {"account/email/password_reset_key", "account/email/unknown_account"}
)


def address_digest(address: str) -> str:
    """A keyed digest: the table never holds an address, nor one a guess could
    find by hashing candidates without the site's key."""
    return salted_hmac(
        "waymark.reset-limit", address.strip().lower(), algorithm="sha256"
    ).hexdigest()


def take_one(address: str) -> bool:
    """Count one reset email to `address` today; false when the day's are used."""
    today = timezone.now().date()
    digest = address_digest(address)
    with transaction.atomic():
        ResetEmailCount.objects.filter(day__lt=today).delete()
        row, _ = ResetEmailCount.objects.get_or_create(digest=digest, day=today)
        taken = ResetEmailCount.objects.filter(
            pk=row.pk, sent__lt=settings.WAYMARK_RESET_EMAILS_PER_DAY
        ).update(sent=F("sent") + 1)
    if not taken:
        logger.info("password reset email not sent: daily limit digest=%s", digest[:12])
    return taken == 1
