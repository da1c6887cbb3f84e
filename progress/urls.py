from django.urls import path

import accounts.converters  # noqa: F401 - registers <username:...>
from progress import lrs_views, review_views, views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("reviews/", review_views.reviews_page, name="reviews"),
    path("reviews/pacing/", review_views.review_pacing, name="review_pacing"),
    path("reviews/pause/", review_views.review_pause, name="review_pause"),
    path("reviews/resume/", review_views.review_resume, name="review_resume"),
    path(
        "dashboard/figures/", views.dashboard_figures, name="progress_dashboard_figures"
    ),
    path("roles/<slug:slug>/", views.role_detail, name="role_detail"),
    path("skills/<slug:slug>/", views.skill_detail, name="skill_detail"),
    path(
        "roles/<slug:slug>/figures/", views.role_figures, name="progress_role_figures"
    ),
    path(
        "skills/<slug:slug>/figures/",
        views.skill_figures,
        name="progress_skill_figures",
    ),
    path("roles/<slug:slug>/follow/", views.follow_role, name="progress_follow"),
    path("roles/<slug:slug>/leave/", views.leave_role, name="progress_leave"),
    path("roles/<slug:slug>/reset/", views.reset_role, name="progress_reset"),
    path("roles/<slug:slug>/goal/", views.goal, name="progress_goal"),
    path("roles/<slug:slug>/compare/", views.compare_roles, name="progress_compare"),
    path("skills/<slug:slug>/assess/", views.assess_skill, name="progress_assess"),
    path("items/<str:kind>/<slug:slug>/", views.item_page, name="progress_item"),
    path(
        "items/<str:kind>/<slug:slug>/status/",
        views.set_status,
        name="progress_set_status",
    ),
    path("items/<str:kind>/<slug:slug>/note/", views.save_note, name="progress_note"),
    path(
        "items/<str:kind>/<slug:slug>/change-reviewed/",
        views.change_reviewed,
        name="progress_change_reviewed",
    ),
    path(
        "items/<str:kind>/<slug:slug>/review/",
        review_views.review_item,
        name="progress_review",
    ),
    path(
        "items/<str:kind>/<slug:slug>/report/",
        views.report_problem,
        name="progress_report",
    ),
    path(
        "items/<str:kind>/<slug:slug>/evidence/",
        views.add_evidence,
        name="progress_add_evidence",
    ),
    path(
        "items/<str:kind>/<slug:slug>/evidence/<int:pk>/delete/",
        views.delete_evidence,
        name="progress_delete_evidence",
    ),
    path("progress/undo/", views.undo, name="progress_undo"),
    path(
        "roles/<slug:role>/stages/<slug:slug>/known/",
        views.mark_known,
        {"part": "stage"},
        name="progress_known_stage",
    ),
    path(
        "roles/<slug:role>/skills/<slug:slug>/known/",
        views.mark_known,
        {"part": "skill"},
        name="progress_known_skill",
    ),
    path(
        "progress/changes/<int:pk>/undo/",
        views.undo_known,
        name="progress_undo_known",
    ),
    path("calendar/", views.calendar_settings, name="calendar_settings"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path(
        "email/weekly/unsubscribe/<str:token>/",
        views.weekly_email_unsubscribe,
        name="weekly_email_unsubscribe",
    ),
    path("progress/export.json", views.export_json, name="progress_export_json"),
    path("progress/export.csv", views.export_csv, name="progress_export_csv"),
    path("progress/export.xapi.json", views.export_xapi, name="progress_export_xapi"),
    path("progress/lrs/", lrs_views.lrs_settings, name="lrs_settings"),
    path("progress/lrs/send/", lrs_views.lrs_send, name="lrs_send"),
    path("progress/lrs/remove/", lrs_views.lrs_remove, name="lrs_remove"),
    path("u/<username:username>/", views.public_profile, name="public_profile"),
]
