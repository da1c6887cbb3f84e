"""The consent side of mentoring: invitations, requests, answers and endings.

A learner invites a mentor by email or with a one-time link; a mentor asks to mentor
a learner; the other side accepts or declines. Either side ends an active
mentorship at any moment, and `get_visible_learner` checks consent on every
request, so the mentor's access ends with the very next one.

The /mentoring/ hub (in `progress`) shows all of this through `mentoring_context`
and templates/mentoring/_mentorships.html; the forms there post to the views below.
"""

from __future__ import annotations

import datetime
import logging
import math
import secrets
from functools import partial

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from mentoring.forms import InviteMentorForm, RequestMentoringForm
from mentoring.models import Mentorship
from mentoring.tasks import send_mentoring_invitation

audit = logging.getLogger("waymark.audit")

# Invitations, links and requests one person may send in 24 hours: enough for
# anyone looking for a mentor, too few to make Waymark a spam relay.
DAILY_LIMIT = 20
ALLOWANCE_WINDOW = datetime.timedelta(hours=24)
NEW_LINK_SESSION_KEY = "mentoring_new_link"
OPEN = [Mentorship.Status.PENDING, Mentorship.Status.ACTIVE]


def mentoring_context(user) -> dict:
    """What the /mentoring/ hub shows about consent, in four queries."""
    return {
        "invitations_for_me": list(
            Mentorship.objects.pending()
            .awaiting_answer_from(user)
            .select_related("learner", "mentor")
        ),
        "sent_by_me": list(
            Mentorship.objects.pending()
            .sent_by(user)
            .select_related("learner", "mentor")
        ),
        "my_mentors": list(
            Mentorship.objects.active()
            .filter(learner=user)
            .select_related("mentor")
            .order_by("responded_at", "id")
        ),
        "my_mentees": list(
            Mentorship.objects.active()
            .filter(mentor=user)
            .select_related("learner")
            .order_by("responded_at", "id")
        ),
        "invite_form": InviteMentorForm(user=user),
        "request_form": RequestMentoringForm(user=user),
    }


# --- Helpers ---------------------------------------------------------------------


