from django.urls import path

from accounts import views

urlpatterns = [
    path("", views.account_settings, name="account_settings"),
    path("delete/", views.account_delete, name="account_delete"),
]
