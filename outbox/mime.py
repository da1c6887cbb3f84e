"""How a message's headers are written on the wire.

Python's email policies fold a long header and, when one word is longer than a
line, RFC 2047-encode it (`=?utf-8?q?=3Chttps=3A//...?=`). A mail app then sees no
URL in `List-Unsubscribe` and offers no one-click unsubscribe (RFC 2369, RFC
8058). The link headers below are therefore written on one line, plain ASCII, as
long as that line stays within RFC 5322's 998 characters; every other header is
folded as usual.
"""

from __future__ import annotations

import email.policy

from django.core.mail import EmailMultiAlternatives

WHOLE_HEADERS = frozenset({"list-unsubscribe", "list-unsubscribe-post"})
MAX_LINE = 998


class KeepLinksWhole(email.policy.EmailPolicy):
    """An email policy that writes the link headers whole."""

    def _whole(self, name: str, value) -> str | None:
        line = f"{name}: {value}"
        if name.lower() in WHOLE_HEADERS and line.isascii() and len(line) <= MAX_LINE:
            return line + self.linesep
        return None

    def fold(self, name, value):
        return self._whole(name, value) or super().fold(name, value)

    def fold_binary(self, name, value):
        whole = self._whole(name, value)
        return whole.encode("ascii") if whole else super().fold_binary(name, value)


def keeping_links_whole(policy: email.policy.EmailPolicy) -> KeepLinksWhole:
    """`policy` (the mail backend's), with the link headers written whole."""
    return KeepLinksWhole().clone(
        linesep=policy.linesep,
        utf8=policy.utf8,
        cte_type=policy.cte_type,
        max_line_length=policy.max_line_length,
        raise_on_defect=policy.raise_on_defect,
    )


class OutboxEmail(EmailMultiAlternatives):
    """An email whose link headers reach the mail server as plain URLs."""

    def message(self, *, policy=email.policy.default):
        return super().message(policy=keeping_links_whole(policy))
