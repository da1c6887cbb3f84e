from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from accounts import two_factor
from accounts.audit import log_denied


class TimezoneMiddleware:
    """Show dates and times in the signed-in user's own time zone, for this
    request only (the thread goes back to the site's zone after it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(user.zone)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class PrivacyHeadersMiddleware:
    """Headers Django does not set itself.

    - `Cross-Origin-Resource-Policy: same-origin` on every response, static files
      included: no other site may embed Waymark's resources.
    - `Cache-Control: private, no-store` on every response to a signed-in user
      that does not say otherwise: no shared or back-button cache keeps a
      learner's pages.
    - `Clear-Site-Data` on the response that signs a user out: the browser drops
      the cache, cookies and storage of the site.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if getattr(request, "waymark_signed_out", False):
            response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
            response.headers["Cache-Control"] = "private, no-store"
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and "Cache-Control" not in response.headers
        ):
            response.headers["Cache-Control"] = "private, no-store"
        return response


def mark_signed_out(sender, request, user, **kwargs) -> None:
    """`user_logged_out` receiver: the response gets Clear-Site-Data."""
    if request is not None:
        request.waymark_signed_out = True


class StaffTwoFactorMiddleware:
    """Staff reach the admin only with two-factor authentication turned on.

    A staff member without an authenticator is sent to set one up (then comes
    back); everyone else sees no difference. Two-factor is open to every user from
    the account page; for staff it is required.

    By default (WAYMARK_STAFF_ENROLMENT=open) the password alone lets a staff
    member set up the authenticator, so whoever first holds a new staff account's
    password chooses its second factor. With `invite`, a staff member without
    two-factor may set it up only after opening a one-time link from a superuser
    (accounts/two_factor.py): without one, the admin and the activation page
    refuse them with a page that says how to get one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_staff:
            return self.get_response(request)
        activation = reverse("mfa_activate_totp")
        if not (request.path.startswith(_admin_prefix()) or request.path == activation):
            return self.get_response(request)  # no query on the site's own pages
        if is_mfa_enabled(user):
            if two_factor.GRANT_SESSION_KEY in request.session:
                two_factor.forget_grant(request)  # set up: the link has done its job
            return self.get_response(request)
        if request.path.startswith(_admin_prefix()):
            if not two_factor.may_enrol(request):
                log_denied(request, "admin without two-factor, no enrolment link")
                return two_factor.enrolment_required(request)
            messages.warning(
                request,
                "The admin needs two-factor authentication. Set up an "
                "authenticator app, then open the admin again.",
            )
            log_denied(request, "admin without two-factor")
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('mfa_activate_totp')}?{query}")
        if not two_factor.may_enrol(request):
            log_denied(request, "two-factor set-up without an enrolment link")
            return two_factor.enrolment_required(request)
        return self.get_response(request)


def _admin_prefix() -> str:
    return reverse("admin:index")
