"""Routes of the map's reference layers pages (included by mapping.urls)."""

from django.urls import URLPattern, path

from mapping.views import layers as views

_LAYERS = "a/<slug:slug>/map/layers/"

urlpatterns: list[URLPattern] = [
    path(_LAYERS, views.layer_list, name="layer-list"),
    path(_LAYERS + "<int:layer_id>/", views.layer_detail, name="layer-detail"),
    path(_LAYERS + "<int:layer_id>.geojson", views.layer_geojson, name="layer-geojson"),
]
