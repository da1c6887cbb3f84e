from django.urls import path

from accounts import two_factor, views

urlpatterns = [
    path("", views.account_settings, name="account_settings"),
    path("delete/", views.account_delete, name="account_delete"),
    path(
        "staff-enrolment/<str:token>/",
        two_factor.staff_enrolment,
        name="staff_enrolment",
    ),
]
