"""Routes of the emerging signals pages."""

from django.urls import URLPattern, path

from signals import views

app_name = "signals"

urlpatterns: list[URLPattern] = [
    path("a/<slug:slug>/signals/", views.signal_list, name="list"),
    path(
        "a/<slug:slug>/signals/blind-spots.geojson",
        views.blind_spots,
        name="blind-spots",
    ),
    path(
        "a/<slug:slug>/signals/<int:signal_id>/confirm/",
        views.signal_review,
        {"decision": "confirmed"},
        name="confirm",
    ),
    path(
        "a/<slug:slug>/signals/<int:signal_id>/dismiss/",
        views.signal_review,
        {"decision": "dismissed"},
        name="dismiss",
    ),
]
