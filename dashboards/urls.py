"""Routes of the dashboards pages."""

from django.urls import URLPattern, path

from dashboards import views

app_name = "dashboards"

urlpatterns: list[URLPattern] = [
    path("a/<slug:slug>/dashboard/", views.dashboard, name="dashboard"),
]
