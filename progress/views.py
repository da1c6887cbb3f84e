"""The learner's side: statuses, the dashboard, notes and evidence, exports."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from config.spreadsheet import SafeWriter
from progress import (
    calendar,
    compare,
    content_changes,
    figures,
    known,
    learner_file,
    pages,
    reminders,
    reports,
    role_page,
    xapi,
)
from progress.activity import learner_activity
from progress.forms import (
    EvidenceForm,
    GoalForm,
    NoteForm,
    ReportForm,
    SelfAssessmentForm,
)
from progress.models import (
    BulkChange,
    CalendarFeed,
    ItemProgress,
    Level,
    ProgressEvent,
    RoleFollow,
    SelfAssessment,
    Status,
)
from progress.visibility import Audience
from roadmap import views as roadmap_views
from roadmap.models import Concept, LearningStep, Role

# --- Access helpers ---------------------------------------------------------------


def get_item(request: HttpRequest, kind: str, slug: str) -> LearningStep | Concept:
    """An item the signed-in person may open (see `progress.visibility`); else 404."""
    return Audience.of(request.user).item(kind, slug)


def get_role(request: HttpRequest, slug: str) -> Role:
    return Audience.of(request.user).role(slug)


def safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def item_url(kind: str, item: LearningStep | Concept) -> str:
    return reverse("progress_item", args=[kind, item.slug])


# --- Following roles -------------------------------------------------------------


@login_required
@require_POST
def follow_role(request: HttpRequest, slug: str) -> HttpResponse:
    role = get_role(request, slug)
    if RoleFollow.objects.follow(request.user, role):
        messages.success(request, f"You now follow {role.title}.")
    return redirect(safe_next(request, role.get_absolute_url()))


def followed(request: HttpRequest, slug: str) -> RoleFollow:
    """The signed-in learner's follow of a role they may see, or 404."""
    follow = RoleFollow.objects.of(request.user, get_role(request, slug))
    if follow is None:
        raise Http404("You do not follow this role.")
    return follow


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def goal(request: HttpRequest, slug: str) -> HttpResponse:
    """Set, change or clear the goal for a followed role (`target_date`,
    `hours_per_week`); the dashboard shows the plan it gives."""
    follow = followed(request, slug)
    if request.method != "POST":
        return render(
            request, "progress/goal.html", pages.goal_context(request.user, follow)
        )
    today = figures.local_today(request.user)
    form = GoalForm(request.POST, today=today)
    if not form.is_valid():
        context = pages.goal_context(request.user, follow, form)
        return render(request, "progress/goal.html", context, status=400)
    data = form.cleaned_data
    RoleFollow.objects.set_goal(
        follow, data["target_date"], data["hours_per_week"], data["reviews"]
    )
    cleared = data["target_date"] is None and data["hours_per_week"] is None
    messages.success(
        request,
        f"Your goal for {follow.role.title} is cleared."
        if cleared
        else f"Your goal for {follow.role.title} is saved: your plan is on your "
        "dashboard.",
    )
    return redirect(safe_next(request, reverse("dashboard")))


# --- The calendar feed ---------------------------------------------------------------

NEW_FEED_SESSION_KEY = "calendar_feed_url"


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def calendar_settings(request: HttpRequest) -> HttpResponse:
    """Make (`action=new`) or turn off (`action=off`) the private feed link; the
    link is shown once, when it is made (only its hash is kept)."""
    if request.method == "POST":
        return change_calendar(request, request.POST.get("action"))
    context = {
        "feed": CalendarFeed.objects.filter(learner=request.user).first(),
        "new_url": request.session.pop(NEW_FEED_SESSION_KEY, None),
    }
    return render(request, "progress/calendar.html", context)


def change_calendar(request: HttpRequest, action: str | None) -> HttpResponse:
    if action == "new":
        token = CalendarFeed.renew(request.user)
        url = request.build_absolute_uri(reverse("calendar_feed", args=[token]))
        request.session[NEW_FEED_SESSION_KEY] = url
        text = "Your calendar link is ready; any older link no longer works."
    elif action == "off":
        CalendarFeed.objects.filter(learner=request.user).delete()
        text = "Your calendar feed is off: its link no longer works."
    else:
        return HttpResponseBadRequest("Choose new or off.", content_type="text/plain")
    messages.success(request, text)
    return redirect("calendar_settings")


