"""The learner's side of feedback: replies in the threads mentors start on their
items and skills, and read marks (the writes are in `mentoring.feedback`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from mentoring import feedback
from mentoring.forms import CommentForm
from progress.views import item_url, safe_next
from progress.visibility import Audience

# --- Replies and read marks --------------------------------------------------------


def get_thread_item(request: HttpRequest, kind: str, slug: str):
    return Audience.of(request.user).thread_item(kind, slug)


def thread_url(kind: str, item) -> str:
    if kind == "skill":
        return item.get_absolute_url() + "#comments"
    return item_url(kind, item) + "#comments"


@login_required
@require_POST
def reply(request: HttpRequest, kind: str, slug: str) -> HttpResponse:
    """The learner answers in a thread a mentor started on one of their items."""
    item = get_thread_item(request, kind, slug)
    if not feedback.thread(request.user, kind, item).exists():
        raise Http404("No feedback on this item yet.")
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["body"]))
        return redirect(thread_url(kind, item))
    feedback.reply(request.user, kind, item, form.cleaned_data["body"])
    messages.success(request, "Your reply is posted.")
    return redirect(thread_url(kind, item))


@login_required
@require_POST
def mark_read(request: HttpRequest, kind: str, slug: str) -> HttpResponse:
    item = get_thread_item(request, kind, slug)
    feedback.mark_read(request.user, kind, item)
    return redirect(safe_next(request, thread_url(kind, item)))
