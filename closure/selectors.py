"""After-action review figures: what the activation took in, did, and how fast.

Medians are computed by PostgreSQL (``percentile_cont(0.5)``), in seconds. The
result is plain JSON (times as ISO 8601 strings) so it can be frozen in
``AfterActionReview.figures`` when the activation closes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import (
    Aggregate,
    Count,
    DateTimeField,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    Subquery,
)
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from activations.models import Activation, LogEntry, ShiftAssignment
from closure.models import AfterActionReview
from monitoring.models import Category, Cluster, Escalation, Post, TriageDecision
from verification.models import Case, CaseEvent

TIMELINE_LIMIT = 500
# Coverage gaps shorter than this are hand-over noise, not gaps.
MIN_GAP = dt.timedelta(minutes=15)
# Log kinds that belong in the timeline (check-ins and roster edits are in the coverage).
TIMELINE_LOG_KINDS = (
    LogEntry.Kind.NOTE,
    LogEntry.Kind.DECISION,
    LogEntry.Kind.STATUS,
    LogEntry.Kind.CORRECTION,
)


class Median(Aggregate):
    """percentile_cont(0.5): the exact median (interpolated for an even count)."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


class Seconds(Func):
    """EXTRACT(EPOCH FROM end - start): an interval in seconds."""

    template = "EXTRACT(EPOCH FROM (%(expressions)s))"
    arg_joiner = " - "
    output_field = FloatField()


def _period(
    activation: Activation, now: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    start = activation.activated_at or activation.requested_at
    end = activation.closed_at or now
    return start, max(start, end)


def _seconds(value: Any) -> float | None:
    return None if value is None else float(value)


def _median_to_triage(activation: Activation) -> float | None:
    """Post received -> first (kept, non-skip) decision on its cluster. Posts that
    joined their cluster after it was decided never waited in the queue: left out."""
    first_decision = (
        TriageDecision.objects.filter(
            cluster=OuterRef("cluster"), undone_at__isnull=True
        )
        .exclude(kind=TriageDecision.Kind.SKIP)
        .order_by("created_at")
        .values("created_at")[:1]
    )
    result = (
        Post.objects.filter(activation=activation, cluster__isnull=False)
        .annotate(first_at=Subquery(first_decision, output_field=DateTimeField()))
        .filter(first_at__gte=F("received_at"))
        .aggregate(m=Median(Seconds(F("first_at"), F("received_at"))))
    )
    return _seconds(result["m"])


def _median_to_verify(activation: Activation) -> float | None:
    """Case opened -> its verdict confirmed by the second reviewer."""
    confirmed = (
        CaseEvent.objects.filter(case=OuterRef("pk"), kind=CaseEvent.Kind.CONFIRMED)
        .order_by("at")
        .values("at")[:1]
    )
    result = (
        Case.objects.filter(activation=activation)
        .annotate(confirmed_at=Subquery(confirmed, output_field=DateTimeField()))
        .filter(confirmed_at__isnull=False)
        .aggregate(m=Median(Seconds(F("confirmed_at"), F("created_at"))))
    )
    return _seconds(result["m"])


def _median_to_acknowledge(activation: Activation) -> float | None:
    """Escalation raised -> acknowledged."""
    result = Escalation.objects.filter(
        activation=activation, acknowledged_at__isnull=False
    ).aggregate(m=Median(Seconds(F("acknowledged_at"), F("created_at"))))
    return _seconds(result["m"])


def _coverage(
    activation: Activation, start: dt.datetime, end: dt.datetime
) -> dict[str, Any]:
    """Union of checked-in periods (to check-out, else the shift's end) within
    the activation, and the gaps between them."""
    periods: list[tuple[dt.datetime, dt.datetime]] = []
    for assignment in ShiftAssignment.objects.filter(
        shift__activation=activation, checked_in_at__isnull=False
    ).select_related("shift"):
        assert assignment.checked_in_at is not None  # noqa: S101 - filtered above
        out = assignment.checked_out_at or assignment.shift.ends_at
        periods.append((max(start, assignment.checked_in_at), min(end, out)))
    periods.sort()
    merged: list[list[dt.datetime]] = []
    for begin, finish in periods:
        if finish <= begin:
            continue
        if merged and begin <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], finish)
        else:
            merged.append([begin, finish])
    covered = sum(((b - a) for a, b in merged), dt.timedelta())
    gaps: list[dict[str, Any]] = []
    cursor = start
    for begin, finish in [*merged, [end, end]]:
        if begin - cursor >= MIN_GAP:
            gaps.append(
                {
                    "start": cursor.isoformat(),
                    "end": begin.isoformat(),
                    "hours": round((begin - cursor).total_seconds() / 3600, 2),
                }
            )
        cursor = max(cursor, finish)
    total = (end - start).total_seconds()
    return {
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "duration_hours": round(total / 3600, 2),
        "covered_hours": round(covered.total_seconds() / 3600, 2),
        "ratio": round(covered.total_seconds() / total, 4) if total else None,
        "gaps": gaps,
    }


def _event(at: dt.datetime, kind: str, text: str) -> dict[str, str]:
    return {"at": at.isoformat(), "kind": kind, "text": text}


