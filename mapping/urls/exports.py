"""Routes of the map's exports pages (included by mapping.urls)."""

from django.urls import URLPattern, path

from mapping.views import exports as views

urlpatterns: list[URLPattern] = [
    path("a/<slug:slug>/map/exports/", views.export_list, name="export-list"),
    path(
        "a/<slug:slug>/map/exports/<int:export_id>/download/",
        views.export_download,
        name="export-download",
    ),
]