@never_cache
@require_safe  # calendar apps check the link with HEAD
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed, for calendar apps (no sign-in: the secret link is the key)."""
    feed = (
        CalendarFeed.objects.filter(token_hash=CalendarFeed.hash_token(token))
        .select_related("learner")
        .first()
    )
    if feed is None or not feed.learner.is_active:
        raise Http404("No such calendar.")
    response = HttpResponse(
        calendar.feed(feed.learner), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="waymark.ics"'
    return response


@never_cache
@csrf_exempt  # the signed token is the key; mail apps post without a cookie
@require_http_methods(["GET", "POST"])
def weekly_email_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The weekly email's unsubscribe link: a page with one button (GET changes
    nothing), and its POST, or a mail app's one-click POST (RFC 8058)."""
    learner, expired = reminders.learner_of_token(token)
    if learner is None:
        raise Http404("This unsubscribe link is not valid.")
    if expired and request.user != learner:  # its own learner, signed in, may
        context = {"expired": True, "days": reminders.UNSUBSCRIBE_LINK_DAYS}
        status = 410 if request.method == "POST" else 200
        return render(request, "progress/unsubscribe.html", context, status=status)
    context = {"learner": learner, "token": token, "subscribed": learner.weekly_email}
    if request.method == "POST":
        reminders.unsubscribe(learner)
        context.update(subscribed=False, done=True)
    return render(request, "progress/unsubscribe.html", context)


@login_required
@require_GET
def compare_roles(request: HttpRequest, slug: str) -> HttpResponse:
    """This role and another (`with`): what they share, how much of the other
    the learner's progress covers, and what remains of it."""
    audience = Audience(request.user)  # published roles only: the figures' rule
    role = audience.role(slug)
    others = audience.roles().exclude(pk=role.pk).order_by("position", "title")
    other_slug = request.GET.get("with", "")[:100]
    context = {"role": role, "others": others, "chosen": other_slug}
    if not other_slug:
        return render(request, "progress/compare.html", context)
    other = others.filter(slug=other_slug).first()
    if other is None:
        context["error"] = "Choose one of the other published roles."
        return render(request, "progress/compare.html", context, status=404)
    context["comparison"] = compare.compare(request.user, role, other)
    return render(request, "progress/compare.html", context)


@login_required
@require_POST
def leave_role(request: HttpRequest, slug: str) -> HttpResponse:
    # The learner's own follow: a role retired since can still be left.
    follow = (
        RoleFollow.objects.filter(learner=request.user, role__slug=slug)
        .select_related("role")
        .first()
    )
    if follow is None:
        get_role(request, slug)  # 404 for a role this person may not see
    else:
        RoleFollow.objects.leave(follow)
        messages.success(
            request,
            f"You no longer follow {follow.role.title}. Your statuses and notes are "
            "kept.",
        )
    return redirect(safe_next(request, reverse("dashboard")))


@login_required
@require_http_methods(["GET", "POST"])
def reset_role(request: HttpRequest, slug: str) -> HttpResponse:
    """Set every item of a role back to "not started", after a confirmation."""
    role = get_role(request, slug)
    if request.method == "POST":
        ItemProgress.objects.reset_role(request.user, role)
        messages.success(
            request,
            f"Progress on {role.title} is reset. Notes, evidence and history are kept.",
        )
        return redirect(role.get_absolute_url())
    context = pages.reset_confirmation(request.user, role)
    return render(request, "progress/reset_confirm.html", context)


# --- A role's and a skill's page ----------------------------------------------------


@require_GET
def role_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A role's page: a signed-in person's own, with their statuses and
    figures; for visitors, the page everyone shares."""
    if not request.user.is_authenticated:
        return roadmap_views.public_role_page(request, slug)
    return role_page.signed_in_role_page(request, slug)


@login_required
@require_GET
def role_figures(request: HttpRequest, slug: str) -> HttpResponse:
    """The learner's figures on a role's page, asked for by the page after a
    status change: its panel, stages' summaries, map and choice marks."""
    role = get_object_or_404(Audience.of(request.user).roles(), slug=slug)
    return HttpResponse(pages.role_figures(request, role))


