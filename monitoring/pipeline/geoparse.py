"""Place names in post text → a point, disambiguated by the activation's area."""

from __future__ import annotations

from django.contrib.gis.geos import MultiPolygon, Point


def geoparse(
    texts: list[str], *, area: MultiPolygon | None
) -> list[tuple[Point | None, str]]:
    """(point, place name) per text, or (None, "") when no known place is mentioned."""
    return [(None, "") for _ in texts]
