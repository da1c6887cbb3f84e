"""The consent pages: invitations, requests, answers and endings.

Each view reads the request, calls one function of `mentoring.consent` (where
the writes and their rules live) and says what happened. `get_visible_learner`
checks consent on every request, so a mentor's access ends with the very next one.

The /mentoring/ hub shows all of this through `mentoring_context` and
templates/mentoring/_mentorships.html; the forms there post to the views below.
"""

from __future__ import annotations

import datetime
import math

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from mentoring import consent
from mentoring.consent import Answer, Answered, OverAllowance
from mentoring.forms import InviteMentorForm, RequestMentoringForm
from mentoring.models import Mentorship

NEW_LINK_SESSION_KEY = "mentoring_new_link"


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


def over_allowance(
    request: HttpRequest, template: str, context: dict, retry_at: datetime.datetime
) -> HttpResponse:
    """429: the page of the form sent, its typed values kept, saying when the
    next send is possible (in the sender's time zone)."""
    user = request.user
    when = timezone.localtime(retry_at, user.zone)
    messages.error(
        request,
        f"You have sent {consent.DAILY_LIMIT} invitations and requests in the last "
        f"24 hours, the most Waymark allows. Nothing was sent. You can send another "
        f"from {when:%H:%M} on {when.day} {when:%B} ({user.timezone}).",
    )
    response = render(
        request, template, {**context, "next": safe_next(request)}, status=429
    )
    wait = (retry_at - timezone.now()).total_seconds()
    response["Retry-After"] = str(max(1, math.ceil(wait)))
    return response


