"""The weekly plan email: off by default; a learner turns it on in their settings.

Rules (docs/progress.md, "The weekly email"):

- It is sent once per learner per week: from Monday SEND_FROM in the
  learner's time zone, at the schedule's first hourly run after that (a learner
  who turns it on from Monday to Thursday gets the current week's at the next
  run; from Friday to Sunday, too little of the week is left for its plan, so
  the first email is the coming Monday's, with the coming week's plan). The
  `WeeklyEmail` row for the week is written with the email, in one
  transaction; its unique constraint makes a second run, late or concurrent,
  send nothing.
- It holds each followed role's figures and plan for the week and the reviews
  due, computed by the functions the dashboard's are (`figures.role_progress`
  with the learner's goals, `reviews.due_reviews`), so the two agree. A learner
  who follows no role gets none.
- Every email carries a one-click unsubscribe link, also in `List-Unsubscribe`
  and `List-Unsubscribe-Post` headers (RFC 2369, RFC 8058) for mail apps' own
  button. The link holds a signed, dated token of the account, so it needs no
  sign-in; it works for UNSUBSCRIBE_LINK_DAYS (60 days: each week's email
  brings a fresh one), as a secret in old mailboxes should not work for ever.
  Opening it shows one button; the POST of that button, or of a mail app,
  turns the email off. (A plain GET changes nothing, as mail scanners open
  links.) An expired link shows how to turn the email off in the settings, and
  still works for its own learner once signed in.
- If the learner turns it off before the worker sends it, it is not sent.
- It goes only to a verified address (`outbox.sending.has_verified_address`):
  a learner whose address is not verified yet (restored from a data file, say)
  gets the week's email at the first run after they verify it.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse

from outbox.sending import Priority, has_verified_address, queue_email
from progress import figures, reviews
from progress.models import RoleFollow, WeeklyEmail
from progress.plan import goals_of, week_of

SEND_FROM = datetime.time(8)  # Monday, in the learner's time zone
# A week's email goes while at least this many days of it are left (Monday to
# Thursday); turned on from Friday, the first email is the coming Monday's.
LATEST_DAYS_LEFT = 4
KIND = "weekly plan"
SALT = "waymark.weekly-email.unsubscribe"


UNSUBSCRIBE_LINK_DAYS = 60  # each email carries a fresh link


def unsubscribe_token(learner) -> str:
    return signing.TimestampSigner(salt=SALT).sign(str(learner.pk))


def learner_of_token(token: str):
    """(the account an unsubscribe token names, whether the link has expired),
    or (None, False) for a token Waymark did not sign. A link older than
    UNSUBSCRIBE_LINK_DAYS, or one from before links expired, has expired."""
    signer = signing.TimestampSigner(salt=SALT)
    max_age = datetime.timedelta(days=UNSUBSCRIBE_LINK_DAYS)
    expired = False
    try:
        pk = signer.unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        pk, expired = token.split(":", 1)[0], True
    except (signing.BadSignature, ValueError):
        try:  # a link from before links expired: genuine, but expired
            pk, expired = signing.Signer(salt=SALT).unsign(token), True
        except signing.BadSignature:
            return None, False
    if not pk.isdigit():
        return None, False
    learner = get_user_model().objects.filter(pk=int(pk), is_active=True).first()
    return learner, expired and learner is not None


def unsubscribe_url(learner) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(
        "weekly_email_unsubscribe", args=[unsubscribe_token(learner)]
    )


def unsubscribe(learner) -> bool:
    """Turn the weekly email off; False if it was off already."""
    return bool(
        get_user_model()
        .objects.filter(pk=learner.pk, weekly_email=True)
        .update(weekly_email=False)
    )


def week_due(learner, now: datetime.datetime) -> datetime.date | None:
    """The Monday of the learner's week whose email may go out now: None on a
    Monday before SEND_FROM (last week's time is over, this week's not yet)."""
    local = now.astimezone(learner.zone)
    monday, _sunday = week_of(local.date())
    if local < datetime.datetime.combine(monday, SEND_FROM, learner.zone):
        return None
    return monday


def too_late_for(week: datetime.date, learner, now: datetime.datetime) -> bool:
    """Whether fewer than LATEST_DAYS_LEFT days of `week` are left in the
    learner's zone: too little of it for a plan of the week."""
    today = now.astimezone(learner.zone).date()
    return (week + datetime.timedelta(days=7) - today).days < LATEST_DAYS_LEFT


def send_weekly_emails(now: datetime.datetime) -> str:
    """The schedule's hourly job: queue the week's email of every learner who
    asked for it and has not had it."""
    learners = (
        get_user_model()
        .objects.filter(weekly_email=True, is_active=True)
        .exclude(email="")
        .order_by("pk")
    )
    recent = set(
        WeeklyEmail.objects.filter(
            week__gte=now.date() - datetime.timedelta(days=8)
        ).values_list("learner_id", "week")
    )
    sent = 0
    for learner in learners.iterator(chunk_size=500):
        week = week_due(learner, now)
        if week is None or (learner.pk, week) in recent:
            continue
        if too_late_for(week, learner, now):
            continue  # the first one is next Monday's, for the week ahead
        if not has_verified_address(learner):
            continue  # not yet: it goes at the first run once verified
        sent += send_one(learner, week, now)
    return f"{sent} weekly email(s) queued"


def send_one(learner, week: datetime.date, now: datetime.datetime) -> bool:
    """Queue one learner's email for `week`, once; False if it was sent already
    or there is nothing to say (no followed role)."""
    context = email_context(learner, now)
    if not context["roles"]:
        return False
    try:
        with transaction.atomic():
            WeeklyEmail.objects.create(learner=learner, week=week)
            queue_email(
                compose(learner, week, context),
                kind=KIND,
                priority=Priority.DIGEST,
                context={"learner": learner.pk, "week": week.isoformat()},
                recipient=learner,
            )
    except IntegrityError:
        return False  # another run sent it
    return True


def email_context(learner, now: datetime.datetime) -> dict:
    """Each followed role's figures and plan, and the reviews due: computed by
    the functions the dashboard uses, so the two agree."""
    follows = list(RoleFollow.objects.filter(learner=learner).shown())
    roles = figures.role_progress(
        learner, [follow.role for follow in follows], goals=goals_of(follows), now=now
    )
    return {"roles": roles, "reviews": reviews.due_reviews(learner, follows, now)}


def compose(learner, week: datetime.date, context: dict) -> EmailMessage:
    site = settings.SITE_URL.rstrip("/")
    unsubscribe_link = unsubscribe_url(learner)
    body = render_to_string(
        "progress/weekly_email.txt",
        {
            **context,
            "learner": learner,
            "week": week,
            "site": site,
            "dashboard_url": site + reverse("dashboard"),
            "settings_url": site + reverse("account_settings"),
            "unsubscribe_url": unsubscribe_link,
        },
    )
    return EmailMessage(
        subject=f"[Waymark] Your plan for the week of {week:%-d %B}",
        body=body,
        to=[learner.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def still_wanted(context: dict) -> bool:
    """`outbox.sending.register_kind`: the learner still wants the email."""
    return (
        get_user_model()
        .objects.filter(pk=context.get("learner"), weekly_email=True, is_active=True)
        .exists()
    )
