"""Background work, run through Django's tasks framework after the request commits."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.tasks import task
from django.urls import reverse


@task
def send_nudge_email(learner_id: int, mentor_id: int) -> None:
    User = get_user_model()
    learner = User.objects.filter(pk=learner_id, is_active=True).first()
    mentor = User.objects.filter(pk=mentor_id).first()
    if learner is None or mentor is None or not learner.email:
        return
    dashboard = settings.SITE_URL.rstrip("/") + reverse("dashboard")
    send_mail(
        subject=f"[Waymark] A reminder from {mentor.name}",
        message=(
            f"Hello {learner.name},\n\n"
            f"{mentor.name}, your mentor on Waymark, sends you a friendly reminder "
            "to keep going with your roadmap.\n\n"
            f"Pick up where you left off: {dashboard}\n\n"
            "You receive this because you accepted them as a mentor. You can end a "
            "mentorship at any time from your mentoring page.\n"
        ),
        from_email=None,
        recipient_list=[learner.email],
    )
