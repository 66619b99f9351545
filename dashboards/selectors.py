"""The figures of an activation's dashboard, computed in a few aggregate queries.

``dashboard_figures(activation=..., hours=...)`` returns a plain, typed snapshot
(``DashboardFigures``): volume per hour by platform and category, the triage
backlog and throughput, the verification funnel, top places and terms, and the
escalations' acknowledgement times. It knows nothing of HTML or charts, so other
readers (situation reports, the API) can use the same figures.

``dashboard_snapshot`` is the cached variant the live page polls: one computation
per activation and window every SNAPSHOT_MAX_AGE seconds, however many people watch.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, Final

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from activations.models import Activation
from mapping.styles import category_colour
from monitoring.models import Category, Escalation, Platform, Post
from monitoring.triage import URGENT_PRIORITY

logger = logging.getLogger(__name__)

WINDOWS: Final = (24, 72)  # hours the dashboard offers
DEFAULT_HOURS: Final = 24
SNAPSHOT_MAX_AGE: Final = 15  # seconds a computed snapshot is shared
TOP_N: Final = 10
OPEN_ESCALATIONS_SHOWN: Final = 10
# Terms are counted on the most recent posts of the window only: enough for the
# picture, bounded cost on a million-post activation.
TERM_SAMPLE: Final = 5000
RELEVANT_DECISIONS: Final = ("relevant", "urgent", "verify")

PLATFORM_COLOURS: Final[dict[str, str]] = {
    Platform.X: "#1d1d1f",
    Platform.MASTODON: "#6364ff",
    Platform.BLUESKY: "#1185fe",
    Platform.RSS: "#f26522",
    Platform.CAP: "#c0392b",
    Platform.FILE: "#7f8c8d",
    Platform.REPLAY: "#16a085",
    Platform.GENERIC: "#95a5a6",
}
UNCATEGORISED: Final = ""

STOP_WORDS: Final = frozenset(
    """
    a au aux avec ce ces cet cette dans de des du elle elles en est et eux il ils je
    la le les leur leurs lui ma mais me meme mes moi mon ne nos notre nous on ou par
    pas pour qu que qui sa se ses son sont sur ta te tes toi ton tu un une vos votre
    vous y ete etre avoir fait faire plus tres tout tous toute toutes aussi comme
    donc alors car ici deja encore sans sous chez vers entre apres avant depuis quand
    ont sera etait cest quil quelle ca cela celui celle ceux dont peu peut
    est été être déjà très même ça où après à là
    the and for are but not you all any can her was one our out has have had his how
    its may new now old see two way who did get let put say she too use with this that
    from they will would there their what when which while where your about into than
    then them these those been being were just over also only very some more most such
    rt via amp http https www com
    """.split()  # noqa: SIM905 (a list of 200 words reads better as text)
)
_URL_RE: Final = re.compile(r"https?://\S+|www\.\S+|@[\w.@-]+", re.IGNORECASE)
_TERM_RE: Final = re.compile(r"#\w+|\w+")


# --- the figures ------------------------------------------------------------------------
@dataclass(frozen=True)
class Series:
    """One stacked layer of a chart: a platform or a category, one value per hour."""

    key: str
    label: str
    colour: str
    values: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.values)


@dataclass(frozen=True)
class Volume:
    by_platform: tuple[Series, ...]  # largest first
    by_category: tuple[Series, ...]  # in Category order, then uncategorised
    total: int
    last_hour: int  # posts in the current (partial) hour


@dataclass(frozen=True)
class Backlog:
    open_items: int  # queue items not decided yet (waiting or held)
    waiting: int  # open items nobody holds
    urgent_waiting: int  # of which predicted urgent
    in_triage: int  # held under a live lease


@dataclass(frozen=True)
class Throughput:
    per_hour: tuple[int, ...]  # triage decisions (skips and undone ones excluded)
    total: int
    last_hour: int


@dataclass(frozen=True)
class Funnel:
    """Since the activation started (not limited to the window)."""

    relevant_items: int  # items decided relevant, urgent or needing verification
    cases_opened: int
    unverified: int  # opened, not worked on yet
    in_progress: int
    verified: int
    false: int
    misleading: int
    unverifiable: int

    @property
    def concluded(self) -> int:
        return self.verified + self.false + self.misleading + self.unverifiable


@dataclass(frozen=True)
class Ranked:
    label: str
    count: int


@dataclass(frozen=True)
class OpenEscalation:
    id: int
    summary: str
    raised_at: dt.datetime
    age_seconds: int


@dataclass(frozen=True)
class Escalations:
    raised: int  # raised in the window
    acknowledged: int  # of which acknowledged
    median_ack_seconds: int | None  # acknowledgement time of those
    p90_ack_seconds: int | None
    open_now: int  # waiting for acknowledgement now (whenever raised)
    oldest_open: tuple[
        OpenEscalation, ...
    ]  # oldest first, at most OPEN_ESCALATIONS_SHOWN


@dataclass(frozen=True)
class DashboardFigures:
    activation_id: int
    hours: int
    generated_at: dt.datetime
    window_start: dt.datetime  # start of the first hour bucket (UTC, on the hour)
    buckets: tuple[
        dt.datetime, ...
    ]  # start of each hour; the last one is the current hour
    volume: Volume
    backlog: Backlog
    throughput: Throughput
    funnel: Funnel
    top_places: tuple[Ranked, ...]
    top_terms: tuple[Ranked, ...]
    escalations: Escalations


# --- queries ----------------------------------------------------------------------------
# One pass per table for the per-hour series and the top places.
_SERIES_SQL: Final = """
SELECT 'post' AS what, floor(extract(epoch FROM posted_at - %(start)s) / 3600)::int AS b,
       platform AS k1, category AS k2, count(*) AS n
