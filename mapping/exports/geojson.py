"""GeoJSON (RFC 7946): one FeatureCollection, written feature by feature."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from mapping.exports.common import (
    Counter,
    ExportMeta,
    Progress,
    Row,
    geometry_json,
    incident_rows,
    item_rows,
)
from mapping.models import Incident, MapItem


# --- GeoJSON ------------------------------------------------------------------------------
def write_collection(out: IO[str], head: dict[str, Any], rows: Iterable[Row]) -> None:
    opening = json.dumps({"type": "FeatureCollection", **head}, ensure_ascii=False)
    out.write(opening[:-1] + ', "features": [')
    separator = "\n"
    for props, geom in rows:
        feature = {
            "type": "Feature",
            "id": f"{props['kind']}-{props['id']}",
            "geometry": geometry_json(geom),
            "properties": props,
        }
        out.write(separator + json.dumps(feature, ensure_ascii=False))
        separator = ",\n"
    out.write("\n]}\n")


def collection_head(meta: ExportMeta, name: str) -> dict[str, Any]:
    # Foreign members (RFC 7946, section 6.1): readers keep or ignore them.
    return {"name": name, "exercise": meta.exercise, "metadata": meta.as_dict()}


def write_geojson(
    path: Path,
    *,
    meta: ExportMeta,
    items: Iterable[MapItem] | None,
    incidents: Iterable[Incident] | None,
    progress: Progress,
) -> None:
    """One FeatureCollection: items (kind "item") then incidents (kind "incident")."""
    counter = Counter(progress)

    def rows() -> Iterable[Row]:
        if items is not None:
            yield from item_rows(items, meta, counter)
        if incidents is not None:
            yield from incident_rows(incidents, meta, counter)

    name = f"vost-{meta.activation_slug}" + ("-EXERCISE" if meta.exercise else "")
    with path.open("w", encoding="utf-8") as out:
        write_collection(out, collection_head(meta, name), rows())
    counter.finish()
