from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts import two_factor
from api import views as api_views
from api.v1 import api
from config import health
from mentoring.views import consent
from outbox import views as outbox_views

# The admin signs in through the site's own (rate-limited) login.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Waymark curation"
admin.site.site_title = "Waymark admin"
admin.site.index_title = "Content and people"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("healthz/queue", outbox_views.queue_health, name="queue_health"),
    path("admin/", admin.site.urls),
    path("api/v1/docs", api_views.docs, name="api_docs"),
    path("api/v1/", api.urls),
    # allauth's two-factor set-up and recovery codes, keeping where the person
    # was going (`next`) and offering the way on; allauth's own routes follow.
    path(
        "accounts/2fa/totp/activate/",
        two_factor.activate_totp,
        name="mfa_activate_totp",
    ),
    path(
        "accounts/2fa/recovery-codes/",
        two_factor.view_recovery_codes,
        name="mfa_view_recovery_codes",
    ),
    path("accounts/", include("allauth.urls")),
    path("account/tokens/", include("api.urls")),
    path("account/", include("accounts.urls")),
    path("mentoring/", include("mentoring.urls")),
    # Invitation emails sent before mentoring had its own prefix.
    path(
        "account/mentors/invitations/<str:token>/",
        consent.invitation_link,
        name="mentoring_invitation_legacy",
    ),
    path("", include("progress.urls")),
    path("", include("roadmap.urls")),
]

if settings.BARE_VIEW:
    urlpatterns.insert(0, path("bench/bare", health.bare, name="bench_bare"))

handler500 = "config.errors.server_error"
