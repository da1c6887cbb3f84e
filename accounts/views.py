from copy import copy

from allauth.core import ratelimit
from allauth.mfa.utils import is_mfa_enabled
from allauth.usersessions.adapter import get_adapter as get_usersessions_adapter
from allauth.usersessions.models import UserSession
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts import audit
from accounts.forms import DeleteAccountForm, ProfileForm
from config import caching


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    # A copy to edit: an invalid form must not leave its values on request.user,
    # which the page (and the layout) still show.
    form = ProfileForm(data, instance=copy(request.user))
    if form.is_bound and form.is_valid():
        form.save()
        messages.success(request, "Your settings are saved.")
        return redirect("account_settings")
    context = {"form": form, "mfa_enabled": is_mfa_enabled(request.user)}
    return render(request, "accounts/settings.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request: HttpRequest) -> HttpResponse:
    """Delete the signed-in person's account, once they re-enter their password.

    It acts on request.user only: there is no id in the URL to tamper with.
    """
    if request.method == "POST":
        # Ten tries a minute per user, as allauth's own reauthentication allows.
        limited = ratelimit.consume_or_429(
            request, action="reauthenticate", user=request.user
        )
        if limited:
            return limited
    data = request.POST if request.method == "POST" else None
    form = DeleteAccountForm(data, user=request.user)
    if form.is_bound and form.is_valid():
        delete_account(request)
        messages.success(
            request, "Your account and everything in it have been deleted."
        )
        return redirect("home")
    return render(request, "accounts/delete.html", {"form": form})


def delete_account(request: HttpRequest) -> None:
    """Delete request.user and end every one of their sessions, on every device.

    Progress, notes, evidence, ratings, follows, email addresses and two-factor
    devices go with the user by cascade. allauth records a UserSession at every
    sign-in, so ending those ends each device's session. A session it never saw
    (one made by Django's own login() outside allauth) still names the deleted
    user's id, which no user has any more, so Django treats it as signed out.
    """
    user = request.user
    user_id = user.pk
    with transaction.atomic():
        sessions = UserSession.objects.filter(user=user)
        get_usersessions_adapter().end_sessions(list(sessions))
        user.delete()
        caching.bump("learner", user_id)
    logout(request)
    audit.account_deleted(user_id, request)
