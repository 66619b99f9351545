"""The map's data for one viewport: single items when few, grid clusters when many.

The map never downloads the whole activation: the page asks for its bounding box
and zoom level; up to ITEMS_MAX items come back one by one, beyond that they are
grouped on a grid of about CELL_PX screen pixels, computed in SQL on the Web
Mercator coordinates stored with each item (no per-query projection).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final

from django.db import connection, transaction
from django.db.models import Count, F, Min, Q, Sum
from django.db.models.functions import Floor

from activations.models import Activation
from mapping.models import MapItem
from mapping.selectors.items import MapFilters, map_items_filtered
from mapping.sync import mercator

ITEMS_MAX: Final = 400  # beyond this many items in view, clusters
CELL_PX: Final = 64  # cluster cell, in screen pixels
MAX_ZOOM: Final = 22
_WORLD_M: Final = 2 * math.pi * 6378137.0


@dataclass(frozen=True)
class Viewport:
    west: float
    south: float
    east: float
    north: float
    zoom: int

    @classmethod
    def parse(cls, bbox: str, zoom: str) -> Viewport:
        """From ``west,south,east,north`` (degrees) and a zoom level; ValueError if wrong."""
        parts = [float(p) for p in bbox.split(",")]
        if len(parts) != 4 or not all(math.isfinite(p) for p in parts):
            raise ValueError("bbox")
        west, south, east, north = parts
        level = int(zoom)
        if not (0 <= level <= MAX_ZOOM) or south > north or west > east:
            raise ValueError("bbox")
        # Leaflet may ask beyond the antimeridian or the poles when zoomed out.
        return cls(
            west=max(-180.0, west),
            south=max(-90.0, south),
            east=min(180.0, east),
            north=min(90.0, north),
            zoom=level,
        )

    @property
    def cell_m(self) -> float:
        return float(CELL_PX * _WORLD_M / (256 * 2**self.zoom))

    def mercator_box(self) -> tuple[float, float, float, float]:
        x0, y0 = mercator(self.west, self.south)
        x1, y1 = mercator(self.east, self.north)
        return x0, y0, x1, y1


@dataclass
class _Cell:
    """One grid cell's figures, folded from its per-category rows."""

    count: int = 0
    sx: float = 0.0
    sy: float = 0.0
    urgent: int = 0
    first: int = 0
    main: str = ""
    _main_count: int = 0

    def add(
        self, category: str, n: int, sx: float, sy: float, urgent: int, first: int
    ) -> None:
        self.count += n
        self.sx += sx
        self.sy += sy
        self.urgent += urgent
        self.first = min(self.first, first) if self.first else first
        if n > self._main_count or (n == self._main_count and category < self.main):
            self.main, self._main_count = category, n


def _inverse(mx: float, my: float) -> tuple[float, float]:
    lon = math.degrees(mx / 6378137.0)
    lat = math.degrees(2 * math.atan(math.exp(my / 6378137.0)) - math.pi / 2)
    return round(lon, 6), round(lat, 6)


def map_view_data(
    *, activation: Activation, viewport: Viewport, filters: MapFilters | None = None
) -> dict[str, Any]:
    """``{"mode": "items"|"clusters", "total": n, "items"|"clusters": [...]}``.

    Items: ``[id, lon, lat, category, verification, urgent]``; clusters:
    ``[lon, lat, count, main category, urgent count, first id]`` (the first id
    lets a one-item cell open its popup).
    """
    x0, y0, x1, y1 = viewport.mercator_box()
    items = map_items_filtered(activation=activation, filters=filters).filter(
        mx__gte=x0, mx__lte=x1, my__gte=y0, my__lte=y1
    )
    cell = viewport.cell_m
    # Grouped by cell and category (a hash aggregate: no sort of the rows, unlike
    # an ordered-set mode()), folded per cell below; work_mem lets PostgreSQL keep
    # the hash table of a department-wide view in memory.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '32MB'")
        rows = list(
            items.annotate(gx=Floor(F("mx") / cell), gy=Floor(F("my") / cell))
            .values("gx", "gy", "category")
            .annotate(
                n=Count("pk"),
                sx=Sum("mx"),
                sy=Sum("my"),
                urgent_n=Count("pk", filter=Q(urgent=True)),
                first=Min("cluster_id"),
            )
            .order_by()
            .values_list("gx", "gy", "category", "n", "sx", "sy", "urgent_n", "first")
        )
    cells: dict[tuple[float, float], _Cell] = {}
    for gx, gy, category, n, sx, sy, urgent_n, first in rows:
        cells.setdefault((gx, gy), _Cell()).add(category, n, sx, sy, urgent_n, first)
    total = sum(c.count for c in cells.values())
    if total <= ITEMS_MAX or viewport.zoom >= MAX_ZOOM - 4:
        singles = [
            [pk, round(point.x, 6), round(point.y, 6), category, verification, urgent]
            for pk, point, category, verification, urgent in items.order_by(
                "-urgent", "observed_at"
            ).values_list(
                "cluster_id", "location", "category", "verification", "urgent"
            )[: ITEMS_MAX * 5]
        ]
        return {"mode": "items", "total": total, "items": singles}
    clusters = []
    for found in cells.values():
        lon, lat = _inverse(found.sx / found.count, found.sy / found.count)
        clusters.append([lon, lat, found.count, found.main, found.urgent, found.first])
    return {"mode": "clusters", "total": total, "clusters": clusters}


def map_item_detail(*, activation: Activation, cluster_id: int) -> MapItem | None:
    """One item for its popup, if the viewer may see it."""
    return (
        map_items_filtered(activation=activation)
        .select_related("case", "incident")
        .filter(cluster_id=cluster_id)
        .first()
    )
