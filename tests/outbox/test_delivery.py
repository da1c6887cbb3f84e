"""Every email through the queue: recorded by the request, sent by the worker,
retried with backoff when the mail server fails, kept as failed when it keeps
failing, and sent again from the admin. A real SMTP server (aiosmtpd) on a spare
port refuses, then accepts."""

import email
import logging
import smtplib
import threading

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.mail import EmailMessage, send_mail
from django.core.signals import request_finished, request_started
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from outbox import sending
from outbox.models import Message
from tests.factories import UserFactory
from tests.queue import delivered, run_tasks
from tests.serving.servers import free_port


class MoodyServer:
    """An SMTP server that answers DATA with `refusals` (in turn), then accepts."""

    def __init__(self, refusals: list[str]):
        self.refusals = list(refusals)
        self.received: list[email.message.Message] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refusals:
                return self.refusals.pop(0)
            self.received.append(email.message_from_bytes(envelope.content))
        return "250 2.0.0 OK: queued"


@pytest.fixture
def smtp_server(settings):
    """Start an SMTP server and point Waymark's mailer at it."""
    servers = []

    def start(refusals=()):
        handler = MoodyServer(refusals)
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        servers.append(controller)
        settings.MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
            }
        }
        return handler

    yield start
    for controller in servers:
        controller.stop()


def ask_for_a_password_reset(client, user) -> None:
    response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 302


@pytest.mark.django_db
class TestTheRequestOnlyRecords:
    def test_a_password_reset_request_writes_a_message_and_a_task(self, client):
        user = UserFactory(email="ada@example.com")
        ask_for_a_password_reset(client, user)
        assert mail.outbox == []  # nothing was sent by the request
        message = Message.objects.get()
        assert (message.kind, message.status, message.to) == (
            "account password reset key",
            Message.Status.QUEUED,
            ["ada@example.com"],
        )
        assert message.priority == sending.Priority.ACCOUNT
        assert message.recipient == user
        (task,) = DBTaskResult.objects.all()
        assert (task.queue_name, task.status) == ("email", "READY")
        (sent,) = delivered()
        assert sent.to == ["ada@example.com"]
        message.refresh_from_db()
        assert message.status == Message.Status.SENT
        # The reset link is not kept once the email is out.
        assert "/accounts/password/reset/key/" not in message.body
        assert message.body == sending.BODY_CLEARED

    def test_an_email_sent_inside_a_request_fails_the_suite(self):
        request_started.send(sender=None)
        try:
            with pytest.raises(AssertionError, match="inside an HTTP request"):
                send_mail("Hi", "Body", None, ["x@example.com"])
        finally:
            request_finished.send(sender=None)
        send_mail("Hi", "Body", None, ["x@example.com"])  # outside: fine
        assert len(mail.outbox) == 1

    def test_account_emails_go_before_reminders(self, client):
        sending.queue_email(
            EmailMessage("Later", "Body", to=["l@example.com"]),
            kind="reminder",
            priority=sending.Priority.REMINDER,
        )
        user = UserFactory(email="first@example.com")
        ask_for_a_password_reset(client, user)
        run_tasks(limit=1)
        assert [m.to for m in mail.outbox] == [["first@example.com"]]
        run_tasks()
        assert [m.to for m in mail.outbox][1] == ["l@example.com"]


