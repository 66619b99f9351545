"""Reads of the signals app: key counts per bucket (aggregate SQL), signals, blind spots."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib.gis.geos import Polygon
from django.db import connection
from django.db.models import Min, QuerySet
from django.utils.translation import gettext as _

from activations.models import Activation
from monitoring.models import Place, Post
from signals import detector
from signals.models import EmergingSignal

# Same tokenisation as detector.event_keys, in SQL (tests/signals/test_service.py
# checks both agree). A key counts once per post (DISTINCT within each post).
_COUNTS_SQL = r"""
WITH p AS (
    SELECT posted_at, text, place_name,
           regexp_replace(
               regexp_replace(text, 'https?://\S+|www\.\S+', ' ', 'gi'),
               '[@#]\w+', ' ', 'g') AS rest
    FROM monitoring_post
    WHERE activation_id = %(activation)s
      AND posted_at > %(start)s AND posted_at <= %(now)s
), k AS (
    SELECT p.posted_at, 'hashtag' AS kind, h.key
    FROM p CROSS JOIN LATERAL (
        SELECT DISTINCT regexp_replace(lower(unaccent(m[1])), '[^a-z0-9]+', '', 'g') AS key
        FROM regexp_matches(p.text, '#(\w+)', 'g') AS m
    ) AS h
    UNION ALL
    SELECT p.posted_at, 'term', w.key
    FROM p CROSS JOIN LATERAL (
        SELECT DISTINCT t AS key
        FROM regexp_split_to_table(lower(unaccent(p.rest)), '[^a-z0-9]+') AS t
        WHERE length(t) >= %(min_len)s AND t !~ '^[0-9]+$' AND NOT (t = ANY(%(stop)s))
    ) AS w
    UNION ALL
    SELECT p.posted_at, 'place',
           trim(regexp_replace(lower(unaccent(p.place_name)), '[^a-z0-9]+', ' ', 'g'))
    FROM p WHERE p.place_name <> ''
)
SELECT kind, key,
       floor(extract(epoch FROM (%(now)s - posted_at)) / %(bucket)s)::int AS b,
       count(*)
FROM k WHERE key <> ''
GROUP BY 1, 2, 3
"""


def key_counts(
    *, activation: Activation, now: dt.datetime
) -> dict[tuple[str, str], dict[int, int]]:
    """Posts per (kind, key) per 5-minute bucket back from ``now`` (bucket 0 = last
    5 minutes), over the window and the baseline; one query."""
    span = detector.BUCKET * (detector.WINDOW_BUCKETS + detector.BASELINE_BUCKETS)
    counts: dict[tuple[str, str], dict[int, int]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(
            _COUNTS_SQL,
            {
                "activation": activation.pk,
                "start": now - span,
                "now": now,
                "bucket": detector.BUCKET.total_seconds(),
                "min_len": detector.MIN_TERM_LENGTH,
                "stop": sorted(detector.STOP_WORDS),
            },
        )
        for kind, key, bucket, n in cursor.fetchall():
            if 0 <= bucket < detector.WINDOW_BUCKETS + detector.BASELINE_BUCKETS:
                counts[(kind, key)][bucket] = n
    return counts


def history_start(*, activation: Activation) -> dt.datetime | None:
    """When the activation's stream starts (its first post)."""
    first: dt.datetime | None = Post.objects.filter(activation=activation).aggregate(
        first=Min("posted_at")
    )["first"]
    return first


def sample_posts(
    *,
    activation: Activation,
    keys: set[tuple[str, str]],
    since: dt.datetime,
    now: dt.datetime,
    per_key: int = 3,
    scan: int = 3000,
) -> dict[tuple[str, str], list[int]]:
    """Ids of the most recent posts of the window carrying each key."""
    found: dict[tuple[str, str], list[int]] = {key: [] for key in keys}
    rows = (
        Post.objects.filter(
            activation=activation, posted_at__gt=since, posted_at__lte=now
        )
        .order_by("-posted_at", "-id")
        .values_list("id", "text", "place_name")[:scan]
    )
    for post_id, text, place in rows:
        for key in detector.event_keys(text, place) & keys:
            if len(found[key]) < per_key:
                found[key].append(post_id)
    return found


def signal_list(
    *, activation: Activation, open_only: bool = True
) -> QuerySet[EmergingSignal]:
    signals = EmergingSignal.objects.filter(activation=activation).select_related(
        "reviewed_by", "activation"
    )
    if open_only:
        signals = signals.filter(closed_at__isnull=True)
    return signals.order_by("-last_flagged_at", "-zscore", "-id")


def signal_get(*, activation: Activation, signal_id: int) -> EmergingSignal:
    """The activation's signal (EmergingSignal.DoesNotExist otherwise)."""
    return EmergingSignal.objects.get(activation=activation, pk=signal_id)


