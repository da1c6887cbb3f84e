"""The tokens page in account settings (/account/tokens/)."""

from django.urls import path

from api import token_views

urlpatterns = [
    path("", token_views.token_settings, name="api_tokens"),
    path("<int:token_id>/revoke/", token_views.token_revoke, name="api_token_revoke"),
]
