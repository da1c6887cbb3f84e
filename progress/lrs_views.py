"""The learner's learning record store page: where their history is sent
(`progress.lrs` sends it, in the worker), "Send now" and "Remove".

With htmx, each form swaps the page's panel in place (errors too, with 200 so
htmx swaps them) and the change is announced; without, the page is redirected
to, or shown again with its errors and 400."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from progress import lrs
from progress.lrs_forms import StoreForm
from progress.models import LearningRecordStore

PAGE = "progress/lrs.html"


def page_context(learner, form: StoreForm | None = None) -> dict:
    """The store, if any, and its form: as saved (never the secret), or as posted."""
    store = LearningRecordStore.objects.filter(learner=learner).first()
    if form is None:
        initial = {}
        if store is not None:
            initial = {
                "endpoint": store.endpoint,
                "username": store.username,
                "enabled": store.enabled,
            }
        form = StoreForm(initial=initial, secret_saved=bool(store and store.has_secret))
    return {"store": store, "form": form}


def answer(request: HttpRequest, text: str, *, ok: bool = True) -> HttpResponse:
    """After a change: the panel with the change announced (htmx), else the
    page again with the message."""
    if not request.htmx:
        (messages.success if ok else messages.error)(request, text)
        return redirect("lrs_settings")
    context = page_context(request.user) | {"announced": text}
    response = render(request, f"{PAGE}#panel", context)
    return trigger_client_event(response, "waymark:announce", {"message": text})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def lrs_settings(request: HttpRequest) -> HttpResponse:
    """The page, and saving its form (a refused form changes nothing)."""
    if request.method != "POST":
        return render(request, PAGE, page_context(request.user))
    store = LearningRecordStore.objects.filter(learner=request.user).first()
    form = StoreForm(request.POST, secret_saved=bool(store and store.has_secret))
    if not form.is_valid():
        context = page_context(request.user, form)
        if request.htmx:
            return render(request, f"{PAGE}#panel", context)
        return render(request, PAGE, context, status=400)
    saved = lrs.save_store(request.user, **form.cleaned_data)
    return answer(
        request,
        "Saved: your history is on its way to your store."
        if saved.enabled
        else "Saved. Sending is off.",
    )


@login_required
@require_POST
def lrs_send(request: HttpRequest) -> HttpResponse:
    """Send what is new now (in the worker: the page does not wait)."""
    if lrs.send_now(request.user) is None:
        return answer(request, "Turn sending on first.", ok=False)
    return answer(request, "Sending now: new records reach your store in a moment.")


@login_required
@require_POST
def lrs_remove(request: HttpRequest) -> HttpResponse:
    """Forget the store and its account."""
    removed = lrs.remove_store(request.user)
    return answer(request, "Your store is removed." if removed else "No store saved.")
