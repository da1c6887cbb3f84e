from django.urls import path

from roadmap import views

# A role's and a skill's page are routed by progress/urls.py: the public page
# (`views.public_role_page`, `views.public_skill_page`) for visitors, each
# person's own when signed in.

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("sources/", views.sources, name="sources"),
    path("sources/<slug:slug>/", views.source_detail, name="source_detail"),
    path("roles/<slug:slug>/changes/", views.role_changes, name="role_changes"),
]
