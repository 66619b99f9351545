"""Composing a situation report's data from the period's verified items.

Everything here reads; ``report_data`` returns a JSON-serialisable snapshot (codes,
numbers and ISO times, no translated text: labels are given when the report is
shown, in the reader's language). Counts are database aggregations, so a period of
thousands of items costs a handful of queries.
"""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any

from django.db.models import Count, Q

from activations.models import Activation, ShiftAssignment
from mapping.models import Incident, MapItem, Verification
from monitoring.models import Escalation, Platform, Source
from reports.svgmap import Dot, render_svg
from verification.models import Relay, Rumour, RumourEvent

KEY_ITEMS = 8  # highest-priority verified items listed as key events
MAX_ROWS = 30  # rows per list in a report (the counts say how many there were)
MIN_GAP = dt.timedelta(minutes=30)  # shorter uncovered spells are not reported
# The platforms a VOST is expected to watch; one without an enabled source is a limitation.
WATCHED_PLATFORMS = (Platform.X, Platform.MASTODON, Platform.BLUESKY, Platform.RSS)


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _trend(current: int, previous: int) -> str:
    if current > previous:
        return "up"
    if current < previous:
        return "down"
    return "same"


def _verified(activation: Activation, start: dt.datetime, end: dt.datetime) -> Any:
    return MapItem.objects.filter(
        activation=activation,
        verification=Verification.VERIFIED,
        observed_at__gte=start,
        observed_at__lt=end,
    )


def counts_by_category(
    *, activation: Activation, start: dt.datetime, end: dt.datetime
) -> dict[str, Any]:
    """Verified items per category in [start, end) against the previous period of
    the same length (one aggregation query)."""
    previous_start = start - (end - start)
    rows = (
        MapItem.objects.filter(
            activation=activation,
            verification=Verification.VERIFIED,
            observed_at__gte=previous_start,
            observed_at__lt=end,
        )
        .values("category")
        .annotate(
            current=Count("pk", filter=Q(observed_at__gte=start)),
            previous=Count("pk", filter=Q(observed_at__lt=start)),
        )
        .order_by("category")
    )
    out = []
    for row in rows:
        current, previous = row["current"], row["previous"]
        out.append(
            {
                "category": row["category"],
                "current": current,
                "previous": previous,
                "delta": current - previous,
                "trend": _trend(current, previous),
            }
        )
    out.sort(key=lambda r: (-r["current"], -r["previous"], r["category"]))
    total = sum(r["current"] for r in out)
    total_previous = sum(r["previous"] for r in out)
    return {
        "rows": out,
        "total": total,
        "total_previous": total_previous,
        "delta": total - total_previous,
        "trend": _trend(total, total_previous),
        "previous_start": _iso(previous_start),
        "previous_end": _iso(start),
    }


def _item(row: MapItem) -> dict[str, Any]:
    return {
        "id": row.pk,
        "category": row.category,
        "summary": row.summary,  # untrusted text: escaped wherever shown
        "place_name": row.place_name,
        "observed_at": _iso(row.observed_at),
        "urgent": row.urgent,
    }


def key_events(
    *, activation: Activation, start: dt.datetime, end: dt.datetime
) -> dict[str, Any]:
    """Confirmed incidents active in the period, urgent verified items, and the
    verified items of highest priority."""
    incidents = (
        Incident.objects.filter(
            activation=activation,
            status=Incident.Status.CONFIRMED,
            started_at__lt=end,
            ended_at__gte=start,
        )
        .order_by("-item_count", "number")
        .values("number", "title", "category", "item_count", "started_at", "ended_at")
    )
    verified = _verified(activation, start, end).only(
        "pk", "category", "summary", "place_name", "observed_at", "urgent"
    )
    urgent = verified.filter(urgent=True).order_by("-observed_at")
    urgent_ids = list(urgent.values_list("pk", flat=True)[:MAX_ROWS])
    top = verified.exclude(pk__in=urgent_ids).order_by(
        "-cluster__priority", "-observed_at"
    )[:KEY_ITEMS]
    return {
        "incidents": [
            {
                "number": i["number"],
                "title": i["title"],
                "category": i["category"],
                "item_count": i["item_count"],
                "started_at": _iso(i["started_at"]),
                "ended_at": _iso(i["ended_at"]),
            }
            for i in incidents[:MAX_ROWS]
        ],
        "urgent_items": [_item(row) for row in urgent[:MAX_ROWS]],
        "urgent_total": urgent.count(),
        "top_items": [_item(row) for row in top],
    }


