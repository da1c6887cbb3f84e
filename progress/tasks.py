"""Background work, run through Django's tasks framework after the request commits."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.urls import reverse

logger = logging.getLogger(__name__)


@task
def send_nudge_email(nudge_id: int) -> None:
    """Email a mentor's reminder. A send that fails takes its record back, so
    the learner's one reminder of the day is not used up by nothing."""
    from progress.models import Nudge

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


def one_line(text: str) -> str:
    """Text safe for an email header: control characters become spaces."""
    return " ".join(
        "".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in text).split()
    )
