"""API routes: log (see activations/api/log.py)."""

from django.urls import URLPattern, path

from activations.api import log

urlpatterns: list[URLPattern] = [
    path("activations/<slug:slug>/log/", log.LogEntryListApi.as_view(), name="api-log"),
    path(
        "activations/<slug:slug>/log/<int:entry_id>/",
        log.LogEntryDetailApi.as_view(),
        name="api-log-entry",
    ),
]
