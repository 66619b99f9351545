"""CAP areas as geometry: polygons ("lat,lon lat,lon …", note the order) and circles
("lat,lon radius_km") become one valid MULTIPOLYGON in EPSG:4326 (lon, lat)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from django.contrib.gis.geos import (
    GeometryCollection,
    GEOSException,
    GEOSGeometry,
    MultiPolygon,
    Polygon,
)
from django.contrib.gis.geos.io import WKTWriter

CIRCLE_VERTICES = 36
EARTH_RADIUS_KM = 6371.0088
MIN_RADIUS_KM = 0.05  # a circle of radius 0 is a point: give it a visible size
RAW_WKT_CHARS = 4000


# --- geometry ----------------------------------------------------------------------
def area_geometry(
    polygons: Sequence[str], circles: Sequence[str]
) -> tuple[MultiPolygon | None, list[str]]:
    """CAP polygons ("lat,lon lat,lon …", note the order) and circles ("lat,lon r_km")
    as one valid MULTIPOLYGON in EPSG:4326, with notes on the parts left out."""
    parts: list[Polygon] = []
    notes: list[str] = []
    for number, text in enumerate(polygons, start=1):
        try:
            parts += _valid_parts(_polygon(text))
        except ValueError as exc:
            notes.append(f"polygon {number} ignored: {exc}")
    for number, text in enumerate(circles, start=1):
        try:
            parts.append(_circle(text))
        except ValueError as exc:
            notes.append(f"circle {number} ignored: {exc}")
    if not parts:
        return None, notes
    try:
        merged = MultiPolygon(parts, srid=4326).unary_union
    except GEOSException:
        merged = MultiPolygon(parts, srid=4326)
    polygons_out = _polygon_parts(merged)
    if not polygons_out:
        return None, [*notes, "the area has no surface"]
    return MultiPolygon(polygons_out, srid=4326), notes


_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)"
_PAIR = re.compile(rf"^({_NUMBER}),({_NUMBER}),?$")


def _point(token: str) -> tuple[float, float]:
    match = _PAIR.match(token)
    if not match:
        raise ValueError(f"{token[:30]!r} is not lat,lon")
    lat, lon = float(match.group(1)), float(match.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"{token[:30]!r} is out of range")
    return lon, lat


def _polygon(text: str) -> Polygon:
    tokens = text.replace(", ", ",").split()
    if not tokens:
        raise ValueError("empty")
    ring = [_point(t) for t in tokens]
    if ring[0] != ring[-1]:
        ring.append(ring[0])  # CAP requires a closed ring; close it rather than lose it
    if len(ring) < 4:
        raise ValueError("fewer than 3 distinct points")
    return Polygon(ring, srid=4326)


def _circle(text: str) -> Polygon:
    tokens = text.split()
    if len(tokens) != 2:
        raise ValueError(f"{text[:40]!r} is not 'lat,lon radius'")
    lon, lat = _point(tokens[0])
    try:
        radius = float(tokens[1])
    except ValueError:
        raise ValueError(f"radius {tokens[1][:20]!r} is not a number") from None
    if not (0 <= radius <= 20000) or math.isnan(radius):
        raise ValueError(f"radius {radius} km is out of range")
    return _geodesic_circle(lon, lat, max(radius, MIN_RADIUS_KM))


def _geodesic_circle(lon: float, lat: float, radius_km: float) -> Polygon:
    """The circle as a polygon of points at `radius_km` on the sphere (not in degrees)."""
    phi, lam = math.radians(lat), math.radians(lon)
    delta = radius_km / EARTH_RADIUS_KM
    ring = []
    for step in range(CIRCLE_VERTICES):
        theta = 2 * math.pi * step / CIRCLE_VERTICES
        phi2 = math.asin(
            math.sin(phi) * math.cos(delta)
            + math.cos(phi) * math.sin(delta) * math.cos(theta)
        )
        lam2 = lam + math.atan2(
            math.sin(theta) * math.sin(delta) * math.cos(phi),
            math.cos(delta) - math.sin(phi) * math.sin(phi2),
        )
        ring.append(
            (
                round(math.degrees(lam2), 6),
                round(max(-90.0, min(90.0, math.degrees(phi2))), 6),
            )
        )
    ring.append(ring[0])
    return Polygon(ring, srid=4326)


def _valid_parts(polygon: Polygon) -> list[Polygon]:
    # make_valid() rather than a `.valid` test: GEOS logs a notice for every invalid
    # ring it is asked about, and agencies' polygons often touch themselves.
    repaired = _polygon_parts(polygon.make_valid())
    if not repaired:
        raise ValueError("self-intersecting with no surface")
    return repaired


def _polygon_parts(geometry: GEOSGeometry) -> list[Polygon]:
    if isinstance(geometry, Polygon):
        return [geometry] if not geometry.empty and geometry.area > 0 else []
    parts: list[Polygon] = []
    if isinstance(geometry, GeometryCollection):  # MultiPolygon included
        for child in geometry:
            parts += _polygon_parts(child)
    return parts


def bounded_wkt(area: MultiPolygon) -> str:
    """The area as short WKT for the raw payload (5 decimals ≈ 1 m, simplified if long)."""
    writer = WKTWriter(dim=2, trim=True, precision=5)
    text = str(writer.write(area).decode())
    tolerance = 0.0005
    while len(text) > RAW_WKT_CHARS and tolerance < 1:
        simpler = area.simplify(tolerance, preserve_topology=True)
        text = str(writer.write(simpler).decode())
        tolerance *= 4
    return text
