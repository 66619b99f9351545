"""URL routes: log pages (see activations/views/log.py)."""

from django.urls import URLPattern, path

from activations.views import log as views

urlpatterns: list[URLPattern] = [
    path("a/<slug:slug>/log/", views.log, name="log"),
    path("a/<slug:slug>/log.csv", views.log_export, name="log-export"),
]
