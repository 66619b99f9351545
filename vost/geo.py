"""Areas (WGS 84 MultiPolygons) from untrusted files: GeoJSON, KML, KMZ.

Read with the hardened readers of ``vost.geofiles`` (no GDAL on user input, no DTD
nor entities in KML, zip-bomb-proof KMZ). Limits keep a hostile file from costing
much; a polygon drawn by hand that crosses itself is repaired.
"""

from __future__ import annotations

from typing import Any

from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon, Polygon
from django.utils.translation import gettext as _
from lxml import etree

from vost.geofiles import (
    GeoFileError,
    in_lonlat_range,
    json_text,
    kml_coordinates,
    kml_root,
    kmz_kml,
    not_geojson,
    position,
    raised_as,
)

MAX_BYTES = 5 * 1024 * 1024
MAX_VERTICES = 200_000


class AreaFileError(GeoFileError):
    """The file cannot be used as an area; the message says why, for the person."""


# --- areas -----------------------------------------------------------------------------
def _polygons(geometry: GEOSGeometry) -> list[Polygon]:
    if isinstance(geometry, Polygon):
        return [geometry]
    if geometry.geom_type in {"MultiPolygon", "GeometryCollection"}:
        return [p for g in geometry for p in _polygons(g)]  # type: ignore[attr-defined]
    return []


def _finish(polygons: list[Polygon]) -> MultiPolygon:
    if not polygons:
        raise AreaFileError(_("The file contains no polygon."))
    area = MultiPolygon(*polygons, srid=4326)
    if area.num_coords > MAX_VERTICES:
        raise AreaFileError(
            _("The area has too many points (at most %(n)s).") % {"n": MAX_VERTICES}
        )
    if not in_lonlat_range(area):
        raise AreaFileError(
            _("Coordinates must be longitude/latitude in WGS 84 (EPSG:4326).")
        )
    if area.valid:
        return area
    repaired = area.buffer(0)  # repairs self-intersections drawn by hand
    parts = _polygons(repaired)
    if repaired.empty or not parts:
        raise AreaFileError(_("The polygon is not valid and cannot be repaired."))
    return MultiPolygon(*parts, srid=4326)


@raised_as(AreaFileError)
def area_from_geojson(text: str) -> MultiPolygon:
    document: Any = json_text(text)
    if not isinstance(document, dict):
        raise not_geojson(_("not an object"))
    if document.get("type") == "FeatureCollection":
        geometries = [
            f.get("geometry")
            for f in document.get("features") or []
            if isinstance(f, dict)
        ]
    elif document.get("type") == "Feature":
        geometries = [document.get("geometry")]
    else:
        geometries = [document]
    polygons: list[Polygon] = []
    for geometry in geometries:
        if isinstance(geometry, dict):
            polygons.extend(_geojson_polygons(geometry, depth=0))
    return _finish(polygons)


def _polygon(rings: Any) -> Polygon:
    if (
        not isinstance(rings, list)
        or not rings
        or not all(isinstance(r, list) for r in rings)
    ):
        raise not_geojson(_("bad polygon"))
    try:
        return Polygon(*[[position(p) for p in ring] for ring in rings], srid=4326)
    except (GEOSException, ValueError, TypeError) as exc:
        raise not_geojson(exc) from None


def _geojson_polygons(geometry: dict[str, Any], depth: int) -> list[Polygon]:
    """Polygons of a GeoJSON geometry, built with GEOS directly (GDAL never sees the input)."""
    kind = geometry.get("type")
    if kind == "Polygon":
        return [_polygon(geometry.get("coordinates"))]
    if kind == "MultiPolygon":
        parts = geometry.get("coordinates")
        if not isinstance(parts, list):
            raise not_geojson(_("bad multipolygon"))
        return [_polygon(part) for part in parts]
    if kind == "GeometryCollection" and depth < 4:
        members = geometry.get("geometries")
        if not isinstance(members, list):
            raise not_geojson(_("bad collection"))
        return [
            p
            for g in members
            if isinstance(g, dict)
            for p in _geojson_polygons(g, depth + 1)
        ]
    return []  # points and lines carry no area


_KML_NS = "{http://www.opengis.net/kml/2.2}"


def _ring(element: etree._Element | None) -> list[tuple[float, float]]:
    return [] if element is None else kml_coordinates(element.text)


@raised_as(AreaFileError)
def area_from_kml(data: bytes) -> MultiPolygon:
    root = kml_root(data)
    polygons = []
    for polygon in root.iter(f"{_KML_NS}Polygon", "Polygon"):
        outer = polygon.find(f".//{_KML_NS}outerBoundaryIs//{_KML_NS}coordinates")
        if outer is None:
            outer = polygon.find(".//outerBoundaryIs//coordinates")
        inners = polygon.findall(
            f".//{_KML_NS}innerBoundaryIs//{_KML_NS}coordinates"
        ) or polygon.findall(".//innerBoundaryIs//coordinates")
        shell = _ring(outer)
        if len(shell) < 4:
            raise AreaFileError(_("A KML polygon needs at least four points."))
        try:
            polygons.append(Polygon(shell, *[_ring(i) for i in inners], srid=4326))
        except (GEOSException, ValueError, TypeError) as exc:
            raise AreaFileError(
                _("This is not valid KML: %(error)s") % {"error": exc}
            ) from None
    return _finish(polygons)


@raised_as(AreaFileError)
def area_from_upload(*, name: str, data: bytes) -> MultiPolygon:
    """Read an uploaded .geojson/.json, .kml or .kmz file; raise AreaFileError with a reason."""
    if len(data) > MAX_BYTES:
        raise AreaFileError(_("The file is too large (at most 5 MB)."))
    lowered = name.lower()
    if lowered.endswith(".kmz"):
        return area_from_kml(kmz_kml(data, max_bytes=MAX_BYTES))
    if lowered.endswith(".kml"):
        return area_from_kml(data)
    if lowered.endswith((".geojson", ".json")):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise AreaFileError(_("The file is not UTF-8 text.")) from None
        return area_from_geojson(text)
    raise AreaFileError(_("Unsupported file type: use GeoJSON, KML or KMZ."))
