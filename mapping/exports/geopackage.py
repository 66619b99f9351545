"""GeoPackage: each layer written as GeoJSON, then converted by GDAL's ogr2ogr."""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

from django.utils.translation import gettext as _

from mapping.exports.common import (
    Counter,
    ExportError,
    ExportMeta,
    ExportToolMissing,
    Progress,
    Row,
    incident_rows,
    item_rows,
)
from mapping.exports.geojson import collection_head, write_collection
from mapping.models import Incident, MapItem

logger = logging.getLogger(__name__)


# --- GeoPackage ---------------------------------------------------------------------------
def find_ogr2ogr(binary: str) -> str:
    """The path of GDAL's ogr2ogr, or ExportToolMissing."""
    found = shutil.which(binary)
    if found is None:
        raise ExportToolMissing(
            _(
                "GeoPackage exports need GDAL's ogr2ogr program, which is not "
                "installed on the server that builds exports (Debian package "
                "gdal-bin). Choose another format, or ask an administrator."
            )
        )
    return found


def _ogr2ogr(args: list[str], *, timeout: float) -> None:
    try:
        result = subprocess.run(  # noqa: S603  (list args, our own paths; no shell)
            args, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise ExportError(
            _(
                "The GeoPackage conversion took longer than %(seconds)s seconds "
                "and was stopped."
            )
            % {"seconds": int(timeout)}
        ) from exc
    if result.returncode != 0:
        logger.error(
            "ogr2ogr exited with %s: %s", result.returncode, result.stderr[-2000:]
        )
        raise ExportError(
            _(
                "The GeoPackage conversion failed (ogr2ogr exited with code "
                "%(code)s); the server log has the details."
            )
            % {"code": result.returncode}
        )


def write_gpkg(
    path: Path,
    *,
    meta: ExportMeta,
    items: Iterable[MapItem] | None,
    incidents: Iterable[Incident] | None,
    progress: Progress,
    ogr2ogr: str = "ogr2ogr",
    timeout: float = 300,
) -> None:
    """A GeoPackage with an ``items`` and an ``incidents`` layer: each written as
    GeoJSON first, then converted by ogr2ogr (GDAL)."""
    binary = find_ogr2ogr(ogr2ogr)  # before any work
    counter = Counter(progress)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".gpkg-") as tmp:
        sources: list[tuple[str, Iterable[Row]]] = []
        if items is not None:
            sources.append(("items", item_rows(items, meta, counter)))
        if incidents is not None:
            sources.append(("incidents", incident_rows(incidents, meta, counter)))
        layers: list[tuple[str, Path]] = []
        for name, rows in sources:
            layer_path = Path(tmp) / f"{name}.geojson"
            with layer_path.open("w", encoding="utf-8") as out:
                write_collection(out, collection_head(meta, name), rows)
            layers.append((name, layer_path))
        counter.finish()
        for index, (name, layer_path) in enumerate(layers):
            args = [binary, "-f", "GPKG", *(["-update"] if index else [])]
            args += [str(path), str(layer_path), "-nln", name]
            args += ["-mo", f"VOST_ACTIVATION={meta.activation_slug}"]
            args += ["-mo", f"VOST_EXERCISE={'true' if meta.exercise else 'false'}"]
            _ogr2ogr(args, timeout=timeout)
