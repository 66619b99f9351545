"""Parse untrusted area files (GeoJSON, KML, KMZ) into a WGS 84 MultiPolygon.

Nothing here hands user data to GDAL: GeoJSON geometries go to GEOS as JSON, KML
is read with lxml with entities, DTDs and network access off, KMZ is unzipped
in memory with a size cap. Limits keep a hostile file from costing much.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon, Polygon
from django.utils.translation import gettext as _
from lxml import etree

MAX_BYTES = 5 * 1024 * 1024
MAX_VERTICES = 200_000


class AreaFileError(ValueError):
    """The file cannot be used as an area; the message says why, for the person."""


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
    minx, miny, maxx, maxy = area.extent
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
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


def area_from_geojson(text: str) -> MultiPolygon:
    try:
        document: Any = json.loads(text)
    except ValueError as exc:
        raise AreaFileError(
            _("This is not valid GeoJSON: %(error)s") % {"error": exc}
        ) from None
    if not isinstance(document, dict):
        raise AreaFileError(
            _("This is not valid GeoJSON: %(error)s") % {"error": "not an object"}
        )
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


def _position(value: Any) -> tuple[float, float]:
    if (
        isinstance(value, list | tuple)
        and len(value) >= 2
        and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in value[:2]
        )
    ):
        return float(value[0]), float(value[1])
    raise AreaFileError(
        _("This is not valid GeoJSON: %(error)s") % {"error": "bad position"}
    )


def _polygon(rings: Any) -> Polygon:
    if (
        not isinstance(rings, list)
        or not rings
        or not all(isinstance(r, list) for r in rings)
    ):
        raise AreaFileError(
            _("This is not valid GeoJSON: %(error)s") % {"error": "bad polygon"}
        )
    try:
        return Polygon(*[[_position(p) for p in ring] for ring in rings], srid=4326)
    except (GEOSException, ValueError, TypeError) as exc:
        raise AreaFileError(
            _("This is not valid GeoJSON: %(error)s") % {"error": exc}
        ) from None


def _geojson_polygons(geometry: dict[str, Any], depth: int) -> list[Polygon]:
    """Polygons of a GeoJSON geometry, built with GEOS directly (GDAL never sees the input)."""
    kind = geometry.get("type")
    if kind == "Polygon":
        return [_polygon(geometry.get("coordinates"))]
    if kind == "MultiPolygon":
        parts = geometry.get("coordinates")
        if not isinstance(parts, list):
            raise AreaFileError(
                _("This is not valid GeoJSON: %(error)s")
                % {"error": "bad multipolygon"}
            )
        return [_polygon(part) for part in parts]
    if kind == "GeometryCollection" and depth < 4:
        members = geometry.get("geometries")
        if not isinstance(members, list):
            raise AreaFileError(
                _("This is not valid GeoJSON: %(error)s") % {"error": "bad collection"}
            )
        return [
            p
            for g in members
            if isinstance(g, dict)
            for p in _geojson_polygons(g, depth + 1)
        ]
    return []  # points and lines carry no area


_KML_NS = "{http://www.opengis.net/kml/2.2}"


def _ring(element: etree._Element | None) -> list[tuple[float, float]]:
    if element is None or not (element.text or "").strip():
        return []
    points = []
    for chunk in element.text.split():
        parts = chunk.split(",")
        try:
            points.append((float(parts[0]), float(parts[1])))
        except (ValueError, IndexError):
            raise AreaFileError(
                _("KML coordinates are malformed: %(value)s") % {"value": chunk[:40]}
            ) from None
    return points


def area_from_kml(data: bytes) -> MultiPolygon:
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise AreaFileError(
            _("This is not valid KML: %(error)s") % {"error": exc}
        ) from None
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


def area_from_upload(*, name: str, data: bytes) -> MultiPolygon:
    """Read an uploaded .geojson/.json, .kml or .kmz file; raise AreaFileError with a reason."""
    if len(data) > MAX_BYTES:
        raise AreaFileError(_("The file is too large (at most 5 MB)."))
    lowered = name.lower()
    if lowered.endswith(".kmz"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                kml = next(
                    (
                        i
                        for i in archive.infolist()
                        if i.filename.lower().endswith(".kml")
                    ),
                    None,
                )
                if kml is None:
                    raise AreaFileError(_("The KMZ file contains no KML document."))
                if kml.file_size > MAX_BYTES:
                    raise AreaFileError(_("The file is too large (at most 5 MB)."))
                return area_from_kml(archive.read(kml))
        except zipfile.BadZipFile:
            raise AreaFileError(_("This is not a valid KMZ (zip) file.")) from None
    if lowered.endswith(".kml"):
        return area_from_kml(data)
    if lowered.endswith((".geojson", ".json")):
        try:
            return area_from_geojson(data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise AreaFileError(_("The file is not UTF-8 text.")) from None
    raise AreaFileError(_("Unsupported file type: use GeoJSON, KML or KMZ."))