def private(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    return response


# --- Learners invite mentors ---------------------------------------------------------


@login_required
@require_POST
def invite(request: HttpRequest) -> HttpResponse:
    """Invite a mentor by email (`email`, `message`) or make a link (`kind=link`)."""
    if request.POST.get("kind") == "link":
        return invite_by_link(request)
    form = InviteMentorForm(request.POST, user=request.user)
    return send_form(
        request,
        form,
        "mentoring/invite.html",
        "invite_form",
        consent.invite_by_email,
        lambda mentorship: (
            f"Your invitation is on its way to {mentorship.invited_email}. It "
            f"works until {mentorship.expires_at:%d %B %Y}."
        ),
    )


def send_form(request, form, template, name, send, said) -> HttpResponse:
    """Send what `form` holds with `send(user, form)`: back with `said(mentorship)`
    as the message, or the form's page again (400 with its errors, 429 over the
    allowance), as `name` in the context."""
    context = {name: form, "next": safe_next(request)}
    try:
        mentorship = send(request.user, form)
    except OverAllowance as over:
        return over_allowance(request, template, context, over.retry_at)
    if mentorship is None:
        return render(request, template, context, status=400)
    messages.success(request, said(mentorship))
    return back(request)


def invite_by_link(request: HttpRequest) -> HttpResponse:
    try:
        mentorship, token = consent.invite_by_link(request.user)
    except OverAllowance as over:
        context = {"invite_form": InviteMentorForm(user=request.user)}
        return over_allowance(request, "mentoring/invite.html", context, over.retry_at)
    # Only the hash is stored: the session carries the token to the one page
    # that shows it, which forgets it at once.
    request.session[NEW_LINK_SESSION_KEY] = {
        "id": mentorship.pk,
        "url": consent.invitation_url(token),
        "next": safe_next(request),
    }
    return redirect("mentoring_invite_link")


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
    form = RequestMentoringForm(request.POST, user=request.user)
    return send_form(
        request,
        form,
        "mentoring/request.html",
        "request_form",
        consent.ask_to_mentor,
        lambda mentorship: (
            "If that person has a Waymark account, they will see your request on "
            "their mentoring page and can accept or decline it."
        ),
    )


# --- Answering: by token (links and emails) or from the list --------------------------


# An invitation link carries its token in the URL path. The link's view only puts
# the token's hash in the session and redirects at once to a page whose address
# holds no secret, so the token is in one request line (which the logs redact,
# config/redact.py) and never in a sign-in `next`, a form action or a Referer.
INVITATION_SESSION_KEY = "mentoring_invitation"


def opened_invitation(request: HttpRequest) -> Mentorship | None:
    """The invitation whose link was last opened in this session, if any."""
    return consent.find_invitation(request.session.get(INVITATION_SESSION_KEY, ""))


def unavailable(request: HttpRequest, mentorship: Mentorship | None) -> HttpResponse:
    """A friendly 404 for an unknown, used or expired invitation."""
    context = {
        "reason": consent.unavailable_reason(mentorship),
        "mentorship": mentorship,
    }
    template = "mentoring/invitation_unavailable.html"
    return private(render(request, template, context, status=404))


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
    if not consent.usable(mentorship):
        return unavailable(request, mentorship)
    context = consent.invitation_context(mentorship, request.user)
    return private(render(request, "mentoring/invitation.html", context))


def answer_opened(request: HttpRequest, *, accept: bool) -> HttpResponse:
    """Accept or decline the invitation opened in this session: the one the page
    showed (its id is in the form), not one opened since in another tab."""
    mentorship = opened_invitation(request)
    if not consent.usable(mentorship):
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
    answered = consent.answer(request.user, mentorship, accept=accept)
    level = {
        Answer.ACCEPTED: messages.SUCCESS,
        Answer.DECLINED: messages.SUCCESS,
        Answer.EXPIRED: messages.ERROR,
    }.get(answered.outcome, messages.INFO)
    messages.add_message(request, level, answer_text(answered, request.user))
    return back(request)


def answer_text(answered: Answered, user) -> str:
    """What the person who answered is told."""
    mentorship, learner, mentor = answered.mentorship, answered.learner, answered.mentor
    match answered.outcome:
        case Answer.ALREADY_ANSWERED:
            return "This has already been answered."
        case Answer.EXPIRED:
            return (
                f"This expired on {mentorship.expires_at:%d %B %Y}, so nothing "
                "changed. Ask for a new one if you still want it."
            )
        case Answer.DECLINED if mentorship.initiated_by == Mentorship.Initiator.MENTOR:
            return f"You declined {mentorship.mentor.name}'s request to mentor you."
        case Answer.DECLINED:
            return f"You declined {mentorship.learner.name}'s invitation."
        case Answer.ALREADY_MENTORING if mentor.pk == user.pk:
            return f"You already mentor {learner.name}. Nothing changed."
        case Answer.ALREADY_MENTORING:
            return f"{mentor.name} is already your mentor. Nothing changed."
        case Answer.ACCEPTED if mentor.pk == user.pk:
            return (
                f"You now mentor {mentorship.learner.name}. You can see their "
                "progress from your mentoring page."
            )
        case _:  # accepted by the learner
            return (
                f"{mentor.name} is now your mentor and can see your progress. You "
                "can end this at any time."
            )


# --- Ending ---------------------------------------------------------------------------


@login_required
@require_POST
def end(request: HttpRequest, pk: int) -> HttpResponse:
    """End an active mentorship (either side), or withdraw a pending invitation or
    request (its sender). Anyone else gets 404."""
    try:
        mentorship, was_active = consent.end(request.user, pk)
    except Mentorship.DoesNotExist:
        raise Http404("No such mentorship.") from None
    messages.success(request, ended_text(mentorship, was_active, request.user))
    return back(request)


def ended_text(mentorship: Mentorship, was_active: bool, user) -> str:
    if not was_active:
        if mentorship.initiated_by == Mentorship.Initiator.LEARNER:
            return "Your invitation is withdrawn."
        return "Your request is withdrawn."
    if mentorship.learner_id == user.pk:
        return (
            f"{mentorship.mentor.name} is no longer your mentor and no longer sees "
            "your progress."
        )
    return f"You no longer mentor {mentorship.learner.name}."
