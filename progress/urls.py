from django.urls import path

from progress import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("progress/export.json", views.export_json, name="progress_export_json"),
    path("progress/export.csv", views.export_csv, name="progress_export_csv"),
]
