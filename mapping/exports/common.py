"""What every export writer shares: the file's metadata, the rows (properties and
geometry of items and incidents), text and geometry clean-up, progress counting.

Texts from posts are UNTRUSTED: characters no format can carry are replaced
(XML cannot hold control characters, GeoPackage's SQLite strings stop at NUL).
Authors are pseudonyms unless the export says otherwise (then the links to the
posts are written too). An exercise is marked in every row.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.contrib.gis.geos import GEOSGeometry, WKTWriter
from django.utils import timezone

from activations.models import Activation
from mapping.models import Incident, MapItem
from vost.pseudonyms import pseudonym

CHUNK_SIZE = 2000  # rows read per database round trip, and between progress reports
COORD_DIGITS = 6  # about 10 cm (RFC 7946, section 11.2)
EXTENSIONS = {"geojson": "geojson", "kml": "kml", "csv": "csv", "gpkg": "gpkg"}
CONTENT_TYPES = {
    "geojson": "application/geo+json",
    "kml": "application/vnd.google-earth.kml+xml",
    "csv": "text/csv; charset=utf-8",
    "gpkg": "application/geopackage+sqlite3",
}
Progress = Callable[[int], None]
Row = tuple[dict[str, Any], GEOSGeometry | None]

# XML 1.0 cannot carry these (not even as &#...;); SQLite text stops at NUL.
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


class ExportError(Exception):
    """The export cannot be built; the message is translated and safe to show."""


class ExportToolMissing(ExportError):
    """ogr2ogr (GDAL) is not installed where the export is built."""


@dataclass(frozen=True)
class ExportMeta:
    """What the whole file says about itself."""

    activation_id: int
    activation_slug: str
    activation_title: str
    exercise: bool
    pseudonymise: bool
    generated_at: dt.datetime

    @classmethod
    def of(
        cls,
        activation: Activation,
        *,
        pseudonymise: bool,
        generated_at: dt.datetime | None = None,
    ) -> ExportMeta:
        return cls(
            activation_id=activation.pk,
            activation_slug=activation.slug,
            activation_title=activation.title,
            exercise=activation.is_exercise,
            pseudonymise=pseudonymise,
            generated_at=generated_at or timezone.now(),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "activation": self.activation_slug,
            "activation_title": clean_text(self.activation_title),
            "generated_at": iso(self.generated_at),
            "exercise": self.exercise,
            "authors_pseudonymised": self.pseudonymise,
        }


# --- values ----------------------------------------------------------------------------
def clean_text(value: str | None) -> str:
    """The text with characters no format can carry replaced by U+FFFD."""
    return _NOT_TEXT.sub("\ufffd", value or "")


def iso(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return (
        moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    )


def _mask_handle(text: str, handle: str, label: str) -> str:
    """The author's own handle in the text replaced by their pseudonym."""
    bare = handle.strip().lstrip("@")
    if len(bare) < 3:
        return text
    return re.sub("@?" + re.escape(bare), label or "?", text, flags=re.IGNORECASE)


def item_properties(item: MapItem, meta: ExportMeta) -> dict[str, Any]:
    """An item's properties, in column order; ``item`` has case and incident loaded."""
    author, summary = item.author_handle, item.summary
    if meta.pseudonymise:
        label = pseudonym(
            author, activation_id=meta.activation_id, platform=item.platform
        )
        summary, author = _mask_handle(summary, author, label), label
    props: dict[str, Any] = {
        "kind": "item",
        "id": item.pk,
        "category": item.category,
        "verification": item.verification,
        "urgent": item.urgent,
        "platform": item.platform,
        "observed_at": iso(item.observed_at),
        "summary": clean_text(summary),
        "place_name": clean_text(item.place_name),
        "radius_m": item.radius_m,
        "author": clean_text(author),
    }
    if not meta.pseudonymise:
        props["post_url"] = clean_text(item.post_url)
    props["case_number"] = item.case.number if item.case_id and item.case else None
    props["incident_number"] = (
        item.incident.number if item.incident_id and item.incident else None
    )
    props["exercise"] = meta.exercise
    return props


