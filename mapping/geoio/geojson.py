"""GeoJSON (RFC 7946, and the 2008 "crs" member) to features."""

from __future__ import annotations

import re
from array import array
from functools import partial
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mapping.geoio.common import (
    DEFAULT_LIMITS,
    Budget,
    LayerFeature,
    LayerFileError,
    Limits,
    too_many_features,
)
from mapping.geoio.shapes import (
    COLLECTION,
    MULTILINESTRING,
    MULTIPOINT,
    MULTIPOLYGON,
    Shape,
    build_feature,
    line_shape,
    multi_shape,
    point_shape,
    polygon_shape,
)
from mapping.geoio.text import clean_properties, feature_label, name_from, plain
from vost.geofiles import not_geojson, position

_WGS84 = re.compile(
    r"^(?:"
    r"urn:ogc:def:crs:ogc:(?:[\d.]*):crs84"
    r"|urn:ogc:def:crs:epsg:(?:[\d.]*):4326"
    r"|https?://www\.opengis\.net/def/crs/ogc/[\d.]+/crs84"
    r"|https?://www\.opengis\.net/def/crs/epsg/\d+/4326"
    r"|epsg:4326|crs84|wgs ?84"
    r")$"
)


GEOJSON_GEOMETRIES = frozenset(
    {
        "Point",
        "MultiPoint",
        "LineString",
        "MultiLineString",
        "Polygon",
        "MultiPolygon",
        "GeometryCollection",
    }
)


def check_crs(member: dict[str, Any]) -> None:
    """Refuse a declared coordinate system other than WGS 84 (GeoJSON 2008 "crs")."""
    crs = member.get("crs")
    if crs is None:
        return
    declared = ""
    if isinstance(crs, dict):
        properties = crs.get("properties")
        if isinstance(properties, dict):
            declared = str(properties.get("name") or properties.get("href") or "")
    if _WGS84.match(declared.strip().lower()):
        return
    raise LayerFileError(
        _(
            "The file declares the coordinate system %(crs)s; only WGS 84 "
            "longitude/latitude (EPSG:4326, CRS84) is accepted. Export it again in "
            "EPSG:4326 (in QGIS: Export, Save Features As, CRS EPSG:4326)."
        )
        % {"crs": plain(declared, 80) or _("(unreadable)")}
    )


# What a member that should be a list is, for the message (translated when shown).
_MEMBERS = {
    "features": gettext_lazy("bad features"),
    "multipoint": gettext_lazy("bad multipoint"),
    "line": gettext_lazy("bad line"),
    "multiline": gettext_lazy("bad multiline"),
    "polygon": gettext_lazy("bad polygon"),
    "multipolygon": gettext_lazy("bad multipolygon"),
    "collection": gettext_lazy("bad collection"),
}


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise not_geojson(_MEMBERS[what])
    return value


_NUMBERS = (int, float)  # exact types: booleans are not coordinates


def _positions(value: Any, budget: Budget, what: str) -> array[float]:
    """GeoJSON positions as flat x, y, x, y... (altitudes dropped)."""
    items = _list(value, what)
    budget.spend(len(items))  # before any work on them
    flat = array("d")
    try:
        for item in items:
            if not (
                type(item) is list
                and len(item) >= 2
                and type(item[0]) in _NUMBERS
                and type(item[1]) in _NUMBERS
            ):
                raise not_geojson(_("bad position"))
            flat.append(item[0])
            flat.append(item[1])
    except OverflowError:  # an integer too large for a float
        raise not_geojson(_("bad position")) from None
    return flat


def _geojson_polygon(rings: Any, budget: Budget) -> Shape:
    rings = _list(rings, "polygon")
    if not rings:
        raise not_geojson(_("bad polygon"))
    return polygon_shape(
        [_positions(ring, budget, "polygon") for ring in rings], not_geojson
    )


def geojson_geometry(
    member: Any, *, budget: Budget, limits: Limits, depth: int = 0
) -> Shape | None:
    """A GeoJSON geometry object, checked and built as WKB (GDAL never sees it)."""
    if member is None:
        return None
    if not isinstance(member, dict):
        raise not_geojson(_("a geometry is not an object"))
    check_crs(member)
    kind = member.get("type")
    coordinates = member.get("coordinates")
    if kind == "Point":
        budget.spend(1)
        return point_shape(*position(coordinates))
    if kind == "MultiPoint":
        flat = _positions(coordinates, budget, "multipoint")
        points = [point_shape(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]
        return multi_shape(MULTIPOINT, points)
    if kind == "LineString":
        return line_shape(_positions(coordinates, budget, "line"), not_geojson)
    if kind == "MultiLineString":
        lines = [
            line_shape(_positions(c, budget, "line"), not_geojson)
            for c in _list(coordinates, "multiline")
        ]
        return multi_shape(MULTILINESTRING, lines)
    if kind == "Polygon":
        return _geojson_polygon(coordinates, budget)
    if kind == "MultiPolygon":
        polygons = [
            _geojson_polygon(c, budget) for c in _list(coordinates, "multipolygon")
        ]
        return multi_shape(MULTIPOLYGON, polygons)
    if kind == "GeometryCollection":
        if depth >= limits.max_depth:
            raise not_geojson(_("collections nested too deeply"))
        members = [
            geojson_geometry(g, budget=budget, limits=limits, depth=depth + 1)
            for g in _list(member.get("geometries"), "collection")
        ]
        present = [g for g in members if g is not None]
        return multi_shape(COLLECTION, present) if present else None
    raise not_geojson(
        _("unknown geometry type %(type)s") % {"type": plain(str(kind), 40)}
    )


def _raw_features(document: Any) -> list[Any]:
    """The document's features, whatever its top level (collection, feature, geometry)."""
    if not isinstance(document, dict):
        raise not_geojson(_("not an object"))
    check_crs(document)
    kind = document.get("type")
    if kind == "FeatureCollection":
        return _list(document.get("features"), "features")
    if kind == "Feature":
        return [document]
    if kind in GEOJSON_GEOMETRIES:
        return [{"type": "Feature", "geometry": document}]
    raise not_geojson(_("unknown type %(type)s") % {"type": plain(str(kind), 40)})


def features_from_geojson(
    document: Any, *, limits: Limits = DEFAULT_LIMITS
) -> list[LayerFeature]:
    """Features of a parsed GeoJSON document (FeatureCollection, Feature or geometry).
    Features without a geometry (null) are skipped."""
    raw = _raw_features(document)
    if len(raw) > limits.max_features:
        raise too_many_features(limits)
    budget = Budget(limits.max_vertices)
    features: list[LayerFeature] = []
    for index, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or (
            item.get("type") != "Feature" and "geometry" not in item
        ):
            raise LayerFileError(
                f"{feature_label(index, '')}: {not_geojson(_('not a Feature'))}"
            )
        check_crs(item)
        properties = clean_properties(item.get("properties"), limits)
        name = name_from(properties, limits)
        feature = build_feature(
            index=index,
            name=name,
            properties=properties,
            make=partial(
                geojson_geometry, item.get("geometry"), budget=budget, limits=limits
            ),
            error=not_geojson,
        )
        if feature is not None:
            features.append(feature)
    return features
