"""Background work for accounts, run through Django's tasks framework.

Views enqueue these inside `transaction.on_commit`, so nothing is sent for a change
that was rolled back.
"""

from django.core.mail import send_mail
from django.tasks import task
from django.template.loader import render_to_string

from accounts.models import Mentorship


def one_line(text: str) -> str:
    """A name fit for a header: no line breaks, single spaces."""
    return " ".join(text.split())


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
        "emails/mentoring_invitation.txt",
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
