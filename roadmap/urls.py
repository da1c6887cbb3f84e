from django.urls import path

from roadmap import views

urlpatterns = [
    path("", views.home, name="home"),
    path("roles/<slug:slug>/", views.role_detail, name="role_detail"),
    path("skills/<slug:slug>/", views.skill_detail, name="skill_detail"),
    path("search/", views.search, name="search"),
    path("sources/", views.sources, name="sources"),
    path("sources/<slug:slug>/", views.source_detail, name="source_detail"),
]
