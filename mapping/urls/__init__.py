"""Routes of the operational map pages, under /a/<slug>/map/."""

from mapping.urls import exports, incidents, layers, map

app_name = "mapping"

urlpatterns = [
    *map.urlpatterns,
    *layers.urlpatterns,
    *incidents.urlpatterns,
    *exports.urlpatterns,
]