def safe_next(request: HttpRequest) -> str:
    """The local page to go back to (the form's `next`), else the hub."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("mentoring")


def back(request: HttpRequest) -> HttpResponseRedirect:
    return redirect(safe_next(request))


def next_send_at(user) -> datetime.datetime | None:
    """None if `user` may send an invitation or request now, else when they may.

    Counted from the rows they created in the last 24 hours, not in the cache, so
    no cache timeout or restart resets it. Call it inside the transaction that
    creates the row: it first locks the sender's user row, so that one person's
    sends at the same moment wait here in turn and each counts those before it.
    """
    no_key = connection.features.has_select_for_no_key_update
    User.objects.select_for_update(no_key=no_key).only("pk").get(pk=user.pk)
    sent = list(
        Mentorship.objects.sent_by(user)
        .filter(created_at__gt=timezone.now() - ALLOWANCE_WINDOW)
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    if len(sent) < DAILY_LIMIT:
        return None
    # The count drops below the limit when this one leaves the window.
    return sent[len(sent) - DAILY_LIMIT] + ALLOWANCE_WINDOW


def over_allowance(
    request: HttpRequest, template: str, context: dict, retry_at: datetime.datetime
) -> HttpResponse:
    """429: the page of the form sent, its typed values kept, saying when the
    next send is possible (in the sender's time zone)."""
    user = request.user
    when = timezone.localtime(retry_at, user.zone)
    messages.error(
        request,
        f"You have sent {DAILY_LIMIT} invitations and requests in the last 24 "
        f"hours, the most Waymark allows. Nothing was sent. You can send another "
        f"from {when:%H:%M} on {when.day} {when:%B} ({user.timezone}).",
    )
    response = render(
        request, template, {**context, "next": safe_next(request)}, status=429
    )
    wait = (retry_at - timezone.now()).total_seconds()
    response["Retry-After"] = str(max(1, math.ceil(wait)))
    return response


def invitation_url(token: str) -> str:
    # From the site's public address (WAYMARK_SITE_URL), as every email link is.
    return settings.SITE_URL.rstrip("/") + reverse("mentoring_invitation", args=[token])


def private(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    return response


# --- Learners invite mentors ---------------------------------------------------------


@login_required
@require_POST
def invite(request: HttpRequest) -> HttpResponse:
    """Invite a mentor by email (`email`, `message`) or make a link (`kind=link`)."""
    user = request.user
    if request.POST.get("kind") == "link":
        token = secrets.token_urlsafe(32)
        with transaction.atomic():
            retry_at = next_send_at(user)
            if retry_at is not None:
                context = {"invite_form": InviteMentorForm(user=user)}
                return over_allowance(
                    request, "mentoring/invite.html", context, retry_at
                )
            mentorship = Mentorship.objects.create(
                learner=user,
                initiated_by=Mentorship.Initiator.LEARNER,
                token_hash=Mentorship.hash_token(token),
            )
        audit.info("mentorship=%s invite-link learner=%s", mentorship.pk, user.pk)
        # Only the hash is stored: the session carries the token to the one page
        # that shows it, which forgets it at once.
        request.session[NEW_LINK_SESSION_KEY] = {
            "id": mentorship.pk,
            "url": invitation_url(token),
            "next": safe_next(request),
        }
        return redirect("mentoring_invite_link")

    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        # Counted and checked under the sender's lock, so that neither the
        # allowance nor the one-invitation-per-address rule races.
        retry_at = next_send_at(user)
        form = InviteMentorForm(request.POST, user=user)
        context = {"invite_form": form, "next": safe_next(request)}
        if not form.is_valid():
            return render(request, "mentoring/invite.html", context, status=400)
        if retry_at is not None:
            return over_allowance(request, "mentoring/invite.html", context, retry_at)
        email = form.cleaned_data["email"]
        mentorship = Mentorship.objects.create(
            learner=user,
            initiated_by=Mentorship.Initiator.LEARNER,
            invited_email=email,
            message=form.cleaned_data["message"],
            token_hash=Mentorship.hash_token(token),
        )
        transaction.on_commit(
            partial(
                send_mentoring_invitation.enqueue,
                mentorship.pk,
                invitation_url(token),
            )
        )
    audit.info("mentorship=%s invite-email learner=%s", mentorship.pk, user.pk)
    messages.success(
        request,
        f"Your invitation is on its way to {email}. It works until "
        f"{mentorship.expires_at:%d %B %Y}.",
    )
    return back(request)


@login_required
@require_GET
def invite_link(request: HttpRequest) -> HttpResponse:
    """Show a new one-time link, once: after this page it exists only as a hash."""
    new = request.session.pop(NEW_LINK_SESSION_KEY, None)
    if not new:
        messages.info(
            request,
            "An invite link is shown only once, when you create it. Create a new "
            "one if you need it.",
        )
        return redirect("mentoring")
    mentorship = (
        Mentorship.objects.pending().filter(pk=new["id"], learner=request.user).first()
    )
    if mentorship is None:
        return redirect("mentoring")
    context = {
        "mentorship": mentorship,
        "invitation_url": new["url"],
        "next": new["next"],
    }
    return private(render(request, "mentoring/invite_link.html", context))


# --- Mentors ask learners -------------------------------------------------------------


@login_required
@require_POST
def request_mentoring(request: HttpRequest) -> HttpResponse:
    """Ask to mentor a learner. Never says whether an account holds the address
    or username typed: the request is stored and shown by what was typed."""
    user = request.user
    with transaction.atomic():
        retry_at = next_send_at(user)
        form = RequestMentoringForm(request.POST, user=user)
        context = {"request_form": form, "next": safe_next(request)}
        if not form.is_valid():
            return render(request, "mentoring/request.html", context, status=400)
        if retry_at is not None:
            return over_allowance(request, "mentoring/request.html", context, retry_at)
        # Stored as sent, whether or not an account holds the address or name:
        # the sender's pages, and the allowance, are the same either way.
        mentorship = Mentorship.objects.create(
            mentor=user,
            initiated_by=Mentorship.Initiator.MENTOR,
            message=form.cleaned_data["message"],
            **form.addressed(),
        )
    audit.info("mentorship=%s request mentor=%s", mentorship.pk, user.pk)
    messages.success(
        request,
        "If that person has a Waymark account, they will see your request on their "
        "mentoring page and can accept or decline it.",
    )
    return back(request)


# --- Answering: by token (links and emails) or from the list --------------------------


# An invitation link carries its token in the URL path. The link's view only puts
# the token's hash in the session and redirects at once to a page whose address
# holds no secret, so the token is in one request line (which the logs redact,
# config/redact.py) and never in a sign-in `next`, a form action or a Referer.
INVITATION_SESSION_KEY = "mentoring_invitation"


def find_invitation(token_hash: str) -> Mentorship | None:
    if not token_hash:
        return None
    return (
        Mentorship.objects.filter(
            token_hash=token_hash,
            initiated_by=Mentorship.Initiator.LEARNER,
        )
        .select_related("learner")
        .first()
    )


def opened_invitation(request: HttpRequest) -> Mentorship | None:
    """The invitation whose link was last opened in this session, if any."""
    return find_invitation(request.session.get(INVITATION_SESSION_KEY, ""))


def unavailable(request: HttpRequest, mentorship: Mentorship | None) -> HttpResponse:
    """A friendly 404 for an unknown, used or expired invitation."""
    if mentorship is None:
        reason = "unknown"
    elif mentorship.status != Mentorship.Status.PENDING:
        reason = "used"
    else:
        reason = "expired"
    context = {"reason": reason, "mentorship": mentorship}
    return private(
        render(
            request,
            "mentoring/invitation_unavailable.html",
            context,
            status=404,
        )
    )


def usable(mentorship: Mentorship | None) -> bool:
    return (
        mentorship is not None
        and mentorship.status == Mentorship.Status.PENDING
        and not mentorship.is_expired
    )


@require_GET
def invitation_link(request: HttpRequest, token: str) -> HttpResponse:
    """The link from an invitation email or a one-time link, signed in or not:
    remember it in the session and show it from an address without the token."""
    request.session[INVITATION_SESSION_KEY] = Mentorship.hash_token(token)
    return private(redirect("mentoring_invitation_page"))


@login_required
@require_GET
def invitation(request: HttpRequest) -> HttpResponse:
    mentorship = opened_invitation(request)
    if not usable(mentorship):
        return unavailable(request, mentorship)
    own = mentorship.learner_id == request.user.pk
    already = (
        not own
        and Mentorship.objects.active()
        .filter(learner=mentorship.learner, mentor=request.user)
        .exists()
    )
    # An emailed link opened from another account: say which account accepts.
    other_address = bool(
        not own
        and mentorship.invited_email
        and not EmailAddress.objects.filter(
            user=request.user, email__iexact=mentorship.invited_email, verified=True
        ).exists()
    )
    context = {
        "mentorship": mentorship,
        "own": own,
        "already": already,
        "other_address": other_address,
    }
    return private(render(request, "mentoring/invitation.html", context))


def answer_opened(request: HttpRequest, *, accept: bool) -> HttpResponse:
    """Accept or decline the invitation opened in this session: the one the page
    showed (its id is in the form), not one opened since in another tab."""
    mentorship = opened_invitation(request)
    if not usable(mentorship):
        return unavailable(request, mentorship)
    if request.POST.get("invitation") != str(mentorship.pk):
        messages.error(
            request,
            "You opened another invitation link after this page was shown, so "
            "nothing changed. This is the invitation you opened last; to answer "
            "the other one, open its link again.",
        )
        return redirect("mentoring_invitation_page")
    if mentorship.learner_id == request.user.pk:
        messages.error(
            request,
            "This is your own invitation: you can't mentor yourself. Send the link "
            "to the person you would like as a mentor."
            if accept
            else "This is your own invitation. To cancel it, withdraw it from your "
            "mentoring page.",
        )
        return back(request)
    response = answer(request, mentorship, accept=accept)
    request.session.pop(INVITATION_SESSION_KEY, None)
    return response


@login_required
@require_POST
def invitation_accept(request: HttpRequest) -> HttpResponse:
    return answer_opened(request, accept=True)


@login_required
@require_POST
def invitation_decline(request: HttpRequest) -> HttpResponse:
    return answer_opened(request, accept=False)


def awaiting_me(request: HttpRequest, pk: int) -> Mentorship:
    """The pending invitation or request `pk` that the signed-in user answers, or
    404: nobody else learns it exists."""
    return get_object_or_404(
        Mentorship.objects.awaiting_answer_from(request.user), pk=pk
    )


@login_required
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    return answer(request, awaiting_me(request, pk), accept=True)


@login_required
@require_POST
def decline(request: HttpRequest, pk: int) -> HttpResponse:
    return answer(request, awaiting_me(request, pk), accept=False)


def answer(
    request: HttpRequest, mentorship: Mentorship, *, accept: bool
) -> HttpResponse:
    """Accept or decline a pending invitation or request the caller may answer."""
    user = request.user
    try:
        with transaction.atomic():
            # Read again under a lock: two tabs must not both use one invitation.
            mentorship = (
                Mentorship.objects.select_for_update(of=("self",))
                .select_related("learner", "mentor")
                .get(pk=mentorship.pk)
            )
            if mentorship.status != Mentorship.Status.PENDING:
                messages.info(request, "This has already been answered.")
                return back(request)
            if mentorship.is_expired:
                messages.error(
                    request,
                    f"This expired on {mentorship.expires_at:%d %B %Y}, so nothing "
                    "changed. Ask for a new one if you still want it.",
                )
                return back(request)
            if mentorship.initiated_by == Mentorship.Initiator.LEARNER:
                learner, mentor = mentorship.learner, user
            else:  # a request: sent to an address or username the user holds
                learner, mentor = mentorship.learner or user, mentorship.mentor
            if not accept:
                mentorship.decline()
                audit.info("mentorship=%s declined by=%s", mentorship.pk, user.pk)
                messages.success(request, declined_message(mentorship, user))
                return back(request)
            others = Mentorship.objects.filter(
                learner=learner, mentor=mentor, status__in=OPEN
            ).exclude(pk=mentorship.pk)
            if others.filter(status=Mentorship.Status.ACTIVE).exists():
                messages.info(request, already_message(learner, mentor, user))
                return back(request)
            # A pending request the other way round between the same two people is
            # answered by this acceptance too.
            for other in others.select_for_update():
                other.end(by=user)
                audit.info(
                    "mentorship=%s superseded-by=%s by=%s",
                    other.pk,
                    mentorship.pk,
                    user.pk,
                )
            mentorship.accept(mentor, learner)
    except IntegrityError:  # an acceptance in another request got there first
        messages.info(request, already_message(learner, mentor, user))
        return back(request)
    audit.info(
        "mentorship=%s accepted by=%s mentor=%s learner=%s",
        mentorship.pk,
        user.pk,
        mentor.pk,
        mentorship.learner_id,
    )
    if mentor.pk == user.pk:
        text = (
            f"You now mentor {mentorship.learner.name}. You can see their progress "
            "from your mentoring page."
        )
    else:
        text = (
            f"{mentor.name} is now your mentor and can see your progress. You can "
            "end this at any time."
        )
    messages.success(request, text)
    return back(request)


def declined_message(mentorship: Mentorship, user) -> str:
    if mentorship.initiated_by == Mentorship.Initiator.MENTOR:
        return f"You declined {mentorship.mentor.name}'s request to mentor you."
    return f"You declined {mentorship.learner.name}'s invitation."


def already_message(learner, mentor, user) -> str:
    if mentor.pk == user.pk:
        return f"You already mentor {learner.name}. Nothing changed."
    return f"{mentor.name} is already your mentor. Nothing changed."


# --- Ending ---------------------------------------------------------------------------


@login_required
@require_POST
def end(request: HttpRequest, pk: int) -> HttpResponse:
    """End an active mentorship (either side), or withdraw a pending invitation or
    request (its sender). Anyone else gets 404."""
    user = request.user
    mine = Q(status=Mentorship.Status.ACTIVE) & (Q(learner=user) | Q(mentor=user))
    sent = Q(status=Mentorship.Status.PENDING) & (
        Q(initiated_by=Mentorship.Initiator.LEARNER, learner=user)
        | Q(initiated_by=Mentorship.Initiator.MENTOR, mentor=user)
    )
    with transaction.atomic():
        mentorship = get_object_or_404(
            Mentorship.objects.select_for_update(of=("self",))
            .filter(mine | sent)
            .select_related("learner", "mentor"),
            pk=pk,
        )
        was_active = mentorship.status == Mentorship.Status.ACTIVE
        mentorship.end(by=user)
    audit.info(
        "mentorship=%s %s by=%s",
        mentorship.pk,
        "ended" if was_active else "withdrawn",
        user.pk,
    )
    if not was_active:
        text = (
            "Your invitation is withdrawn."
            if mentorship.initiated_by == Mentorship.Initiator.LEARNER
            else "Your request is withdrawn."
        )
    elif mentorship.learner_id == user.pk:
        text = (
            f"{mentorship.mentor.name} is no longer your mentor and no longer sees "
            "your progress."
        )
    else:
        text = f"You no longer mentor {mentorship.learner.name}."
    messages.success(request, text)
    return back(request)
