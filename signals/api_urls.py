"""API routes of the emerging signals under /api/v1/."""

from django.urls import URLPattern, path

from signals import api

urlpatterns: list[URLPattern] = [
    path(
        "activations/<slug:slug>/signals/",
        api.SignalListApi.as_view(),
        name="api-signal-list",
    ),
    path(
        "activations/<slug:slug>/signals/blind-spots/",
        api.BlindSpotsApi.as_view(),
        name="api-signal-blind-spots",
    ),
    path(
        "activations/<slug:slug>/signals/<int:signal_id>/confirm/",
        api.SignalConfirmApi.as_view(),
        name="api-signal-confirm",
    ),
    path(
        "activations/<slug:slug>/signals/<int:signal_id>/dismiss/",
        api.SignalDismissApi.as_view(),
        name="api-signal-dismiss",
    ),
]