@login_required
@require_GET
def skill_figures(request: HttpRequest, slug: str) -> HttpResponse:
    """The learner's figures on a skill's page, asked for after a change."""
    skill = Audience.of(request.user).skill_or_none(slug)
    if skill is None:
        raise Http404("No such skill.")
    return HttpResponse(pages.skill_figures(request, skill))


@login_required
@require_GET
def dashboard_figures(request: HttpRequest) -> HttpResponse:
    """The dashboard's roles and activity, asked for after a status change."""
    return HttpResponse(pages.dashboard_figures(request))


@require_GET
def skill_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A skill's page: a signed-in person's own, or the page everyone shares."""
    if not request.user.is_authenticated:
        return roadmap_views.public_skill_page(request, slug)
    return pages.signed_in_skill_page(request, slug)


# --- Statuses ---------------------------------------------------------------------


@login_required
@require_POST
def set_status(request: HttpRequest, kind: str, slug: str) -> HttpResponse:
    item = get_item(request, kind, slug)
    status = request.POST.get("status", "")
    if status not in Status.values:
        choices = ", ".join(Status.values)
        return HttpResponseBadRequest(
            f"Unknown status {status[:40]!r}. Choose one of: {choices}.",
            content_type="text/plain; charset=utf-8",
        )
    ItemProgress.objects.set_status(request.user, item, status)
    label = Status(status).label.lower()
    if not request.htmx:
        messages.success(request, f"Marked “{item}” as {label}.")
        return redirect(back_to_control(request, kind, item))
    item.learner_status = status
    # The control alone; the page's figures ask for themselves when they hear
    # of the change (pages.STATUS_CHANGED).
    response = HttpResponse(pages.status_control(request, item, kind))
    trigger_client_event(response, pages.STATUS_CHANGED, {"kind": kind, "id": item.pk})
    return trigger_client_event(
        response, "waymark:announce", {"message": f"“{item}” marked as {label}."}
    )


def back_to_control(request: HttpRequest, kind: str, item) -> str:
    """Where a status change without JavaScript returns: the page the form was
    on (the browser's Referer, on this site only), at the item's control; else
    the item's page."""
    page = request.headers.get("Referer", "")
    if not url_has_allowed_host_and_scheme(
        page, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return item_url(kind, item)
    return f"{page.partition('#')[0]}#status-{kind}-{item.pk}"


@login_required
@require_POST
def undo(request: HttpRequest) -> HttpResponse:
    """Revert the learner's latest status change (itself recorded as a change)."""
    event = (
        ProgressEvent.objects.filter(learner=request.user)
        .select_related("step", "concept", "bulk_change")
        .first()
    )
    if event is None:
        messages.info(request, "There is nothing to undo.")
    elif event.bulk_change and not event.bulk_change.undone_at:  # undone as one
        _, text = known.undo_message(event.bulk_change, known.undo(event.bulk_change))
        messages.success(request, text)
    else:
        ItemProgress.objects.set_status(request.user, event.item, event.from_status)
        messages.success(
            request,
            f"Undone: “{event.item}” is {Status(event.from_status).label.lower()} "
            "again.",
        )
    return redirect(safe_next(request, reverse("dashboard")))


# --- The item page: status, note, evidence, history --------------------------------


def item_context(request: HttpRequest, kind: str, item) -> dict:
    progress = ItemProgress.objects.filter(learner=request.user).for_item(item).first()
    item.learner_status = progress.status if progress else Status.NOT_STARTED
    history = (
        ProgressEvent.objects.filter(learner=request.user)
        .filter(**{kind: item})
        .select_related("bulk_change")[:50]
    )
    return {
        "item": item,
        "kind": kind,
        "progress": progress,
        "evidence": list(progress.evidence.all()) if progress else [],
        "history": history,
        "citations": pages.item_citations(request.user, item),
        "note_form": NoteForm(
            initial={
                "note": progress.note if progress else "",
                "shared": progress.note_shared if progress else False,
            }
        ),
        "evidence_form": EvidenceForm(),
        "reports": reports.of_learner(request.user, item),
        "changes": content_changes.what_changed(kind, item, progress.status_changed_at)
        if content_changes.is_flagged(progress, item)
        else [],
        "retired_by": content_changes.retired_by(kind, item),
        "report_form": ReportForm(),
        "status_choices": Status.choices,
    }


@login_required
@never_cache
@require_GET
def item_page(request: HttpRequest, kind: str, slug: str) -> HttpResponse:
    item = get_item(request, kind, slug)
    return render(request, "progress/item.html", item_context(request, kind, item))


@login_required
@require_POST
def save_note(request: HttpRequest, kind: str, slug: str) -> HttpResponse:
    item = get_item(request, kind, slug)
    form = NoteForm(request.POST)
    context = item_context(request, kind, item)
    if not form.is_valid():
        return _refused(request, "note", {**context, "note_form": form})
    data = form.cleaned_data
    ItemProgress.objects.save_note(request.user, item, data["note"], data["shared"])
    return _changed(request, kind, item, "note", "Note saved.", saved=True)


@login_required
@require_POST
def add_evidence(request: HttpRequest, kind: str, slug: str) -> HttpResponse:
    item = get_item(request, kind, slug)
    form = EvidenceForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if ItemProgress.objects.add_evidence(request.user, item, **data) is not None:
            return _changed(request, kind, item, "evidence", "Evidence added.")
        form.add_error(None, EvidenceForm.FULL)
    context = {**item_context(request, kind, item), "evidence_form": form}
    return _refused(request, "evidence", context)


@login_required
@require_POST
def delete_evidence(
    request: HttpRequest, kind: str, slug: str, pk: int
) -> HttpResponse:
    item = get_item(request, kind, slug)
    if not ItemProgress.objects.remove_evidence(request.user, item, pk):
        raise Http404("No such evidence.")
    return _changed(request, kind, item, "evidence", "Evidence removed.")


@login_required
@require_POST
def report_problem(request: HttpRequest, kind: str, slug: str) -> HttpResponse:
    """A learner reports a problem with an item (`progress.reports`)."""
    item = get_item(request, kind, slug)
    form = ReportForm(request.POST)
    if not form.is_valid():
        return _report_refused(request, kind, item, form, status=400)
    try:
        reports.report(request.user, item, **form.cleaned_data)
    except reports.OverLimit as over:
        when = timezone.localtime(over.retry_at, request.user.zone)
        form.add_error(
            None,
            f"You have sent {reports.DAILY_LIMIT} reports in the last 24 hours, the "
            f"most Waymark takes. Nothing was sent. You can send another from "
            f"{when:%H:%M} on {when.day} {when:%B} ({request.user.timezone}).",
        )
        return _report_refused(request, kind, item, form, status=429)
    message = "Thank you: your report is with the curators."
    return _changed(request, kind, item, "report", message, reported=True)


def _report_refused(request, kind: str, item, form, status: int) -> HttpResponse:
    """A report not taken: the section with the form's errors (htmx swaps it in
    place, `HX-Reswap`), or the whole page; 400 for bad input, 429 over the limit."""
    context = {**item_context(request, kind, item), "report_form": form}
    if not request.htmx:
        return render(request, "progress/item.html", context, status=status)
    response = render(request, "progress/item.html#report", context, status=status)
    response["HX-Reswap"] = "outerHTML"
    return response


def _changed(request, kind: str, item, section: str, message: str, **extra):
    """After a change on the item page: back to the page without htmx, else
    its section re-rendered, and the change announced."""
    if not request.htmx:
        messages.success(request, message)
        return redirect(item_url(kind, item))
    context = {**item_context(request, kind, item), **extra}
    response = render(request, f"progress/item.html#{section}", context)
    return trigger_client_event(response, "waymark:announce", {"message": message})


def _refused(request, section: str, context: dict) -> HttpResponse:
    """A form with errors: its section for htmx (200, swapped in place), else the
    whole page with 400."""
    if request.htmx:
        return render(request, f"progress/item.html#{section}", context)
    return render(request, "progress/item.html", context, status=400)


# --- Self-assessment -----------------------------------------------------------------


@login_required
@require_POST
def assess_skill(request: HttpRequest, slug: str) -> HttpResponse:
    skill = Audience.of(request.user).skill(slug)
    form = SelfAssessmentForm(request.POST)
    if not form.is_valid():
        return pages.signed_in_skill_page(request, slug, form, status=400)
    level = form.cleaned_data["level"]
    SelfAssessment.objects.rate(request.user, skill, level)
    messages.success(
        request, f"Your level in {skill.name}: {Level(level).label.lower()}."
    )
    return redirect(safe_next(request, skill.get_absolute_url()))


# --- The dashboard -------------------------------------------------------------------


@login_required
@never_cache
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    context = pages.cached_dashboard_context(request.user)
    return render(request, "progress/dashboard.html", context)


# --- Exports --------------------------------------------------------------------------


@login_required
@never_cache
@require_GET
def export_json(request: HttpRequest) -> HttpResponse:
    response = JsonResponse(
        learner_file.export_data(request.user), json_dumps_params={"indent": 2}
    )
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = (
        f'attachment; filename="waymark-{request.user.username}-{stamp}.json"'
    )
    return response


@login_required
@never_cache
@require_GET
def export_xapi(request: HttpRequest) -> HttpResponse:
    """The learner's history as xAPI statements (`progress.xapi`), for a
    learning record store."""
    response = JsonResponse(
        xapi.statements(request.user), safe=False, json_dumps_params={"indent": 2}
    )
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = (
        f'attachment; filename="waymark-{request.user.username}-{stamp}.xapi.json"'
    )
    return response


@login_required
@never_cache
@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = (
        f'attachment; filename="waymark-{request.user.username}-{stamp}.csv"'
    )
    SafeWriter(response).writerows(learner_file.status_rows(request.user))
    return response


# --- The public profile -----------------------------------------------------------


@never_cache
@require_GET
def public_profile(request: HttpRequest, username: str) -> HttpResponse:
    """Shown only when the learner switched it on; otherwise the same 404 as a
    missing user. Never cached: switching it off takes effect at once, even
    behind a shared cache."""
    user = get_object_or_404(
        get_user_model(), username=username, public_profile=True, is_active=True
    )
    follows = RoleFollow.objects.filter(learner=user).shown()
    return render(
        request,
        "progress/profile.html",
        {
            "profile_user": user,
            "role_figures": figures.role_progress(user, [f.role for f in follows]),
            "activity": learner_activity(user),
        },
    )


# --- "I already know this" ----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def mark_known(request: HttpRequest, role: str, slug: str, part: str) -> HttpResponse:
    """Mark a stage's steps or a skill's concepts done at once: a GET lists
    what would change, the POST does it (`progress.known`)."""
    found = known.find(request.user, role, part, slug)
    if request.method != "POST":
        context = known.confirmation(request.user, found)
        return render(request, "progress/known_confirm.html", context)
    change = known.mark_known(request.user, found)
    if change is None:
        messages.info(
            request,
            f"Nothing changed: every item of {part} “{found.title}” is already "
            "done or skipped.",
        )
    else:
        request.session[known.OFFER] = change.pk  # the role page offers its undo
        messages.success(request, f"{change.summary}.")
    return redirect_to(request, found.role.get_absolute_url())


@login_required
@require_POST
def undo_known(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo one of the learner's "I already know this" changes (`known.undo`)."""
    change = get_object_or_404(
        BulkChange.objects.select_related("role"), pk=pk, learner=request.user
    )
    changed, text = known.undo_message(change, known.undo(change))
    (messages.success if changed else messages.info)(request, text)
    return redirect_to(request, safe_next(request, change.role.get_absolute_url()))


def redirect_to(request: HttpRequest, url: str) -> HttpResponse:
    """Where a form goes next: htmx is told to go there (HX-Redirect), a
    browser is redirected."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


@login_required
@require_POST
def change_reviewed(request: HttpRequest, kind: str, slug: str) -> HttpResponse:
    """The learner read what changed in an item since they marked it."""
    item = get_item(request, kind, slug)
    if not content_changes.mark_reviewed(request.user, kind, item):
        return HttpResponseBadRequest(
            "You have no status on this item: nothing to review.",
            content_type="text/plain",
        )
    text = f"Marked as reviewed: {item} keeps your status."
    if request.htmx:
        response = HttpResponse(f'<p class="meta" role="status">{escape(text)}</p>')
        return trigger_client_event(response, "waymark:announce", {"message": text})
    messages.success(request, text)
    return redirect(item_url(kind, item))
