"""Routes of the map page and its data (included by mapping.urls)."""

from django.urls import URLPattern, path

from mapping.views import map as views

urlpatterns: list[URLPattern] = [
    path("a/<slug:slug>/map/", views.map_page, name="map"),
    path("a/<slug:slug>/map/data/", views.map_data, name="map-data"),
    path(
        "a/<slug:slug>/map/items/<int:cluster_id>/",
        views.map_item,
        name="map-item",
    ),
]