@pytest.mark.django_db(transaction=True)
class TestAMailServerThatFails:
    def test_refused_twice_then_accepted_arrives_once_with_its_headers(
        self, client, smtp_server, clock, settings
    ):
        server = smtp_server(
            ["451 4.3.0 Try again later", "421 4.7.0 Too busy, closing"]
        )
        user = UserFactory(email="ada@example.com", display_name="Ada")
        ask_for_a_password_reset(client, user)
        message = Message.objects.get()

        run_tasks()
        message.refresh_from_db()
        assert (message.status, message.attempts) == (Message.Status.QUEUED, 1)
        assert "451" in message.last_error
        assert run_tasks() == 0  # the retry waits for its time (1 minute)
        clock.advance(minutes=1, seconds=1)
        run_tasks()
        message.refresh_from_db()
        assert (message.status, message.attempts) == (Message.Status.QUEUED, 2)
        assert "421" in message.last_error
        clock.advance(minutes=4, seconds=1)
        run_tasks()

        message.refresh_from_db()
        assert (message.status, message.attempts) == (Message.Status.SENT, 3)
        assert message.last_error == ""
        (received,) = server.received
        assert received["To"] == "ada@example.com"
        assert received["From"] == settings.DEFAULT_FROM_EMAIL
        assert "Password" in received["Subject"]
        assert received["Message-ID"] and received["Date"]
        assert (
            "/accounts/password/reset/key/"
            in received.get_payload(decode=True).decode()
        )
        clock.advance(hours=5)
        assert run_tasks() == 0  # nothing left to send, nothing sent twice
        assert len(server.received) == 1

    def test_a_permanent_refusal_fails_at_once_and_staff_send_it_again(
        self, client, smtp_server, settings, curator
    ):
        server = smtp_server(["550 5.1.1 Mailbox unavailable"])
        sending.queue_email(
            EmailMessage("Hello", "Body", to=["gone@example.com"]), kind="test"
        )
        run_tasks()
        message = Message.objects.get()
        assert (message.status, message.attempts) == (Message.Status.FAILED, 1)
        assert "550" in message.last_error
        assert DBTaskResult.objects.get().status == "FAILED"

        client.force_login(curator)  # an operator, two-factor on
        changelist = reverse("admin:outbox_message_changelist")
        page = client.get(changelist, {"status__exact": "failed"}).content.decode()
        assert "gone@example.com" in page
        response = client.post(
            changelist, {"action": "retry", "_selected_action": [message.pk]}
        )
        assert response.status_code == 302
        run_tasks()
        message.refresh_from_db()
        assert message.status == Message.Status.SENT
        assert [m["To"] for m in server.received] == ["gone@example.com"]

    def test_a_server_that_is_down_is_retried_then_kept_as_failed(
        self, settings, clock
    ):
        port = free_port()  # nothing listens there
        settings.MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 2},
            }
        }
        sending.queue_email(EmailMessage("Hi", "Body", to=["a@example.com"]), kind="t")
        for _ in range(settings.WAYMARK_EMAIL_ATTEMPTS):
            run_tasks()
            clock.advance(hours=5)
        message = Message.objects.get()
        assert message.status == Message.Status.FAILED
        assert message.attempts == settings.WAYMARK_EMAIL_ATTEMPTS
        assert "ConnectionRefusedError" in message.last_error
        assert run_tasks() == 0  # bounded: no more attempts by itself


@pytest.mark.django_db
class TestBadInputEndsCleanly:
    def test_a_deleted_account_takes_its_unsent_mail_and_the_task_logs_it(
        self, client, caplog
    ):
        user = UserFactory(email="ada@example.com")
        ask_for_a_password_reset(client, user)
        user.delete()
        assert not Message.objects.exists()
        with caplog.at_level(logging.INFO):
            assert run_tasks() == 1
        assert "not found (deleted), nothing to send" in caplog.text
        assert mail.outbox == []
        (task,) = DBTaskResult.objects.all()
        assert task.status == "SUCCESSFUL"  # ended, not retried
        assert run_tasks() == 0

    def test_each_task_is_logged_with_its_outcome_and_duration(self, caplog):
        sending.queue_email(EmailMessage("Hi", "Body", to=["a@example.com"]), kind="t")
        with caplog.at_level(logging.INFO, logger="waymark.tasks"):
            run_tasks()
        line = next(
            r.getMessage() for r in caplog.records if "successful" in r.getMessage()
        )
        assert "task outbox.sending.deliver_message" in line
        assert " successful in " in line and line.endswith("s")

    def test_queue_email_refuses_copies(self):
        with pytest.raises(ValueError, match="no cc or bcc"):
            sending.queue_email(
                EmailMessage("Hi", "B", to=["a@x.org"], bcc=["b@x.org"]), kind="t"
            )

    def test_permanent_and_temporary_refusals_are_told_apart(self):
        assert sending.is_permanent(smtplib.SMTPResponseException(550, b"no"))
        assert not sending.is_permanent(smtplib.SMTPResponseException(451, b"later"))
        assert not sending.is_permanent(smtplib.SMTPServerDisconnected("down"))
        assert not sending.is_permanent(TimeoutError())
        refused = smtplib.SMTPRecipientsRefused({"a@x.org": (450, b"busy")})
        assert not sending.is_permanent(refused)


def test_the_smtp_server_fixture_is_a_real_server():
    """aiosmtpd speaks SMTP on a socket: the backend talks to it as to any."""
    handler = MoodyServer([])
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
            client.sendmail("a@x.org", ["b@x.org"], b"Subject: hi\r\n\r\nbody")
    finally:
        controller.stop()
    assert handler.received[0]["Subject"] == "hi"
