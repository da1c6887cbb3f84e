"""The account settings page where a person makes and revokes their personal
access tokens. A new token is shown once, on the page the form redirects to;
only its digest is kept."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from api import tokens
from api.forms import NewTokenForm
from api.models import AccessToken

# The new token waits here between the POST and the page that shows it; the
# page pops it, so a reload never shows it again.
SHOW_ONCE_SESSION_KEY = "api_new_token"


def get_own_token(request: HttpRequest, token_id: int) -> AccessToken:
    """The signed-in person's token `token_id`, or 404: anyone else's token is
    as unknown as one that never was."""
    return get_object_or_404(AccessToken, pk=token_id, user=request.user)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def token_settings(request: HttpRequest) -> HttpResponse:
    """The person's tokens, newest first, and the form that makes one."""
    form = NewTokenForm(request.POST if request.method == "POST" else None)
    made = form.make(request.user) if form.is_bound and form.is_valid() else None
    if made is not None:
        token, plain = made
        request.session[SHOW_ONCE_SESSION_KEY] = plain
        messages.success(request, f"Your token “{token.name}” is made.")
        return redirect("api_tokens")
    context = {
        "form": form,
        "tokens": AccessToken.objects.filter(user=request.user),
        "new_token": request.session.pop(SHOW_ONCE_SESSION_KEY, None),
        "max_tokens": tokens.MAX_TOKENS,
    }
    return render(request, "api/tokens.html", context)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    """Revoke one of the person's tokens: it stops working at once."""
    token = get_own_token(request, token_id)
    if tokens.revoke(request.user, token.pk):
        messages.success(request, f"Your token “{token.name}” is revoked.")
    else:
        messages.info(request, f"Your token “{token.name}” was already revoked.")
    return redirect("api_tokens")