FROM monitoring_post
WHERE activation_id = %(activation)s AND posted_at >= %(start)s AND posted_at < %(end)s
GROUP BY 2, 3, 4
UNION ALL
SELECT 'decision', floor(extract(epoch FROM created_at - %(start)s) / 3600)::int, '', '',
       count(*)
FROM monitoring_triagedecision
WHERE activation_id = %(activation)s AND created_at >= %(start)s AND created_at < %(end)s
  AND undone_at IS NULL AND kind <> 'skip'
GROUP BY 2
UNION ALL
SELECT 'place', 0, place_name, '', n FROM (
    SELECT place_name, count(*) AS n FROM monitoring_post
    WHERE activation_id = %(activation)s AND posted_at >= %(start)s
      AND posted_at < %(end)s AND place_name <> ''
    GROUP BY place_name ORDER BY n DESC, place_name LIMIT %(top)s
) AS places
"""

# The point-in-time figures, in one row.
_STATE_SQL: Final = """
SELECT c.open_items, c.waiting, c.urgent, c.held, c.relevant,
       k.opened, k.unverified, k.in_progress, k.verified, k.false_, k.misleading,
       k.unverifiable,
       e.raised, e.acknowledged, e.median_ack, e.p90_ack, o.open_now
FROM (
    SELECT count(*) FILTER (WHERE status IN ('new', 'in_triage')
                            AND representative_id IS NOT NULL) AS open_items,
           count(*) FILTER (WHERE representative_id IS NOT NULL AND (status = 'new'
                            OR (status = 'in_triage' AND lease_expires_at < %(now)s)))
               AS waiting,
           count(*) FILTER (WHERE representative_id IS NOT NULL AND (status = 'new'
                            OR (status = 'in_triage' AND lease_expires_at < %(now)s))
                            AND priority >= %(urgent)s) AS urgent,
           count(*) FILTER (WHERE representative_id IS NOT NULL
                            AND status = 'in_triage' AND lease_expires_at >= %(now)s)
               AS held,
           count(*) FILTER (WHERE decision = ANY(%(relevant)s)) AS relevant
    FROM monitoring_cluster WHERE activation_id = %(activation)s
) AS c, (
    SELECT count(*) AS opened,
           count(*) FILTER (WHERE status = 'unverified') AS unverified,
           count(*) FILTER (WHERE status = 'in_progress') AS in_progress,
           count(*) FILTER (WHERE status = 'verified') AS verified,
           count(*) FILTER (WHERE status = 'false') AS false_,
           count(*) FILTER (WHERE status = 'misleading') AS misleading,
           count(*) FILTER (WHERE status = 'unverifiable') AS unverifiable
    FROM verification_case WHERE activation_id = %(activation)s
) AS k, (
    SELECT count(*) AS raised,
           count(*) FILTER (WHERE acknowledged_at IS NOT NULL) AS acknowledged,
           percentile_cont(0.5) WITHIN GROUP (
               ORDER BY extract(epoch FROM acknowledged_at - created_at))
               FILTER (WHERE acknowledged_at IS NOT NULL) AS median_ack,
           percentile_cont(0.9) WITHIN GROUP (
               ORDER BY extract(epoch FROM acknowledged_at - created_at))
               FILTER (WHERE acknowledged_at IS NOT NULL) AS p90_ack
    FROM monitoring_escalation
    WHERE activation_id = %(activation)s AND created_at >= %(start)s
) AS e, (
    SELECT count(*) AS open_now FROM monitoring_escalation
    WHERE activation_id = %(activation)s AND status = 'open'
) AS o
"""


def window(*, hours: int, now: dt.datetime) -> tuple[dt.datetime, ...]:
    """Start of each hour bucket, the last being the current (partial) hour."""
    current = now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    return tuple(current - dt.timedelta(hours=hours - 1 - i) for i in range(hours))


def _seconds(value: float | None) -> int | None:
    return None if value is None else round(value)


def terms_count(texts: list[str], *, top: int = TOP_N) -> tuple[Ranked, ...]:
    """The most frequent words and hashtags (each counted once per post), without
    FR/EN stop words, links, mentions, numbers and words under three letters."""
    counts: Counter[str] = Counter()
    for text in texts:
        words = set()
        for word in _TERM_RE.findall(_URL_RE.sub(" ", text.lower())):
            bare = word.lstrip("#")
            if len(bare) < 3 or bare.isdigit() or bare[0] == "_":
                continue
            if not word.startswith("#") and word in STOP_WORDS:
                continue
            words.add(word)
        counts.update(words)
    ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))[:top]
    return tuple(Ranked(label=word, count=n) for word, n in ranked)


def dashboard_figures(
    *,
    activation: Activation,
    hours: int = DEFAULT_HOURS,
    now: dt.datetime | None = None,
) -> DashboardFigures:
    """The dashboard's figures over the last ``hours`` hour buckets, in four queries."""
    if hours not in WINDOWS:
        raise ValueError(f"hours must be one of {WINDOWS}")
    now = now or timezone.now()
    buckets = window(hours=hours, now=now)
    start, end = buckets[0], buckets[-1] + dt.timedelta(hours=1)
    params: dict[str, Any] = {
        "activation": activation.pk,
        "start": start,
        "end": end,
        "now": now,
        "top": TOP_N,
        "urgent": URGENT_PRIORITY,
        "relevant": list(RELEVANT_DECISIONS),
    }
    by_platform: dict[str, list[int]] = {}
    by_category: dict[str, list[int]] = {}
    decisions = [0] * hours
    places: list[Ranked] = []
    with connection.cursor() as cursor:
        cursor.execute(_SERIES_SQL, params)
        for what, bucket, key1, key2, n in cursor.fetchall():
            if what == "place":
                places.append(Ranked(label=key1, count=n))
            elif not 0 <= bucket < hours:
                continue
            elif what == "decision":
                decisions[bucket] += n
            else:
                by_platform.setdefault(key1, [0] * hours)[bucket] += n
                by_category.setdefault(key2 or UNCATEGORISED, [0] * hours)[bucket] += n
        cursor.execute(_STATE_SQL, params)
        state = cursor.fetchone()
    oldest = list(
        Escalation.objects.filter(activation=activation, status=Escalation.Status.OPEN)
        .order_by("created_at", "pk")
        .values_list("pk", "summary", "created_at")[:OPEN_ESCALATIONS_SHOWN]
    )
    texts = list(
        Post.objects.filter(
            activation=activation, posted_at__gte=start, posted_at__lt=end
        )
        .order_by("-posted_at")
        .values_list("text", flat=True)[:TERM_SAMPLE]
    )
    (
        open_items, waiting, urgent, held, relevant,
        opened, unverified, in_progress, verified, false, misleading, unverifiable,
        raised, acknowledged, median_ack, p90_ack, open_now,
    ) = state  # fmt: skip

    platform_labels = dict(Platform.choices)
    platforms = sorted(
        (
            Series(
                key=key,
                label=str(platform_labels.get(key, key)),
                colour=PLATFORM_COLOURS.get(key, "#95a5a6"),
                values=tuple(values),
            )
            for key, values in by_platform.items()
        ),
        key=lambda series: (-series.total, series.key),
    )
    category_order = [value for value, _label in Category.choices] + [UNCATEGORISED]
    category_labels = dict(Category.choices)
    categories = [
        Series(
            key=key,
            label=str(category_labels.get(key, "")) or "-",
            colour=category_colour(key),
            values=tuple(by_category[key]),
        )
        for key in category_order
        if key in by_category
    ]
    total = sum(series.total for series in platforms)
    return DashboardFigures(
        activation_id=activation.pk,
        hours=hours,
        generated_at=now,
        window_start=start,
        buckets=buckets,
        volume=Volume(
            by_platform=tuple(platforms),
            by_category=tuple(categories),
            total=total,
            last_hour=sum(series.values[-1] for series in platforms),
        ),
        backlog=Backlog(
            open_items=open_items,
            waiting=waiting,
            urgent_waiting=urgent,
            in_triage=held,
        ),
        throughput=Throughput(
            per_hour=tuple(decisions), total=sum(decisions), last_hour=decisions[-1]
        ),
        funnel=Funnel(
            relevant_items=relevant,
            cases_opened=opened,
            unverified=unverified,
            in_progress=in_progress,
            verified=verified,
            false=false,
            misleading=misleading,
            unverifiable=unverifiable,
        ),
        top_places=tuple(places),
        top_terms=terms_count(texts),
        escalations=Escalations(
            raised=raised,
            acknowledged=acknowledged,
            median_ack_seconds=_seconds(median_ack),
            p90_ack_seconds=_seconds(p90_ack),
            open_now=open_now,
            oldest_open=tuple(
                OpenEscalation(
                    id=pk,
                    summary=summary,
                    raised_at=created_at,
                    age_seconds=max(0, int((now - created_at).total_seconds())),
                )
                for pk, summary, created_at in oldest
            ),
        ),
    )


