"""The reviews page: today's reviews one at a time (a question, its answer on
demand, ratings that say when the item comes back), the next 30 days' forecast,
and the learner's pacing (a daily limit, a target retention, a pause)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from progress import figures, reviews
from progress.forms import PauseForm, ReviewForm, ReviewPacingForm
from progress.models import ReviewSettings, RoleFollow
from progress.views import get_item, safe_next
from progress.visibility import Audience
from roadmap.models import sees_drafts

REVIEWS_PAGE = "progress/reviews.html"
RATING_LABELS = {"again": "Again", "hard": "Hard", "good": "Good", "easy": "Easy"}


def reviews_context(learner, now: datetime.datetime, **forms) -> dict:
    """The reviews page: today's reviews (`reviews.due_reviews`, the same as the
    dashboard's), the one to do now with its prompt and what each rating would
    do, the forecast and the pacing forms."""
    follows = list(RoleFollow.objects.filter(learner=learner).shown())
    pacing = ReviewSettings.of(learner)
    today = reviews.due_reviews(learner, follows, now, pacing)
    local = figures.local_today(learner, now)
    current = None
    if today.due:
        first = today.due[0]
        item = Audience.of(learner).item(first.kind, first.slug)
        days = reviews.intervals(learner, first.kind, item, now, pacing.retention)
        # The answer must be a passage of a source the learner may open (one
        # query, for an item with a prompt).
        recall = None
        if item.recall:
            sources = item.sources.visible(sees_drafts(learner))
            slugs = set(sources.values_list("slug", flat=True))
            recall = reviews.recall_shown(item, slugs)
        current = {
            "review": first,
            "item": item,
            "recall": recall,
            "shown_at": now.isoformat(),
            "ratings": [
                (name, label, days[name], (days[name] - local).days)
                for name, label in RATING_LABELS.items()
            ],
        }
    return {
        "reviews": today,
        "current": current,
        "more_today": today.total - len(today.due),
        "forecast": reviews.forecast(learner, follows, now, pacing),
        "pacing": pacing,
        "today": local,
        "pacing_form": forms.get("pacing_form") or ReviewPacingForm(instance=pacing),
        "pause_form": forms.get("pause_form")
        or PauseForm(today=local, paused_until=pacing.paused_until),
        "reviews_on": any(follow.reviews for follow in follows),
    }


@login_required
@never_cache
@require_GET
def reviews_page(request: HttpRequest) -> HttpResponse:
    return render(request, REVIEWS_PAGE, reviews_context(request.user, timezone.now()))


@login_required
@require_POST
def review_item(request: HttpRequest, kind: str, slug: str) -> HttpResponse:
    """Rate the recall of a done item (`rating`: again, hard, good or easy); the
    item comes back on the day its button said (`shown_at`: when it said it)."""
    item = get_item(request, kind, slug)
    now = timezone.now()
    form = ReviewForm(request.POST, now=now)
    if not form.is_valid():
        return HttpResponseBadRequest(
            form.errors["rating"][0], content_type="text/plain; charset=utf-8"
        )
    refused = reviews.refusal(request.user, kind, item)
    if refused:
        return HttpResponseBadRequest(refused, content_type="text/plain; charset=utf-8")
    data = form.cleaned_data
    card = reviews.rate(request.user, item, kind, data["rating"], data["shown_at"])
    text = f"Next review of {item}: {card.due:%-d %B %Y}."
    if request.htmx:
        response = render(
            request, f"{REVIEWS_PAGE}#session", reviews_context(request.user, now)
        )
        return trigger_client_event(response, "waymark:announce", {"message": text})
    messages.success(request, text)
    return redirect(safe_next(request, reverse("reviews")))


@login_required
@require_POST
def review_pacing(request: HttpRequest) -> HttpResponse:
    """Save the daily limit and the target retention."""
    pacing = ReviewSettings.of(request.user)
    form = ReviewPacingForm(request.POST, instance=pacing)
    if not form.is_valid():
        context = reviews_context(request.user, timezone.now(), pacing_form=form)
        return render(request, REVIEWS_PAGE, context, status=400)
    data = form.cleaned_data
    reviews.save_pacing(request.user, data["daily_limit"], data["retention"])
    messages.success(request, "Your review settings are saved.")
    return redirect("reviews")


@login_required
@require_POST
def review_pause(request: HttpRequest) -> HttpResponse:
    """Pause reviews until a day (`until`)."""
    now = timezone.now()
    form = PauseForm(
        request.POST,
        today=figures.local_today(request.user, now),
        paused_until=ReviewSettings.of(request.user).paused_until,
    )
    if not form.is_valid():
        context = reviews_context(request.user, now, pause_form=form)
        return render(request, REVIEWS_PAGE, context, status=400)
    until = form.cleaned_data["until"]
    moved = reviews.pause(request.user, until, now)
    messages.success(
        request,
        f"Reviews are paused until {until:%-d %B %Y}; {moved} moved on by the "
        "pause's length.",
    )
    return redirect("reviews")


@login_required
@require_POST
def review_resume(request: HttpRequest) -> HttpResponse:
    """End a pause today."""
    moved = reviews.resume(request.user, timezone.now())
    messages.success(request, f"Reviews are back on; {moved} moved back.")
    return redirect("reviews")