def urgent_escalations(
    *, activation: Activation, start: dt.datetime, end: dt.datetime
) -> dict[str, Any]:
    """Escalations raised in the period, with when (and after how long) they were
    acknowledged."""
    rows = list(
        Escalation.objects.filter(
            activation=activation, created_at__gte=start, created_at__lt=end
        )
        .select_related("acknowledged_by")
        .order_by("created_at")
    )
    delays: list[float] = []
    out = []
    for esc in rows:
        delay = None
        if esc.acknowledged_at is not None:
            delay = round(
                (esc.acknowledged_at - esc.created_at).total_seconds() / 60, 1
            )
            delays.append(delay)
        out.append(
            {
                "summary": esc.summary,
                "status": esc.status,
                "raised_at": _iso(esc.created_at),
                "acknowledged_at": _iso(esc.acknowledged_at),
                "acknowledged_by": (
                    esc.acknowledged_by.get_full_name()
                    or esc.acknowledged_by.get_username()
                )
                if esc.acknowledged_by
                else "",
                "delay_minutes": delay,
            }
        )
    return {
        "escalations": out[:MAX_ROWS],
        "count": len(out),
        "acknowledged": len(delays),
        "open": sum(1 for r in out if r["status"] == Escalation.Status.OPEN),
        "median_delay_minutes": round(statistics.median(delays), 1) if delays else None,
        "max_delay_minutes": max(delays) if delays else None,
    }


def rumours(
    *, activation: Activation, start: dt.datetime, end: dt.datetime
) -> dict[str, Any]:
    """Rumours first seen or changing status in the period, with their counter-message
    and relays."""
    changed = RumourEvent.objects.filter(
        rumour__activation=activation, kind="status", at__gte=start, at__lt=end
    ).values("rumour_id")
    rows = (
        Rumour.objects.filter(activation=activation)
        .filter(Q(first_seen_at__gte=start, first_seen_at__lt=end) | Q(pk__in=changed))
        .annotate(
            status_changes=Count(
                "events",
                filter=Q(
                    events__kind="status", events__at__gte=start, events__at__lt=end
                ),
                distinct=True,
            ),
            relay_count=Count(
                "relays",
                filter=Q(relays__relayed_at__gte=start, relays__relayed_at__lt=end),
                distinct=True,
            ),
        )
        .order_by("number")
    )
    out = [
        {
            "number": r.number,
            "claim": r.claim[:300],  # untrusted text
            "status": r.status,
            "new": start <= r.first_seen_at < end,
            "status_changes": r.status_changes,
            "counter_status": r.counter_status,
            "relays": r.relay_count,
        }
        for r in rows
    ]
    return {
        "rows": out[:MAX_ROWS],
        "count": len(out),
        "debunked": sum(1 for r in out if r["status"] == Rumour.Status.DEBUNKED),
        "confirmed": sum(1 for r in out if r["status"] == Rumour.Status.CONFIRMED),
        "relays": Relay.objects.filter(
            rumour__activation=activation, relayed_at__gte=start, relayed_at__lt=end
        ).count(),
    }


def coverage(
    *, activation: Activation, start: dt.datetime, end: dt.datetime
) -> dict[str, Any]:
    """Hours with at least one checked-in volunteer against the period's length, the
    person-hours on duty and the uncovered spells of 30 min or more."""
    spans: list[tuple[dt.datetime, dt.datetime]] = []
    people: set[int] = set()
    person_seconds = 0.0
    for user_id, came, left in (
        ShiftAssignment.objects.filter(
            shift__activation=activation,
            checked_in_at__isnull=False,
            checked_in_at__lt=end,
        )
        .filter(Q(checked_out_at__isnull=True) | Q(checked_out_at__gt=start))
        .values_list("user_id", "checked_in_at", "checked_out_at")
    ):
        if came is None:  # excluded by the filter; for the type checker
            continue
        lo, hi = max(came, start), min(left or end, end)
        if hi <= lo:
            continue
        spans.append((lo, hi))
        people.add(user_id)
        person_seconds += (hi - lo).total_seconds()
    spans.sort()
    covered = 0.0
    gaps = []
    cursor = start
    for lo, hi in spans:
        if lo > cursor:
            if lo - cursor >= MIN_GAP:
                gaps.append((cursor, lo))
            cursor = lo
        if hi > cursor:
            covered += (hi - cursor).total_seconds()
            cursor = hi
    if end - cursor >= MIN_GAP:
        gaps.append((cursor, end))
    period = (end - start).total_seconds()
    return {
        "period_hours": round(period / 3600, 1),
        "covered_hours": round(covered / 3600, 1),
        "covered_percent": round(100 * covered / period) if period else 0,
        "person_hours": round(person_seconds / 3600, 1),
        "volunteers": len(people),
        "gaps": [
            {
                "start": _iso(lo),
                "end": _iso(hi),
                "hours": round((hi - lo).total_seconds() / 3600, 1),
            }
            for lo, hi in gaps[:MAX_ROWS]
        ],
    }