def _snapshot_key(activation_id: int, hours: int) -> str:
    return f"dashboards:figures:{activation_id}:{hours}"


def dashboard_snapshot(*, activation: Activation, hours: int) -> DashboardFigures:
    """``dashboard_figures``, shared by every viewer for SNAPSHOT_MAX_AGE seconds.

    When the snapshot expires, the first poller computes it under a short lock;
    the others wait briefly for its result rather than computing it again.
    """
    key = _snapshot_key(activation.pk, hours)
    try:
        cached = cache.get(key)
        if isinstance(cached, DashboardFigures):
            return cached
        if not cache.add(f"{key}:lock", 1, 10):
            for _attempt in range(20):  # up to 2 s
                time.sleep(0.1)
                cached = cache.get(key)
                if isinstance(cached, DashboardFigures):
                    return cached
    except Exception:  # a cache outage costs a computation, not the page
        logger.warning("cache unavailable; dashboard figures computed", exc_info=True)
        return dashboard_figures(activation=activation, hours=hours)
    figures = dashboard_figures(activation=activation, hours=hours)
    try:
        cache.set(key, figures, SNAPSHOT_MAX_AGE)
        cache.delete(f"{key}:lock")
    except Exception:
        logger.warning("cache unavailable; dashboard figures not shared", exc_info=True)
    return figures
