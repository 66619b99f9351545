"""Writers of the map's exports: GeoJSON, KML, CSV and GeoPackage, streamed to a file.

Every writer reads its rows from iterators (the database in chunks), writes them
one at a time and calls ``progress(rows written)`` every CHUNK_SIZE rows and at
the end, so a large export never sits in memory and its page shows how far it is.

Texts from posts are UNTRUSTED: control characters are replaced, KML is written
by lxml (escaped, no CDATA), CSV cells a spreadsheet would run as a formula are
neutralised. Authors are pseudonyms unless the export says otherwise (and then
the links to the posts are written too). An exercise is marked in every format.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from django.utils.translation import gettext as _

from mapping.exports import common
from mapping.exports.common import (
    CONTENT_TYPES,
    EXTENSIONS,
    ExportError,
    ExportMeta,
    ExportToolMissing,
    Progress,
    clean_text,
    geometry_json,
    incident_properties,
    item_properties,
)
from mapping.exports.geojson import write_geojson
from mapping.exports.geopackage import find_ogr2ogr, write_gpkg
from mapping.exports.kml import document_name, write_kml
from mapping.exports.sheet import csv_columns, neutralise_formula, write_csv
from mapping.models import Incident, MapItem

__all__ = [
    "CONTENT_TYPES",
    "EXTENSIONS",
    "ExportError",
    "ExportMeta",
    "ExportToolMissing",
    "Progress",
    "clean_text",
    "common",
    "csv_columns",
    "document_name",
    "find_ogr2ogr",
    "geometry_json",
    "incident_properties",
    "item_properties",
    "neutralise_formula",
    "write_csv",
    "write_export",
    "write_geojson",
    "write_gpkg",
    "write_kml",
]


def write_export(
    fmt: str,
    path: Path,
    *,
    meta: ExportMeta,
    items: Iterable[MapItem] | None,
    incidents: Iterable[Incident] | None,
    progress: Progress,
    ogr2ogr: str = "ogr2ogr",
    timeout: float = 300,
) -> None:
    """Write the export in format ``fmt`` (a MapExport.Format value) to ``path``."""
    if fmt == "gpkg":
        write_gpkg(
            path,
            meta=meta,
            items=items,
            incidents=incidents,
            progress=progress,
            ogr2ogr=ogr2ogr,
            timeout=timeout,
        )
        return
    writers = {"geojson": write_geojson, "kml": write_kml, "csv": write_csv}
    if fmt not in writers:
        raise ExportError(_("Unknown export format: %(format)s.") % {"format": fmt})
    writers[fmt](path, meta=meta, items=items, incidents=incidents, progress=progress)
