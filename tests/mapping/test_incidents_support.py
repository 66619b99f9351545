"""Helpers shared by the incident tests (no tests here): map items with known
geometry and time, proposals, and a snapshot proving a refused action changed
nothing."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.contrib.gis.geos import GEOSGeometry, Point

from activations.models import LogEntry
from mapping.models import Incident, MapItem, Verification
from mapping.services import incidents as services
from mapping.sync import mercator
from tests.factories import make_item

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
BASE = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
LON, LAT = 3.88, 43.61  # Montpellier
FLOOD = "infrastructure"
OTHER = "caution"


def at(east_m: float = 0, north_m: float = 0) -> tuple[float, float]:
    """The point `east_m` and `north_m` metres from the reference point."""
    lat = LAT + north_m / 111_320
    lon = LON + east_m / (111_320 * math.cos(math.radians(LAT)))
    return lon, lat


def put(
    activation: Any,
    *,
    east: float = 0,
    north: float = 0,
    minutes: float = 0,
    category: str = FLOOD,
    verification: str = Verification.VERIFIED,
    place: str = "Lattes",
    summary: str = "Rue inondée",
    case: Any = None,
) -> MapItem:
    """A map item `east`/`north` metres from the reference point, `minutes` after
    the reference time."""
    lon, lat = at(east, north)
    mx, my = mercator(lon, lat)
    return MapItem.objects.create(
        activation=activation,
        cluster=make_item(activation, category=category),
        case=case,
        location=Point(lon, lat, srid=4326),
        mx=mx,
        my=my,
        place_name=place,
        category=category,
        verification=verification,
        observed_at=BASE + dt.timedelta(minutes=minutes),
        summary=summary,
    )


def trio(activation: Any, *, start: float = 0, **kwargs: Any) -> list[MapItem]:
    """Three verified items within 1 km and 60 minutes of each other, the first
    `start` minutes after the reference time."""
    return [
        put(activation, minutes=start, **kwargs),
        put(activation, east=300, minutes=start + 10, **kwargs),
        put(activation, north=400, minutes=start + 25, **kwargs),
    ]


def proposal(activation: Any, **kwargs: Any) -> Incident:
    """A proposed incident of three items (proposals redone)."""
    items = trio(activation, **kwargs)
    services.incidents_propose(activation=activation)
    items[0].refresh_from_db()
    assert items[0].incident is not None
    return items[0].incident


def members(incident: Incident) -> set[int]:
    return set(MapItem.objects.filter(incident=incident).values_list("pk", flat=True))


def numbers(activation: Any, status: str | None = None) -> list[int]:
    incidents = Incident.objects.filter(activation=activation)
    if status:
        incidents = incidents.filter(status=status)
    return sorted(incidents.values_list("number", flat=True))


def state() -> dict[str, list[dict[str, Any]]]:
    """Every row an incident action may touch."""
    snapshot = {}
    for model in (Incident, MapItem, LogEntry):
        snapshot[model._meta.label] = [
            {
                key: value.ewkt if isinstance(value, GEOSGeometry) else value
                for key, value in row.items()
            }
            for row in model.objects.order_by("pk").values()
        ]
    return snapshot
