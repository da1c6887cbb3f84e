"""Mentoring's emails, run through Django's tasks framework.

Views enqueue these inside `transaction.on_commit`, so nothing is sent for a
change that was rolled back.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse

from mentoring.models import Mentorship, Nudge

logger = logging.getLogger(__name__)


def one_line(text: str) -> str:
    """Text safe for an email header: control characters become spaces."""
    return " ".join(
        "".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in text).split()
    )


@task
def send_mentoring_invitation(mentorship_id: int, invitation_url: str) -> None:
    """Email a learner's invitation to the invited address, with its one-time link.

    The link carries the token, which the database does not keep, so the view that
    made the token passes the link in. A withdrawn or answered invitation is not
    sent.
    """
    mentorship = (
        Mentorship.objects.pending()
        .filter(pk=mentorship_id, initiated_by=Mentorship.Initiator.LEARNER)
        .exclude(invited_email="")
        .select_related("learner")
        .first()
    )
    if mentorship is None:
        return
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
    send_mail(
        subject=f"[Waymark] {name} invites you to be their mentor",
        message=body,
        from_email=None,
        recipient_list=[mentorship.invited_email],
    )


@task
def send_nudge_email(nudge_id: int) -> None:
    """Email a mentor's reminder. A send that fails takes its record back, so
    the learner's one reminder of the day is not used up by nothing."""
    nudge = (
        Nudge.objects.filter(pk=nudge_id, learner__is_active=True)
        .select_related("learner", "mentor")
        .first()
    )
    if nudge is None or not nudge.learner.email:
        logger.info("nudge %s: nothing to send (withdrawn or no address)", nudge_id)
        return
    learner, mentor = nudge.learner, nudge.mentor
    dashboard = settings.SITE_URL.rstrip("/") + reverse("dashboard")
    try:
        send_mail(
            subject=f"[Waymark] A reminder from {one_line(mentor.name)}",
            message=(
                f"Hello {learner.name},\n\n"
                f"{mentor.name}, your mentor on Waymark, sends you a friendly "
                "reminder to keep going with your roadmap.\n\n"
                f"Pick up where you left off: {dashboard}\n\n"
                "You receive this because you accepted them as a mentor. You can "
                "end a mentorship at any time from your mentoring page.\n"
            ),
            from_email=None,
            recipient_list=[learner.email],
        )
    except Exception:
        Nudge.objects.filter(pk=nudge_id).delete()
        logger.exception("nudge %s: the email could not be sent", nudge_id)
        raise
