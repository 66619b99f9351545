"""Reference layers from uploaded files: GeoJSON, KML or KMZ to a list of features.

Built on the hardened readers of ``vost.geofiles`` (no GDAL on user input; no DTD
nor entities in KML; KMZ unzipped in memory with caps). Every geometry type is kept
(points, lines, polygons, their multi- forms and collections), in WGS 84
(EPSG:4326), 2D. ``Limits`` bound what a hostile file may cost: its size, its number
of features and of points, the nesting of collections. Polygons that are not valid
are repaired (GEOS MakeValid), or refused.

Names and properties are plain text: a KML description is HTML from elsewhere,
turned into text here, never to be rendered as HTML. Everything refused raises
``LayerFileError`` with a translated reason for the person who uploaded the file.

    common.py   limits, errors, the result (LayerFeature)
    text.py     names and properties as plain, bounded text
    shapes.py   geometries: WKB from checked positions, range and validity checks
    geojson.py  GeoJSON reader          kml.py  KML reader
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from mapping.geoio.common import (
    DEFAULT_LIMITS,
    LayerFeature,
    LayerFileError,
    LimitExceeded,
    Limits,
    Scalar,
)
from mapping.geoio.geojson import features_from_geojson
from mapping.geoio.kml import features_from_kml
from mapping.geoio.text import html_to_text
from vost.geofiles import json_document, kmz_kml, raised_as

GEOJSON_SUFFIXES = (".geojson", ".json")
SUFFIXES = (*GEOJSON_SUFFIXES, ".kml", ".kmz")

__all__ = [
    "DEFAULT_LIMITS",
    "SUFFIXES",
    "LayerFeature",
    "LayerFileError",
    "LimitExceeded",
    "Limits",
    "Scalar",
    "features_from_geojson",
    "features_from_kml",
    "features_from_upload",
    "file_suffix",
    "html_to_text",
]


def features_from_upload(
    *, file_name: str, data: bytes, limits: Limits = DEFAULT_LIMITS
) -> list[LayerFeature]:
    """Read an uploaded .geojson/.json, .kml or .kmz file into features.

    Raises LayerFileError (a ValueError) with a translated reason when the file is
    refused: too large, malformed, over a limit, coordinates that are not WGS 84
    longitude/latitude, another declared coordinate system, a DOCTYPE in KML, an
    unsafe KMZ, or no feature with a geometry at all.
    """
    with raised_as(LayerFileError):
        if len(data) > limits.max_bytes:
            raise LimitExceeded(
                _("The file is too large (at most %(mb)s MB).")
                % {"mb": limits.max_bytes // (1024 * 1024)}
            )
        suffix = file_suffix(file_name)
        if suffix == ".kmz":
            kml = kmz_kml(
                data,
                max_bytes=limits.max_uncompressed,
                max_entries=limits.max_kmz_entries,
            )
            features = features_from_kml(kml, limits=limits)
        elif suffix == ".kml":
            features = features_from_kml(data, limits=limits)
        elif suffix in GEOJSON_SUFFIXES:
            features = features_from_geojson(json_document(data), limits=limits)
        else:
            raise LayerFileError(
                _("Unsupported file type: use GeoJSON (.geojson, .json), KML or KMZ.")
            )
    if not features:
        raise LayerFileError(_("The file contains no feature with a geometry."))
    return features


def file_suffix(file_name: str) -> str:
    """The file's extension, lower-case with its dot ('' if none)."""
    base = file_name.replace("\\", "/").rsplit("/", 1)[-1].lower()
    return "." + base.rsplit(".", 1)[1] if "." in base else ""
