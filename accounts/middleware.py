from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from accounts.audit import log_denied


class TimezoneMiddleware:
    """Show dates and times in the signed-in user's own time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(user.zone)
        else:
            timezone.deactivate()
        return self.get_response(request)


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

    A curator without an authenticator is sent to set one up (then comes back);
    everyone else sees no difference. Two-factor is open to every user from the
    account page; for staff it is required.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and request.path.startswith(_admin_prefix())
            and user.is_authenticated
            and user.is_staff
            and not is_mfa_enabled(user)
        ):
            messages.warning(
                request,
                "The admin needs two-factor authentication. Set up an "
                "authenticator app, then open the admin again.",
            )
            log_denied(request, "admin without two-factor")
            return redirect(f"{reverse('mfa_activate_totp')}?next={request.path}")
        return self.get_response(request)


def _admin_prefix() -> str:
    return reverse("admin:index")