def posts_by_id(*, activation: Activation, ids: set[int]) -> dict[int, Post]:
    return {
        post.pk: post
        for post in Post.objects.filter(activation=activation, pk__in=ids).only(
            "id", "text", "platform", "author_handle", "posted_at", "place_name"
        )
    }


# --- blind spots ---------------------------------------------------------------------
CELL_KM = 5.0
MAX_CELLS = 2500
RECENT_HOURS = 6
EARLIER_DAYS = 7
MIN_POPULATION = 2000
MIN_EARLIER_POSTS = 3
KM_PER_DEGREE = 111.32


@dataclass(frozen=True)
class Grid:
    x0: float
    y0: float
    dx: float
    dy: float
    cols: int
    rows: int

    def cell(self, col: int, row: int) -> Polygon:
        x, y = self.x0 + col * self.dx, self.y0 + row * self.dy
        return Polygon.from_bbox((x, y, x + self.dx, y + self.dy))


def activation_grid(*, activation: Activation, cell_km: float = CELL_KM) -> Grid:
    """A grid of about ``cell_km`` cells over the area (coarser past MAX_CELLS)."""
    x0, y0, x1, y1 = activation.area.extent
    mid = math.radians((y0 + y1) / 2)
    while True:
        dy = cell_km / KM_PER_DEGREE
        dx = cell_km / (KM_PER_DEGREE * max(math.cos(mid), 0.01))
        cols = max(1, math.ceil((x1 - x0) / dx))
        rows = max(1, math.ceil((y1 - y0) / dy))
        if cols * rows <= MAX_CELLS:
            return Grid(x0=x0, y0=y0, dx=dx, dy=dy, cols=cols, rows=rows)
        cell_km *= 2


_CELL_POSTS_SQL = """
SELECT floor((ST_X(location) - %(x0)s) / %(dx)s)::int,
       floor((ST_Y(location) - %(y0)s) / %(dy)s)::int,
       count(*) FILTER (WHERE posted_at > %(recent)s),
       count(*) FILTER (WHERE posted_at <= %(recent)s)
FROM monitoring_post
WHERE activation_id = %(activation)s AND location IS NOT NULL
  AND posted_at > %(earlier)s AND posted_at <= %(now)s
GROUP BY 1, 2
"""


def blind_spots(
    *,
    activation: Activation,
    now: dt.datetime,
    recent_hours: int = RECENT_HOURS,
    cell_km: float = CELL_KM,
) -> dict[str, Any]:
    """Cells of the area where posts are expected but none located came recently,
    as a GeoJSON FeatureCollection; each cell says why it is expected."""
    grid = activation_grid(activation=activation, cell_km=cell_km)
    params: dict[str, Any] = {
        "x0": grid.x0,
        "y0": grid.y0,
        "dx": grid.dx,
        "dy": grid.dy,
        "activation": activation.pk,
        "now": now,
        "recent": now - dt.timedelta(hours=recent_hours),
        "earlier": now - dt.timedelta(days=EARLIER_DAYS),
    }
    recent: dict[tuple[int, int], int] = {}
    earlier: dict[tuple[int, int], int] = {}
    with connection.cursor() as cursor:
        cursor.execute(_CELL_POSTS_SQL, params)
        for col, row, n_recent, n_earlier in cursor.fetchall():
            recent[(col, row)] = n_recent
            earlier[(col, row)] = n_earlier
    population: dict[tuple[int, int], int] = defaultdict(int)
    towns: dict[tuple[int, int], list[str]] = defaultdict(list)
    places = (
        Place.objects.filter(location__intersects=activation.area, population__gt=0)
        .order_by("-population")
        .values_list("name", "population", "location")
    )
    for name, people, point in places:
        cell = (
            int((point.x - grid.x0) // grid.dx),
            int((point.y - grid.y0) // grid.dy),
        )
        population[cell] += people
        if len(towns[cell]) < 3 and name not in towns[cell]:
            towns[cell].append(name)
    features = []
    for cell in sorted(set(population) | set(earlier)):
        if recent.get(cell, 0) > 0:
            continue
        reasons = []
        if population.get(cell, 0) >= MIN_POPULATION:
            reasons.append(
                _("%(people)s inhabitants (%(towns)s)")
                % {"people": population[cell], "towns": ", ".join(towns[cell])}
            )
        if earlier.get(cell, 0) >= MIN_EARLIER_POSTS:
            reasons.append(
                _("%(count)d located posts earlier this week")
                % {"count": earlier[cell]}
            )
        if not reasons:
            continue
        polygon = grid.cell(*cell)
        if not polygon.intersects(activation.area):
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [list(map(list, polygon.coords[0]))],
                },
                "properties": {
                    "cell": f"{cell[0]}:{cell[1]}",
                    "population": population.get(cell, 0),
                    "earlier_posts": earlier.get(cell, 0),
                    "reason": _(
                        "Expected: %(why)s; no located post in the last %(hours)d h."
                    )
                    % {"why": "; ".join(reasons), "hours": recent_hours},
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
