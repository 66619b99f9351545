"""CSV for spreadsheets: UTF-8 with a BOM, formulas neutralised."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.contrib.gis.geos import GEOSGeometry

from mapping.exports.common import (
    Counter,
    ExportMeta,
    Progress,
    incident_geometry,
    incident_properties,
    item_properties,
    point_of,
    wkt_of,
)
from mapping.models import Incident, MapItem

# A cell starting with one of these is a formula to a spreadsheet (OWASP CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: str) -> str:
    """A text cell a spreadsheet would evaluate, prefixed with ' so it stays text."""
    return "'" + value if value.startswith(_FORMULA_START) else value


# --- CSV ----------------------------------------------------------------------------------
def csv_columns(meta: ExportMeta) -> list[str]:
    columns = [
        "kind",
        "id",
        "number",
        "title",
        "category",
        "verification",
        "status",
        "urgent",
        "platform",
        "observed_at",
        "started_at",
        "ended_at",
        "summary",
        "place_name",
        "radius_m",
        "author",
    ]
    if not meta.pseudonymise:
        columns.append("post_url")
    return [
        *columns,
        "case_number",
        "incident_number",
        "item_count",
        "lon",
        "lat",
        "wkt",
        "exercise",
    ]


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)  # numbers are ours, never formulas
    return neutralise_formula(str(value))


def _csv_row(
    writer: Any,
    columns: list[str],
    props: dict[str, Any],
    geom: GEOSGeometry | None,
    point: GEOSGeometry | None,
) -> None:
    lon, lat = point_of(point)
    values = {**props, "lon": lon, "lat": lat, "wkt": wkt_of(geom)}
    writer.writerow([_csv_cell(values.get(column)) for column in columns])


def write_csv(
    path: Path,
    *,
    meta: ExportMeta,
    items: Iterable[MapItem] | None,
    incidents: Iterable[Incident] | None,
    progress: Progress,
) -> None:
    """One table, items then incidents (column ``kind``), UTF-8 with a BOM so that
    Excel reads the accents; lon/lat of the point (an incident's centroid) and WKT."""
    counter = Counter(progress)
    columns = csv_columns(meta)
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for item in items if items is not None else ():
            props = item_properties(item, meta)
            _csv_row(writer, columns, props, item.location, item.location)
            counter.tick()
        for incident in incidents if incidents is not None else ():
            geom = incident_geometry(incident)
            props = incident_properties(incident, meta)
            _csv_row(writer, columns, props, geom, incident.centroid or geom)
            counter.tick()
    counter.finish()
