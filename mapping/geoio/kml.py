"""KML (2.2, and Google's older namespaces) to features: one per Placemark."""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from functools import partial
from itertools import chain

from django.utils.translation import gettext as _
from lxml import etree

from mapping.geoio.common import (
    DEFAULT_LIMITS,
    Budget,
    LayerFeature,
    Limits,
    Scalar,
    too_many_features,
)
from mapping.geoio.shapes import (
    Shape,
    build_feature,
    combined,
    line_shape,
    point_shape,
    polygon_shape,
)
from mapping.geoio.text import html_to_text, one_line, plain
from vost.geofiles import GeoFileError, kml_coordinates, kml_root

KML_GEOMETRIES = frozenset(
    {"Point", "LineString", "LinearRing", "Polygon", "MultiGeometry"}
)


def _local(element: etree._Element) -> str:
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _children(element: etree._Element, *names: str) -> Iterable[etree._Element]:
    return (child for child in element if _local(child) in names)


def _child_text(element: etree._Element, name: str) -> str:
    child = next(iter(_children(element, name)), None)
    return (child.text or "") if child is not None else ""


def _kml_positions(element: etree._Element | None, budget: Budget) -> array[float]:
    """The positions of the <coordinates> child of `element`, flat (empty if none)."""
    if element is None:
        return array("d")
    points = kml_coordinates(_child_text(element, "coordinates"))
    budget.spend(len(points))
    return array("d", chain.from_iterable(points))


def _kml_error(reason: object) -> GeoFileError:
    return GeoFileError(_("This is not valid KML: %(error)s") % {"error": reason})


def _kml_ring(ring: etree._Element | None, budget: Budget) -> array[float]:
    flat = _kml_positions(ring, budget)
    if len(flat) >= 2 and flat[:2] != flat[-2:]:
        flat.extend(flat[:2])  # closed implicitly by some tools
    if len(flat) < 8:
        raise GeoFileError(_("A KML polygon needs at least four points."))
    return flat


def _kml_polygon(element: etree._Element, budget: Budget) -> Shape:
    outer = next(iter(_children(element, "outerBoundaryIs")), None)
    if outer is None:
        raise _kml_error(_("a polygon without an outer boundary"))
    rings = [_kml_ring(next(iter(_children(outer, "LinearRing")), None), budget)]
    # KML 2.2 has one ring per innerBoundaryIs; some writers put several in one
    rings += [
        _kml_ring(ring, budget)
        for inner in _children(element, "innerBoundaryIs")
        for ring in _children(inner, "LinearRing")
    ]
    return polygon_shape(rings, _kml_error)


def kml_geometry(
    element: etree._Element, *, budget: Budget, limits: Limits, depth: int = 0
) -> Shape | None:
    """A KML geometry element (Point, LineString, LinearRing, Polygon, MultiGeometry)."""
    kind = _local(element)
    if kind == "Point":
        flat = _kml_positions(element, budget)
        if len(flat) != 2:
            raise _kml_error(_("a point needs exactly one position"))
        return point_shape(flat[0], flat[1])
    if kind in {"LineString", "LinearRing"}:
        return line_shape(_kml_positions(element, budget), _kml_error)
    if kind == "Polygon":
        return _kml_polygon(element, budget)
    if kind == "MultiGeometry":
        if depth >= limits.max_depth:
            raise _kml_error(_("MultiGeometry nested too deeply"))
        parts = [
            kml_geometry(child, budget=budget, limits=limits, depth=depth + 1)
            for child in _children(element, *KML_GEOMETRIES)
        ]
        present = [p for p in parts if p is not None]
        return combined(present) if present else None
    return None


def _kml_properties(placemark: etree._Element, limits: Limits) -> dict[str, Scalar]:
    """The description (as plain text) and the ExtendedData of a placemark."""
    properties: dict[str, Scalar] = {}
    description = _child_text(placemark, "description")
    if description.strip():
        properties["description"] = html_to_text(description, limits.max_text)
    for extended in _children(placemark, "ExtendedData"):
        for item in extended.iter():
            if len(properties) >= limits.max_properties:
                return properties
            kind = _local(item)
            if kind == "Data":
                value = _child_text(item, "value")
            elif kind == "SimpleData":
                value = item.text or ""
            else:
                continue
            key = one_line(str(item.get("name") or ""), limits.max_key)
            if key:
                properties[key] = plain(value, limits.max_text)
    return properties


def features_from_kml(
    data: bytes, *, limits: Limits = DEFAULT_LIMITS
) -> list[LayerFeature]:
    """Features of a KML document: one per Placemark with a geometry.

    Name from <name>; properties from <description> (HTML turned into plain text)
    and <ExtendedData> (Data and SchemaData).
    """
    root = kml_root(data)
    placemarks = [e for e in root.iter() if _local(e) == "Placemark"]
    if len(placemarks) > limits.max_features:
        raise too_many_features(limits)
    budget = Budget(limits.max_vertices)
    features: list[LayerFeature] = []
    for index, placemark in enumerate(placemarks, start=1):
        element = next(iter(_children(placemark, *KML_GEOMETRIES)), None)
        if element is None:
            continue  # a placemark without a geometry we read (a model, a track)
        feature = build_feature(
            index=index,
            name=one_line(_child_text(placemark, "name"), limits.max_name),
            properties=_kml_properties(placemark, limits),
            make=partial(kml_geometry, element, budget=budget, limits=limits),
            error=_kml_error,
        )
        if feature is not None:
            features.append(feature)
    return features