def incident_properties(incident: Incident, meta: ExportMeta) -> dict[str, Any]:
    return {
        "kind": "incident",
        "id": incident.pk,
        "number": incident.number,
        "title": clean_text(incident.title),
        "category": incident.category,
        "status": incident.status,
        "item_count": incident.item_count,
        "started_at": iso(incident.started_at),
        "ended_at": iso(incident.ended_at),
        "exercise": meta.exercise,
    }


def incident_geometry(incident: Incident) -> GEOSGeometry | None:
    return incident.footprint or incident.centroid


class Counter:
    """Counts written rows; reports every CHUNK_SIZE rows and at the end."""

    def __init__(self, progress: Progress) -> None:
        self.done = 0
        self.progress = progress

    def tick(self) -> None:
        self.done += 1
        if self.done % CHUNK_SIZE == 0:
            self.progress(self.done)

    def finish(self) -> None:
        self.progress(self.done)


def item_rows(
    items: Iterable[MapItem], meta: ExportMeta, counter: Counter
) -> Iterable[Row]:
    for item in items:
        yield item_properties(item, meta), item.location
        counter.tick()


def incident_rows(
    incidents: Iterable[Incident], meta: ExportMeta, counter: Counter
) -> Iterable[Row]:
    for incident in incidents:
        yield incident_properties(incident, meta), incident_geometry(incident)
        counter.tick()


# --- geometry ------------------------------------------------------------------------------
def coords_of(geom: GEOSGeometry) -> Any:
    return cast(Any, geom).coords


def parts_of(geom: GEOSGeometry) -> list[GEOSGeometry]:
    return list(cast(Any, geom))


def round_coords(coords: Any) -> Any:
    if coords and isinstance(coords[0], int | float):
        return [round(float(c), COORD_DIGITS) for c in coords[:2]]
    return [round_coords(c) for c in coords]


def _ring(coords: Any, *, ccw: bool) -> list[list[float]]:
    """A closed ring turned counterclockwise (exterior) or clockwise (hole)."""
    ring = round_coords(coords)
    area = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(ring))
    keep = (area > 0) == ccw or area == 0
    return cast(list[list[float]], ring if keep else ring[::-1])


def polygon_coords(rings: Any) -> list[list[list[float]]]:
    return [_ring(ring, ccw=index == 0) for index, ring in enumerate(rings)]


def geometry_json(geom: GEOSGeometry | None) -> dict[str, Any] | None:
    """RFC 7946 geometry: WGS 84 longitude/latitude, 6 decimals, polygons with
    counterclockwise exteriors (the right-hand rule)."""
    if geom is None or geom.empty:
        return None
    kind = geom.geom_type
    if kind == "GeometryCollection":
        return {
            "type": kind,
            "geometries": [geometry_json(part) for part in parts_of(geom)],
        }
    if kind == "Polygon":
        coords: Any = polygon_coords(coords_of(geom))
    elif kind == "MultiPolygon":
        coords = [polygon_coords(polygon) for polygon in coords_of(geom)]
    elif kind == "LinearRing":
        kind, coords = "LineString", round_coords(coords_of(geom))
    else:
        coords = round_coords(coords_of(geom))
    return {"type": kind, "coordinates": coords}


def wkt_of(geom: GEOSGeometry | None) -> str:
    if geom is None or geom.empty:
        return ""
    writer = WKTWriter(trim=True, precision=COORD_DIGITS)
    return str(writer.write(geom).decode())


def point_of(geom: GEOSGeometry | None) -> tuple[float, float] | tuple[None, None]:
    if geom is None or geom.empty:
        return None, None
    point: Any = geom if geom.geom_type == "Point" else geom.point_on_surface
    return round(point.x, COORD_DIGITS), round(point.y, COORD_DIGITS)
