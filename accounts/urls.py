from django.urls import path

from accounts import mentoring, two_factor, views

urlpatterns = [
    path("", views.account_settings, name="account_settings"),
    path("delete/", views.account_delete, name="account_delete"),
    path(
        "staff-enrolment/<str:token>/",
        two_factor.staff_enrolment,
        name="staff_enrolment",
    ),
    path("mentors/invite/", mentoring.invite, name="mentoring_invite"),
    path("mentors/invite/link/", mentoring.invite_link, name="mentoring_invite_link"),
    path("mentors/request/", mentoring.request_mentoring, name="mentoring_request"),
    # The link holds the token; it redirects at once to the page, which does not.
    path(
        "mentors/invitations/<str:token>/",
        mentoring.invitation_link,
        name="mentoring_invitation",
    ),
    path("mentors/invitation/", mentoring.invitation, name="mentoring_invitation_page"),
    path(
        "mentors/invitation/accept/",
        mentoring.invitation_accept,
        name="mentoring_invitation_accept",
    ),
    path(
        "mentors/invitation/decline/",
        mentoring.invitation_decline,
        name="mentoring_invitation_decline",
    ),
    path("mentors/<int:pk>/accept/", mentoring.accept, name="mentoring_accept"),
    path("mentors/<int:pk>/decline/", mentoring.decline, name="mentoring_decline"),
    path("mentors/<int:pk>/end/", mentoring.end, name="mentoring_end"),
]
