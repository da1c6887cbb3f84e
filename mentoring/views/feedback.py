"""The learner's side of feedback: the threads mentors start on their items and
skills, their replies and read marks, and what their own pages show of it
(registered as `progress.extensions` in `MentoringConfig.ready`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from config import caching
from mentoring.forms import CommentForm
from mentoring.models import Comment, Endorsement
from progress.views import item_url, safe_next
from progress.visibility import Audience

# --- What the learner's own pages show -------------------------------------------


def thread_context(learner, kind: str, item) -> dict:
    """The feedback thread on one of the learner's items or skills."""
    comments = list(
        Comment.objects.filter(learner=learner, **{kind: item})
        .select_related("author")
        .order_by("created_at", "id")
    )
    if not comments:
        return {"comments": []}
    return {
        "comments": comments,
        "comment_form": CommentForm(),
        "comment_url": reverse("feedback_reply", args=[kind, item.slug]),
        "unread_in_thread": any(
            c.read_by_learner_at is None and c.author_id != learner.pk for c in comments
        ),
        "read_url": reverse("feedback_mark_read", args=[kind, item.slug]),
    }


def skill_context(learner, skill) -> dict:
    """The skill panel: mentors' endorsements, and the thread on the skill."""
    endorsements = list(
        Endorsement.objects.filter(learner=learner, skill=skill).select_related(
            "mentor"
        )[:20]
    )
    return {**thread_context(learner, "skill", skill), "endorsements": endorsements}


def dashboard_context(learner) -> dict:
    """Mentors' latest comments and the unread count. A new comment or a read
    mark retires the learner's cached dashboard, so a comment shows at once."""
    feedback = list(
        Comment.objects.filter(learner=learner)
        .exclude(author=learner)
        .select_related("author", "step", "concept", "skill")
        .order_by("-created_at", "-id")[:8]
    )
    unread = (
        Comment.objects.filter(learner=learner, read_by_learner_at=None)
        .exclude(author=learner)
        .count()
    )
    return {"feedback": feedback, "unread_feedback": unread}


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
    thread = Comment.objects.filter(learner=request.user, **{kind: item})
    if not thread.exists():
        raise Http404("No feedback on this item yet.")
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["body"]))
        return redirect(thread_url(kind, item))
    with transaction.atomic():
        thread.filter(read_by_learner_at=None).update(read_by_learner_at=timezone.now())
        Comment.objects.create(
            learner=request.user,
            author=request.user,
            body=form.cleaned_data["body"],
            **{kind: item},
        )  # its save() retires the learner's cached pages, read marks included
    messages.success(request, "Your reply is posted.")
    return redirect(thread_url(kind, item))


@login_required
@require_POST
def mark_read(request: HttpRequest, kind: str, slug: str) -> HttpResponse:
    item = get_thread_item(request, kind, slug)
    Comment.objects.filter(
        learner=request.user, read_by_learner_at=None, **{kind: item}
    ).update(read_by_learner_at=timezone.now())
    caching.bump("learner", request.user.pk)
    return redirect(safe_next(request, thread_url(kind, item)))
