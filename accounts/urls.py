from django.urls import path

from accounts import two_factor, views
from api import token_views

urlpatterns = [
    path("", views.account_settings, name="account_settings"),
    path("delete/", views.account_delete, name="account_delete"),
    path("tokens/", token_views.token_settings, name="api_tokens"),
    path(
        "tokens/<int:token_id>/revoke/",
        token_views.token_revoke,
        name="api_token_revoke",
    ),
    path(
        "staff-enrolment/<str:token>/",
        two_factor.staff_enrolment,
        name="staff_enrolment",
    ),
]
