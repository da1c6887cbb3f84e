"""Two-factor for staff: who may set it up, and the way on once it is on.

With WAYMARK_STAFF_ENROLMENT=open a staff member without two-factor is sent to
set it up the first time they open the admin, with their password alone. With
`invite` they may set it up only after opening a one-time enrolment link that a
superuser made (`manage.py staff_enrolment_link USERNAME`); until then the admin
and the activation page refuse them (StaffTwoFactorMiddleware).

allauth's activation and recovery-code views are extended here to keep the page
the person was going to (`next`) and offer the way on to it.
"""

from __future__ import annotations

import datetime
import secrets
import time

from allauth.mfa.recovery_codes.views import ViewRecoveryCodesView
from allauth.mfa.totp.views import ActivateTOTPView
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from accounts.audit import audit
from accounts.models import StaffEnrolment, User

# After a link is used, how long its session may take to finish the set-up.
GRANT_SECONDS = 30 * 60
GRANT_SESSION_KEY = "waymark_staff_enrolment"


# --- Enrolment links -----------------------------------------------------------


def issue_enrolment_link(user: User, hours: int) -> str:
    """A new one-time link for `user`; earlier unused links stop working."""
    token = secrets.token_urlsafe(32)
    StaffEnrolment.objects.filter(user=user, used_at__isnull=True).delete()
    StaffEnrolment.objects.create(
        user=user,
        token_hash=StaffEnrolment.hash_token(token),
        expires_at=timezone.now() + datetime.timedelta(hours=hours),
    )
    audit.info("staff enrolment link issued user=%s hours=%s", user.pk, hours)
    return settings.SITE_URL.rstrip("/") + reverse("staff_enrolment", args=[token])


def invite_only() -> bool:
    return settings.STAFF_ENROLMENT == "invite"


def may_enrol(request: HttpRequest) -> bool:
    """May this signed-in staff member set up two-factor now?"""
    if not invite_only():
        return True
    grant = request.session.get(GRANT_SESSION_KEY) or {}
    return grant.get("user") == request.user.pk and grant.get("until", 0) > time.time()


def forget_grant(request: HttpRequest) -> None:
    request.session.pop(GRANT_SESSION_KEY, None)


@login_required
def staff_enrolment(request: HttpRequest, token: str) -> HttpResponse:
    """GET explains and asks to go on; POST uses the link, once."""
    hashed = StaffEnrolment.hash_token(token)
    usable = (
        StaffEnrolment.objects.usable()
        .filter(user=request.user, token_hash=hashed)
        .exists()
    )
    if not usable:
        return render(
            request, "accounts/staff_enrolment.html", {"usable": False}, status=404
        )
    if request.method == "POST":
        if not StaffEnrolment.redeem(request.user, token):  # used meanwhile
            return render(
                request, "accounts/staff_enrolment.html", {"usable": False}, status=404
            )
        request.session[GRANT_SESSION_KEY] = {
            "user": request.user.pk,
            "until": time.time() + GRANT_SECONDS,
        }
        audit.info("staff enrolment link used user=%s", request.user.pk)
        admin = reverse("admin:index")
        return redirect(f"{reverse('mfa_activate_totp')}?{urlencode({'next': admin})}")
    return render(request, "accounts/staff_enrolment.html", {"usable": True})


def enrolment_required(request: HttpRequest) -> HttpResponse:
    """The page for staff who may not set up two-factor without a link."""
    return render(request, "accounts/staff_enrolment_required.html", status=403)


# --- Keeping `next` through the set-up -------------------------------------------


def safe_next(request: HttpRequest) -> str:
    """The `next` of the request (form or query), if it is a page of this site."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def describe(url: str) -> str:
    """Where a `next` leads, for a "Continue to ..." link."""
    if url.startswith(reverse("admin:index")):
        return "the admin"
    return url


class ActivateTOTP(ActivateTOTPView):
    """allauth's activation, carrying `next` on to the recovery codes."""

    def get_context_data(self, **kwargs) -> dict:
        return {
            **super().get_context_data(**kwargs),
            "next_url": safe_next(self.request),
        }

    def get_success_url(self) -> str:
        url = super().get_success_url()
        next_url = safe_next(self.request)
        return f"{url}?{urlencode({'next': next_url})}" if next_url else url


class RecoveryCodes(ViewRecoveryCodesView):
    """allauth's recovery codes, with the way on: where the person was going, or
    back to the two-factor page."""

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        next_url = safe_next(self.request)
        if next_url:
            context["continue_url"] = next_url
            context["continue_label"] = f"Continue to {describe(next_url)}"
        else:
            context["continue_url"] = reverse("mfa_index")
            context["continue_label"] = "Back to two-factor authentication"
        return context


activate_totp = ActivateTOTP.as_view()
view_recovery_codes = RecoveryCodes.as_view()