def _published_reports(activation: Activation) -> list[dict[str, str]]:
    """Reports published (the reports app is optional here: imported lazily)."""
    try:
        from reports.models import SituationReport  # type: ignore[attr-defined, unused-ignore]
    except ImportError:
        return []
    events = []
    for report in SituationReport.objects.filter(
        activation=activation, status="published"
    ):
        at = getattr(report, "published_at", None) or report.updated_at
        number = getattr(report, "number", "")
        text = (
            _("Final situation report %(number)s published.")
            if getattr(report, "is_final", False)
            else _("Situation report %(number)s published.")
        ) % {"number": number}
        events.append(_event(at, "report", text))
    return events


def _timeline(activation: Activation) -> list[dict[str, str]]:
    events: list[dict[str, str]] = []
    if activation.activated_at:
        events.append(
            _event(activation.activated_at, "opened", _("Activation opened."))
        )
    for at, kind, text in LogEntry.objects.filter(
        activation=activation, kind__in=TIMELINE_LOG_KINDS
    ).values_list("at", "kind", "text")[:TIMELINE_LIMIT]:
        events.append(_event(at, f"log_{kind}", text))
    for escalation in Escalation.objects.filter(activation=activation).only(
        "created_at", "summary", "acknowledged_at"
    ):
        events.append(
            _event(
                escalation.created_at,
                "escalation",
                _("Escalation raised: %(summary)s") % {"summary": escalation.summary},
            )
        )
        if escalation.acknowledged_at:
            events.append(
                _event(
                    escalation.acknowledged_at,
                    "acknowledged",
                    _("Escalation acknowledged: %(summary)s")
                    % {"summary": escalation.summary},
                )
            )
    events.extend(_published_reports(activation))
    events.sort(key=lambda e: e["at"])
    events = events[: TIMELINE_LIMIT - 1]
    if activation.closed_at:
        # Last by definition (its log line is written a moment after closed_at).
        events.append(
            _event(
                activation.closed_at,
                "closed",
                _("Activation closed: %(reason)s")
                % {"reason": activation.close_reason},
            )
        )
    return events


def aar_compute(
    *, activation: Activation, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Every figure of the after-action review, as JSON-ready data. Read-only;
    callers checked VIEW_AFTER_ACTION."""
    now = now or timezone.now()
    start, end = _period(activation, now)
    decisions = TriageDecision.objects.filter(
        activation=activation, undone_at__isnull=True
    ).exclude(kind=TriageDecision.Kind.SKIP)
    labels = dict(Category.choices)
    by_category = [
        {
            "category": row["category"],
            "label": str(labels.get(row["category"], _("Uncategorised"))),
            "count": row["n"],
        }
        for row in Cluster.objects.filter(activation=activation)
        .exclude(decision__in=["", TriageDecision.Kind.SKIP])
        .values("category")
        .annotate(n=Count("pk"))
        .order_by("-n", "category")
    ]
    cases = Case.objects.filter(activation=activation).aggregate(
        opened=Count("pk"),
        verified=Count("pk", filter=Q(status=Case.Status.VERIFIED)),
        debunked=Count(
            "pk", filter=Q(status__in=[Case.Status.FALSE, Case.Status.MISLEADING])
        ),
    )
    escalations = Escalation.objects.filter(activation=activation).aggregate(
        raised=Count("pk"),
        acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False)),
    )
    return {
        "computed_at": now.isoformat(),
        "volumes": {
            "ingested": Post.objects.filter(activation=activation).count(),
            "items": Cluster.objects.filter(activation=activation).count(),
            "triaged": decisions.count(),
            "cases_opened": cases["opened"],
            "verified": cases["verified"],
            "debunked": cases["debunked"],
            "escalations": escalations["raised"],
            "escalations_acknowledged": escalations["acknowledged"],
        },
        "medians_seconds": {
            "to_triage": _median_to_triage(activation),
            "to_verify": _median_to_verify(activation),
            "to_acknowledge": _median_to_acknowledge(activation),
        },
        "coverage": _coverage(activation, start, end),
        "by_category": by_category,
        "timeline": _timeline(activation),
    }


def aar_get(*, activation: Activation) -> AfterActionReview | None:
    return AfterActionReview.objects.filter(activation=activation).first()


def aar_figures(*, activation: Activation) -> dict[str, Any]:
    """The frozen figures once closed (computed live before, as a preview)."""
    review = aar_get(activation=activation)
    if review is not None and review.figures:
        figures: dict[str, Any] = review.figures
        return figures
    return aar_compute(activation=activation)


def with_datetimes(figures: dict[str, Any]) -> dict[str, Any]:
    """A copy of `figures` with ISO strings turned back into datetimes (for templates)."""

    def parse(value: str) -> dt.datetime | None:
        return parse_datetime(value) if value else None

    coverage = dict(figures["coverage"])
    coverage["period_start"] = parse(coverage["period_start"])
    coverage["period_end"] = parse(coverage["period_end"])
    coverage["gaps"] = [
        {**gap, "start": parse(gap["start"]), "end": parse(gap["end"])}
        for gap in coverage["gaps"]
    ]
    return {
        **figures,
        "computed_at": parse(figures["computed_at"]),
        "coverage": coverage,
        "timeline": [{**e, "at": parse(e["at"])} for e in figures["timeline"]],
    }
