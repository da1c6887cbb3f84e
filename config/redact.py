"""Secrets that travel in URLs, kept out of the logs.

Invitation links, email confirmations, password resets and staff enrolment links
carry a one-time secret in their path; the calendar feed and the weekly email's
unsubscribe link carry a lasting one. The one-time links' views move it into
the session and redirect (so it is in one request line only); `redact` takes
every one out of the request lines. Which part is secret is told by its place
in the URL (the segment after a known prefix, a `token`/`key`/`signature`...
query parameter), never by its characters, so a token that happens to look
like a word is redacted as well; anything else that looks like a random token
is redacted besides. The gunicorn access log (`config/gunicorn.py`) and every
record that reaches the settings' log handler (`RedactSecrets`) go through it.
It needs no Django, so gunicorn's master process can import it.
"""

import logging
import re

REDACTED = "[redacted]"
_SLASH = r"(?:/|%2[Ff])"
# One path segment, up to the next slash (plain or percent-encoded, as in a
# ?next= parameter), query, fragment, quote or space.
_SEGMENT = r"(?:[^/?#&\s\"'%]|%(?!2[Ff])[0-9A-Fa-f]{2})+"
# The segment after one of these is a secret, whatever its characters (but not
# allauth's own pages that follow a reset key: .../key/done/ and
# .../key/<uid>-set-password/): invitations, email confirmations, password
# resets, staff enrolment, the calendar feed (/calendar/<token>.ics) and the
# weekly email's unsubscribe link (/email/weekly/unsubscribe/<token>/).
_AFTER_PREFIX = re.compile(
    rf"(?P<prefix>{_SLASH}(?:(?:mentors|mentoring){_SLASH}invitations|confirm-email|"
    rf"staff-enrolment|password{_SLASH}reset{_SLASH}key|calendar|unsubscribe)"
    rf"{_SLASH})"
    rf"(?!done(?:{_SLASH}|$)|[0-9A-Za-z]+-set-password)(?P<secret>{_SEGMENT})"
)
# The value of a query parameter with one of these names, whatever it holds.
_SECRET_PARAMETER = re.compile(
    r"(?P<prefix>[?&](?:token|key|signature|sig|secret|code)=)(?P<secret>[^&#\s\"']+)",
    re.IGNORECASE,
)
# Anywhere else in a path or query value, a segment that looks like a random
# token: 24 or more URL-safe characters mixing capitals, small letters and digits
# (slugs, usernames and hex digests have no capitals).
_TOKEN_LIKE = re.compile(
    r"(?<=[/=])(?=[\w-]*[A-Z])(?=[\w-]*[a-z])(?=[\w-]*[0-9])[A-Za-z0-9_-]{24,}"
    r"(?![A-Za-z0-9_-])"
)


def redact(text: str) -> str:
    """`text` with every secret URL segment replaced by [redacted]."""
    if not text:
        return text
    text = _AFTER_PREFIX.sub(lambda m: m["prefix"] + REDACTED, text)
    text = _SECRET_PARAMETER.sub(lambda m: m["prefix"] + REDACTED, text)
    return _TOKEN_LIKE.sub(REDACTED, text)


class RedactSecrets(logging.Filter):
    """A log handler filter: the formatted message, redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True
