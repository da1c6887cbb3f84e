"""Mentoring's emails: composed in the request, in the transaction of the change
that causes them, and delivered by the worker through the outbox."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from mentoring.models import Mentorship, Nudge
from outbox.sending import Priority, has_verified_address, queue_email


def one_line(text: str) -> str:
    """Text safe for an email header: control characters become spaces."""
    return " ".join(
        "".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in text).split()
    )


def queue_invitation(mentorship: Mentorship, invitation_url: str) -> None:
    """A learner's invitation to the invited address, with its one-time link.

    The link carries the token, which the database does not keep: the message's
    body is cleared once it is sent (`secret`)."""
    name = one_line(mentorship.learner.name)
    body = render_to_string(
        "mentoring/invitation_email.txt",
        {
            "learner_name": name,
            "message": mentorship.message,
            "invitation_url": invitation_url,
            "expires_at": mentorship.expires_at,
        },
    )
    email = EmailMessage(
        subject=f"[Waymark] {name} invites you to be their mentor",
        body=body,
        to=[mentorship.invited_email],
    )
    queue_email(
        email,
        kind="mentoring invitation",
        priority=Priority.INVITATION,
        context={"mentorship": mentorship.pk},
        secret=True,
    )


def queue_nudge(nudge: Nudge) -> bool:
    """A mentor's reminder to the learner; False if the learner has no verified
    address.
    If it cannot be sent, its record goes (`nudge_not_sent`), so the learner's
    one reminder of the day is not used up by nothing."""
    learner, mentor = nudge.learner, nudge.mentor
    if not has_verified_address(learner):
        return False
    dashboard = settings.SITE_URL.rstrip("/") + reverse("dashboard")
    email = EmailMessage(
        subject=f"[Waymark] A reminder from {one_line(mentor.name)}",
        body=(
            f"Hello {learner.name},\n\n"
            f"{mentor.name}, your mentor on Waymark, sends you a friendly "
            "reminder to keep going with your roadmap.\n\n"
            f"Pick up where you left off: {dashboard}\n\n"
            "You receive this because you accepted them as a mentor. You can "
            "end a mentorship at any time from your mentoring page.\n"
        ),
        to=[learner.email],
    )
    queue_email(
        email,
        kind="mentor reminder",
        priority=Priority.REMINDER,
        context={"nudge": nudge.pk},
        recipient=learner,
    )
    return True


def nudge_not_sent(message) -> None:
    """A reminder that could not be sent (`outbox.sending.register_kind`)."""
    nudge_id = message.context.get("nudge")
    if nudge_id:
        Nudge.objects.filter(pk=nudge_id).delete()


def invitation_still_open(context: dict) -> bool:
    """An invitation's email goes only while the invitation waits for an answer
    (`outbox.sending.register_kind`): not once withdrawn, answered or expired."""
    return Mentorship.objects.pending().filter(pk=context.get("mentorship")).exists()
