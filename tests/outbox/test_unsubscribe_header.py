"""The weekly email's one-click unsubscribe headers, as a real mail server
receives them: `List-Unsubscribe` is the plain URL in angle brackets (RFC 2369,
RFC 8058), never RFC 2047-encoded, however long the link."""

import email
import email.policy

import pytest

from progress import reminders
from tests.outbox.test_delivery import smtp_server  # noqa: F401 - fixture
from tests.progress.test_weekly_email import MONDAY_EIGHT_PARIS, subscriber  # noqa: F401
from tests.queue import run_tasks


class RawServer:
    def __init__(self):
        self.received: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(envelope.content)
        return "250 2.0.0 OK: queued"


@pytest.mark.django_db(transaction=True)
def test_the_unsubscribe_header_reaches_the_mail_server_as_a_plain_url(
    subscriber,  # noqa: F811
    smtp_server,  # noqa: F811
    settings,
):
    settings.SITE_URL = "https://waymark.example.org"
    server = smtp_server()
    raw = RawServer()
    server.handle_DATA = raw.handle_DATA
    reminders.send_weekly_emails(MONDAY_EIGHT_PARIS)
    run_tasks()
    (wire,) = raw.received
    head = wire.split(b"\r\n\r\n", 1)[0].decode("ascii")
    # The link the email carries (dated when it was composed) names the learner.
    link = wire.decode("ascii").split("<https://", 1)[1].split(">", 1)[0]
    link = "https://" + link
    assert link.startswith("https://waymark.example.org/email/weekly/unsubscribe/")
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert reminders.learner_of_token(token) == (subscriber, False)
    unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ")
    assert f"List-Unsubscribe: <{link}>" in unfolded.split("\r\n")
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in unfolded.split("\r\n")
    assert "=?" not in head.split("List-Unsubscribe:", 1)[1].split("\r\n")[0]
    parsed = email.message_from_bytes(wire, policy=email.policy.default)
    assert parsed["List-Unsubscribe"] == f"<{link}>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
