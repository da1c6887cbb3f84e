"""Everything mentoring, under /mentoring/: the hub, consent (invitations,
requests, answers, endings), the mentor's read-only views of a mentee, and the
feedback both sides write."""

from django.urls import path

import accounts.converters  # noqa: F401 - registers <username:...>
from mentoring.views import consent, feedback, mentees

urlpatterns = [
    path("", mentees.hub, name="mentoring"),
    path("skills.csv", mentees.skills_csv, name="mentoring_skills_csv"),
    # Consent
    path("invite/", consent.invite, name="mentoring_invite"),
    path("invite/link/", consent.invite_link, name="mentoring_invite_link"),
    path("request/", consent.request_mentoring, name="mentoring_request"),
    # The link holds the token; it redirects at once to the page, which does not.
    path(
        "invitations/<str:token>/",
        consent.invitation_link,
        name="mentoring_invitation",
    ),
    path("invitation/", consent.invitation, name="mentoring_invitation_page"),
    path(
        "invitation/accept/",
        consent.invitation_accept,
        name="mentoring_invitation_accept",
    ),
    path(
        "invitation/decline/",
        consent.invitation_decline,
        name="mentoring_invitation_decline",
    ),
    path("mentorships/<int:pk>/accept/", consent.accept, name="mentoring_accept"),
    path("mentorships/<int:pk>/decline/", consent.decline, name="mentoring_decline"),
    path("mentorships/<int:pk>/end/", consent.end, name="mentoring_end"),
    # The learner's side of feedback
    path(
        "feedback/<str:kind>/<slug:slug>/reply/", feedback.reply, name="feedback_reply"
    ),
    path(
        "feedback/<str:kind>/<slug:slug>/read/",
        feedback.mark_read,
        name="feedback_mark_read",
    ),
    # The mentor's read-only views of a mentee, and the feedback they give
    path(
        "mentees/<username:username>/",
        mentees.mentee_dashboard,
        name="mentee_dashboard",
    ),
    path(
        "mentees/<username:username>/roles/<slug:slug>/",
        mentees.mentee_role,
        name="mentee_role",
    ),
    path(
        "mentees/<username:username>/items/<str:kind>/<slug:slug>/",
        mentees.mentee_item_page,
        name="mentee_item",
    ),
    path(
        "mentees/<username:username>/items/<str:kind>/<slug:slug>/comment/",
        mentees.comment,
        name="mentee_comment",
    ),
    path(
        "mentees/<username:username>/skills/<slug:slug>/endorse/",
        mentees.endorse,
        name="mentee_endorse",
    ),
    path("mentees/<username:username>/nudge/", mentees.nudge, name="mentee_nudge"),
]