def limitations(
    *, activation: Activation, start: dt.datetime, end: dt.datetime
) -> dict[str, Any]:
    """What the report may miss: paused or failing sources, platforms without a
    source, items of the period not verified (so not counted)."""
    sources = list(
        Source.objects.filter(activation=activation).values(
            "name",
            "platform",
            "is_enabled",
            "paused_reason",
            "consecutive_failures",
            "last_error_at",
        )
    )
    paused = [
        {"name": s["name"], "platform": s["platform"], "reason": s["paused_reason"]}
        for s in sources
        if not s["is_enabled"]
    ]
    failing = [
        {
            "name": s["name"],
            "platform": s["platform"],
            "failures": s["consecutive_failures"],
            "last_error_at": _iso(s["last_error_at"]),
        }
        for s in sources
        if s["is_enabled"]
        and (
            s["consecutive_failures"] > 0
            or (s["last_error_at"] is not None and s["last_error_at"] >= start)
        )
    ]
    covered = {s["platform"] for s in sources if s["is_enabled"]}
    missing = [p.value for p in WATCHED_PLATFORMS if p.value not in covered]
    tally = MapItem.objects.filter(
        activation=activation, observed_at__gte=start, observed_at__lt=end
    ).aggregate(
        total=Count("pk"),
        verified=Count("pk", filter=Q(verification=Verification.VERIFIED)),
        pending=Count(
            "pk",
            filter=Q(
                verification__in=[
                    Verification.UNCHECKED,
                    Verification.UNVERIFIED,
                    Verification.IN_PROGRESS,
                ]
            ),
        ),
    )
    return {
        "paused_sources": paused,
        "failing_sources": failing,
        "platforms_not_covered": missing,
        "items_total": tally["total"],
        "items_verified": tally["verified"],
        "items_pending": tally["pending"],
    }


def map_dots(
    *, activation: Activation, start: dt.datetime, end: dt.datetime
) -> list[Dot]:
    return [
        Dot(lon=x, lat=y, category=category, urgent=urgent)
        for x, y, category, urgent in _verified(activation, start, end).values_list(
            "mx", "my", "category", "urgent"
        )
        for x, y in [_lonlat(x, y)]
    ]


def _lonlat(mx: float, my: float) -> tuple[float, float]:
    import math

    radius = 6378137.0
    return (
        math.degrees(mx / radius),
        math.degrees(2 * math.atan(math.exp(my / radius)) - math.pi / 2),
    )


def report_map_svg(
    *, activation: Activation, start: dt.datetime, end: dt.datetime, title: str = ""
) -> str:
    rings = [list(polygon[0].coords) for polygon in activation.area]
    return render_svg(
        rings=rings,
        dots=map_dots(activation=activation, start=start, end=end),
        title=title,
    )


def report_data(
    *, activation: Activation, start: dt.datetime, end: dt.datetime
) -> dict[str, Any]:
    """The composed snapshot of every section for the period [start, end)."""
    return {
        "period": {
            "start": _iso(start),
            "end": _iso(end),
            "hours": round((end - start).total_seconds() / 3600, 1),
        },
        "counts": counts_by_category(activation=activation, start=start, end=end),
        "key_events": key_events(activation=activation, start=start, end=end),
        "urgent": urgent_escalations(activation=activation, start=start, end=end),
        "rumours": rumours(activation=activation, start=start, end=end),
        "coverage": coverage(activation=activation, start=start, end=end),
        "limitations": limitations(activation=activation, start=start, end=end),
    }
