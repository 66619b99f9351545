"""Routes of the map's incidents pages (included by mapping.urls)."""

from django.urls import URLPattern, path

from mapping.views import incidents

_BASE = "a/<slug:slug>/map/incidents/"
_ONE = _BASE + "<int:number>/"

urlpatterns: list[URLPattern] = [
    path(_BASE, incidents.incident_list, name="incident-list"),
    path(_BASE + "propose/", incidents.incidents_propose, name="incidents-propose"),
    path(
        "a/<slug:slug>/map/incidents.geojson",
        incidents.incidents_geojson,
        name="incidents-geojson",
    ),
    path(_ONE, incidents.incident_detail, name="incident-detail"),
    path(_ONE + "confirm/", incidents.incident_confirm, name="incident-confirm"),
    path(_ONE + "dismiss/", incidents.incident_dismiss, name="incident-dismiss"),
    path(_ONE + "split/", incidents.incident_split, name="incident-split"),
    path(_ONE + "merge/", incidents.incident_merge, name="incident-merge"),
]
