"""API routes of the map under /api/v1/ (one module per part)."""

from django.urls import URLPattern

from mapping.api import exports, incidents, layers, map

urlpatterns: list[URLPattern] = [
    *map.urlpatterns,
    *layers.urlpatterns,
    *incidents.urlpatterns,
    *exports.urlpatterns,
]
