"""Helpers shared by the map export tests (not a test module)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from mapping.models import Incident, MapExport, MapItem, Verification
from mapping.sync import mercator
from tests.factories import make_item

# Untrusted text as it may come from a post: markup, a CDATA end, quotes,
# control characters (PostgreSQL refuses NUL; writers get it from other sources).
HOSTILE = (
    'Évacuation <script>alert("x")</script> ]]> & <![CDATA[ x ]]> '
    "'quote' \x01\x07\x1b fin"
)
HOSTILE_CLEAN = HOSTILE.replace("\x01", "\ufffd").replace("\x07", "\ufffd")
HOSTILE_CLEAN = HOSTILE_CLEAN.replace("\x1b", "\ufffd")
HANDLE = "@Secret_Witness@mastodon.example"
POST_URL = "https://mastodon.example/@Secret_Witness/1234"
BASE_TIME = dt.datetime(2026, 3, 14, 8, 30, tzinfo=dt.UTC)


def make_map_item(
    activation: Any,
    *,
    lon: float = 3.88,
    lat: float = 43.61,
    verification: str = Verification.VERIFIED,
    summary: str = "Rue inondée au centre",
    author_handle: str = HANDLE,
    post_url: str = POST_URL,
    cluster: Any = None,
    minutes: int = 0,
    **fields: Any,
) -> MapItem:
    """A map row written directly (the read model), on its own queue item."""
    mx, my = mercator(lon, lat)
    values: dict[str, Any] = {
        "activation": activation,
        "cluster": cluster or make_item(activation),
        "location": Point(lon, lat, srid=4326),
        "mx": mx,
        "my": my,
        "category": "infrastructure",
        "verification": verification,
        "urgent": False,
        "platform": "mastodon",
        "observed_at": BASE_TIME + dt.timedelta(minutes=minutes),
        "summary": summary,
        "place_name": "Montpellier",
        "author_handle": author_handle,
        "post_url": post_url,
    }
    values.update(fields)
    return MapItem.objects.create(**values)


def square(
    lon: float, lat: float, size: float = 0.01, *, clockwise: bool = False
) -> Polygon:
    ring = [(lon, lat), (lon + size, lat), (lon + size, lat + size), (lon, lat + size)]
    if clockwise:
        ring.reverse()
    return Polygon([*ring, ring[0]], srid=4326)


def make_incident(
    activation: Any,
    number: int,
    *,
    footprint: Any = "square",
    status: str = Incident.Status.CONFIRMED,
    title: str = "Inondation quartier Boutonnet",
    **fields: Any,
) -> Incident:
    if footprint == "square":
        footprint = MultiPolygon(square(3.87, 43.62, clockwise=True), srid=4326)
    centroid = footprint.centroid if footprint is not None else None
    values: dict[str, Any] = {
        "activation": activation,
        "number": number,
        "category": "infrastructure",
        "status": status,
        "title": title,
        "note": "Note interne de l'équipe",
        "footprint": footprint,
        "centroid": centroid,
        "started_at": BASE_TIME,
        "ended_at": BASE_TIME + dt.timedelta(minutes=45),
        "item_count": 2,
    }
    values.update(fields)
    return Incident.objects.create(**values)


def export_state() -> list[dict[str, Any]]:
    return list(MapExport.objects.order_by("pk").values())


def make_export(activation: Any, by: Any = None, **fields: Any) -> MapExport:
    values: dict[str, Any] = {
        "activation": activation,
        "requested_by": by,
        "format": MapExport.Format.GEOJSON,
    }
    values.update(fields)
    return MapExport.objects.create(**values)
