"""Helpers of the public help tests: entries placed around Montpellier."""

from __future__ import annotations

from typing import Any

from django.contrib.gis.geos import Point

from activations.models import ActivationMember
from publichelp import services
from publichelp.models import AidEntry
from tests.factories import make_member

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
MONTPELLIER = (3.8767, 43.6108)


def offset(km_east: float, base: tuple[float, float] = MONTPELLIER) -> Point:
    """A point `km_east` kilometres east of `base` (about 80.6 km a degree here)."""
    lon, lat = base
    return Point(lon + km_east / 80.6, lat, srid=4326)


def entry(
    activation: Any,
    *,
    kind: str = AidEntry.Kind.NEED,
    category: str = AidEntry.Category.SHELTER,
    km_east: float = 0.0,
    description: str = "",
    by: Any = None,
    **fields: Any,
) -> AidEntry:
    by = by or make_member(activation, ActivationMember.Role.VOLUNTEER).user
    return services.aid_entry_create(
        activation=activation,
        by=by,
        kind=kind,
        category=category,
        description=description or f"{kind} {category} {km_east} km",
        location=offset(km_east),
        **fields,
    )


def state() -> list[tuple[Any, ...]]:
    return list(
        AidEntry.objects.order_by("pk").values_list(
            "pk", "status", "matched_with_id", "version", "description"
        )
    )
