"""KML 2.2, written element by element by lxml (escaped text, never CDATA)."""

from __future__ import annotations

import html
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.contrib.gis.geos import GEOSGeometry
from django.utils.translation import gettext as _
from lxml import etree

from mapping.exports.common import (
    Counter,
    ExportMeta,
    Progress,
    clean_text,
    coords_of,
    incident_rows,
    item_rows,
    parts_of,
    polygon_coords,
    round_coords,
)
from mapping.models import Incident, MapItem

KML_NS = "http://www.opengis.net/kml/2.2"
# --- KML ----------------------------------------------------------------------------------
# Elements written one by one into the open document carry the default namespace
# themselves (a redundant xmlns=, but no ns0: prefixes that some readers miss).
_NSMAP = {None: KML_NS}


def _k(tag: str) -> str:
    return f"{{{KML_NS}}}{tag}"


def _el(tag: str, text: str, **attrib: str) -> etree._Element:
    element = etree.Element(_k(tag), attrib, nsmap=_NSMAP)
    element.text = text
    return element


def _kml_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _extended(props: dict[str, Any]) -> etree._Element:
    data = etree.Element(_k("ExtendedData"), nsmap=_NSMAP)
    for key, value in props.items():
        entry = etree.SubElement(data, _k("Data"), name=key)
        etree.SubElement(entry, _k("value")).text = _kml_value(value)
    return data


def _kml_coords(coords: Any) -> str:
    if coords and isinstance(coords[0], int | float):
        coords = [coords]
    return " ".join(f"{x},{y}" for x, y in round_coords(coords))


def _kml_geometry(geom: GEOSGeometry | None) -> etree._Element | None:
    if geom is None or geom.empty:
        return None
    kind = geom.geom_type
    if kind == "Point":
        return _wrap("Point", _el("coordinates", _kml_coords(coords_of(geom))))
    if kind in {"LineString", "LinearRing"}:
        return _wrap("LineString", _el("coordinates", _kml_coords(coords_of(geom))))
    if kind == "Polygon":
        polygon = etree.Element(_k("Polygon"), nsmap=_NSMAP)
        for index, ring in enumerate(polygon_coords(coords_of(geom))):
            boundary = "outerBoundaryIs" if index == 0 else "innerBoundaryIs"
            linear = _wrap("LinearRing", _el("coordinates", _kml_coords(ring)))
            polygon.append(_wrap(boundary, linear))
        return polygon
    # Multi* and collections
    multi = etree.Element(_k("MultiGeometry"), nsmap=_NSMAP)
    for part in parts_of(geom):
        child = _kml_geometry(part)
        if child is not None:
            multi.append(child)
    return multi


def _wrap(tag: str, child: etree._Element) -> etree._Element:
    element = etree.Element(_k(tag), nsmap=_NSMAP)
    element.append(child)
    return element


def _placemark(
    props: dict[str, Any],
    geom: GEOSGeometry | None,
    *,
    name: str,
    description: str,
    time: etree._Element,
) -> etree._Element:
    placemark = etree.Element(
        _k("Placemark"), id=f"{props['kind']}-{props['id']}", nsmap=_NSMAP
    )
    placemark.append(_el("name", name))
    # KML viewers show <description> as HTML: the untrusted text goes in escaped
    # for HTML (and again for XML by lxml), so it is only ever displayed as text.
    # ExtendedData carries every value as plain text.
    placemark.append(_el("description", html.escape(description)))
    placemark.append(time)
    placemark.append(_extended(props))
    shape = _kml_geometry(geom)
    if shape is not None:
        placemark.append(shape)
    return placemark


def _item_placemark(props: dict[str, Any], geom: GEOSGeometry | None) -> etree._Element:
    name = " - ".join(v for v in (props["category"], props["place_name"]) if v)
    return _placemark(
        props,
        geom,
        name=name or f"#{props['id']}",
        description=props["summary"],
        time=_wrap("TimeStamp", _el("when", props["observed_at"] or "")),
    )


def _incident_placemark(
    props: dict[str, Any], geom: GEOSGeometry | None
) -> etree._Element:
    span = etree.Element(_k("TimeSpan"), nsmap=_NSMAP)
    if props["started_at"]:
        span.append(_el("begin", props["started_at"]))
    if props["ended_at"]:
        span.append(_el("end", props["ended_at"]))
    return _placemark(
        props,
        geom,
        name=f"#{props['number']} {props['title'] or props['category']}".strip(),
        description=props["title"],
        time=span,
    )


def document_name(meta: ExportMeta) -> str:
    name = _("VOST map export: %(title)s") % {
        "title": clean_text(meta.activation_title)
    }
    return f"EXERCISE - {name}" if meta.exercise else name


def write_kml(
    path: Path,
    *,
    meta: ExportMeta,
    items: Iterable[MapItem] | None,
    incidents: Iterable[Incident] | None,
    progress: Progress,
) -> None:
    """A KML 2.2 Document with one Folder per kind (``items``, ``incidents``)."""
    counter = Counter(progress)
    with path.open("wb") as out, etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(_k("kml"), nsmap=_NSMAP), xf.element(_k("Document")):
            xf.write(_el("name", document_name(meta)))
            xf.write(_extended(meta.as_dict()))
            if items is not None:
                with xf.element(_k("Folder"), id="items"):
                    xf.write(_el("name", _("Verified items")))
                    for props, geom in item_rows(items, meta, counter):
                        xf.write(_item_placemark(props, geom))
            if incidents is not None:
                with xf.element(_k("Folder"), id="incidents"):
                    xf.write(_el("name", _("Incidents")))
                    for props, geom in incident_rows(incidents, meta, counter):
                        xf.write(_incident_placemark(props, geom))
    counter.finish()
