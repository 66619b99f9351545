"""Chart geometry for the dashboard's server-rendered SVG.

Pure arithmetic on the figures: rectangles, ticks and labels, drawn by
templates/dashboards/_charts.html (which escapes every label). No HTML here.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from dashboards.selectors import DashboardFigures, Ranked, Series

WIDTH = 720
HEIGHT = 240
LEFT, RIGHT, TOP, BOTTOM = 44, 36, 10, 28  # room for the last hour's label
BAR_ROW = 26  # height of a row of a horizontal bar chart
LABEL_W = 190  # room for the labels of a horizontal bar chart


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    colour: str
    title: str


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str
    anchor: str = "middle"  # SVG text-anchor


@dataclass(frozen=True)
class LegendEntry:
    label: str
    colour: str
    total: int


@dataclass(frozen=True)
class StackedChart:
    """Vertical stacked bars, one column per hour."""

    id: str
    title: str
    desc: str
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    rects: tuple[Rect, ...]
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]
    legend: tuple[LegendEntry, ...]
    table_head: tuple[str, ...]
    table_rows: tuple[tuple[str, ...], ...]
    empty: bool


@dataclass(frozen=True)
class HBar:
    label: str
    value: int
    y: float
    w: float
    colour: str
    text_y: float


@dataclass(frozen=True)
class HBarChart:
    """Horizontal bars with their label on the left and their value on the right."""

    id: str
    title: str
    desc: str
    width: int
    height: int
    label_w: int
    bar_h: int
    bars: tuple[HBar, ...]
    empty: bool


def nice_max(value: int) -> tuple[int, int]:
    """A round top for the axis and the step between its ticks (4 or 5 ticks)."""
    if value <= 0:
        return 1, 1
    raw = value / 4
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    for factor in (1, 2, 5, 10):
        step = max(1, int(factor * magnitude))
        if step * 4 >= value:
            return step * math.ceil(value / step), step
    return value, max(1, value // 4)  # pragma: no cover (the loop always ends)


def _hour_label(start: dt.datetime, tz: zoneinfo.ZoneInfo, with_day: bool) -> str:
    local = start.astimezone(tz)
    return date_format(local, "D H:i" if with_day else "H:i")


def stacked(
    *,
    chart_id: str,
    title: str,
    desc: str,
    buckets: Sequence[dt.datetime],
    series: Sequence[Series],
    tz: zoneinfo.ZoneInfo,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> StackedChart:
    hours = len(buckets)
    totals = [sum(s.values[i] for s in series) for i in range(hours)]
    top, step = nice_max(max(totals, default=0))
    plot_w = width - LEFT - RIGHT
    plot_h = height - TOP - BOTTOM
    column = plot_w / max(hours, 1)
    gap = min(2.0, column * 0.2)
    scale = plot_h / top
    with_day = hours > 24
    times = [_hour_label(start, tz, with_day) for start in buckets]
    rects: list[Rect] = []
    for i in range(hours):
        base: float = height - BOTTOM
        for s in series:
            value = s.values[i]
            if not value:
                continue
            h = value * scale
            base -= h
            rects.append(
                Rect(
                    x=round(LEFT + i * column + gap / 2, 2),
                    y=round(base, 2),
                    w=round(column - gap, 2),
                    h=round(h, 2),
                    colour=s.colour,
                    title=_("%(series)s, %(time)s: %(value)s")
                    % {"series": s.label, "time": times[i], "value": value},
                )
            )
    y_ticks = tuple(
        Tick(pos=round(height - BOTTOM - v * scale, 2), label=str(v))
        for v in range(0, top + 1, step)
    )
    label_w = max((len(t) for t in times), default=1) * 7 + 12  # ~7 px a character
    every = next((n for n in (1, 2, 3, 4, 6, 12, 24) if n * column >= label_w), 24)
    x_ticks = tuple(
        Tick(
            pos=round(LEFT + (i + 0.5) * column, 2) if i < hours - 1 else width - RIGHT,
            label=times[i],
            anchor="middle" if i < hours - 1 else "end",
        )
        for i in range(hours)
        if (hours - 1 - i) % every == 0
    )
    head = (_("Hour"), *(s.label for s in series), _("Total"))
    rows = tuple(
        (times[i], *(str(s.values[i]) for s in series), str(totals[i]))
        for i in range(hours)
    )
    return StackedChart(
        id=chart_id,
        title=title,
        desc=desc,
        width=width,
        height=height,
        plot_left=LEFT,
        plot_right=width - RIGHT,
        plot_top=TOP,
        plot_bottom=height - BOTTOM,
        rects=tuple(rects),
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        legend=tuple(
            LegendEntry(label=s.label, colour=s.colour, total=s.total) for s in series
        ),
        table_head=head,
        table_rows=rows,
        empty=not any(totals),
    )


def hbars(
    *,
    chart_id: str,
    title: str,
    desc: str,
    items: Sequence[Ranked],
    colours: Sequence[str] | str = "#1f4e99",
    width: int = 460,
) -> HBarChart:
    top = max((item.count for item in items), default=0) or 1
    room = width - LABEL_W - 48  # leave room for the value after the bar
    bars = []
    for i, item in enumerate(items):
        colour = colours if isinstance(colours, str) else colours[i % len(colours)]
        bars.append(
            HBar(
                label=item.label,
                value=item.count,
                y=i * BAR_ROW + 3,
                w=round(max(item.count / top * room, 1 if item.count else 0), 2),
                colour=colour,
                text_y=i * BAR_ROW + BAR_ROW / 2 + 5,
            )
        )
    return HBarChart(
        id=chart_id,
        title=title,
        desc=desc,
        width=width,
        height=max(len(items), 1) * BAR_ROW,
        label_w=LABEL_W,
        bar_h=BAR_ROW - 6,
        bars=tuple(bars),
        empty=not items,
    )


def duration(seconds: int | None) -> str:
    """A short, readable duration ("45 s", "12 min", "3 h 05"); a dash for none."""
    if seconds is None:
        return "-"
    if seconds < 60:
        return _("%(s)d s") % {"s": seconds}
    if seconds < 3600:
        return _("%(m)d min") % {"m": seconds // 60}
    return _("%(h)d h %(m)02d") % {"h": seconds // 3600, "m": seconds % 3600 // 60}


def page_charts(
    *, figures: DashboardFigures, tz: zoneinfo.ZoneInfo
) -> dict[str, object]:
    """Everything the page draws from one snapshot of the figures."""
    window = _("last %(hours)d hours") % {"hours": figures.hours}
    funnel = figures.funnel
    steps = [
        (_("Items relevant"), funnel.relevant_items, "#5f6b7a"),
        (_("Cases opened"), funnel.cases_opened, "#1f4e99"),
        (_("In progress"), funnel.in_progress, "#e6b800"),
        (_("Verified"), funnel.verified, "#2ca02c"),
        (_("False"), funnel.false, "#d62728"),
        (_("Misleading"), funnel.misleading, "#ff7f0e"),
        (_("Unverifiable"), funnel.unverifiable, "#9aa3ad"),
    ]
    return {
        "platform_chart": stacked(
            chart_id="chart-platform",
            title=_("Posts per hour by platform"),
            desc=_("Stacked bars, one per hour, %(window)s; total %(total)d posts.")
            % {"window": window, "total": figures.volume.total},
            buckets=figures.buckets,
            series=figures.volume.by_platform,
            tz=tz,
        ),
        "category_chart": stacked(
            chart_id="chart-category",
            title=_("Posts per hour by category"),
            desc=_("Stacked bars, one per hour, %(window)s; total %(total)d posts.")
            % {"window": window, "total": figures.volume.total},
            buckets=figures.buckets,
            series=figures.volume.by_category,
            tz=tz,
        ),
        "throughput_chart": stacked(
            chart_id="chart-throughput",
            title=_("Triage decisions per hour"),
            desc=_("Bars, one per hour, %(window)s; %(total)d decisions.")
            % {"window": window, "total": figures.throughput.total},
            buckets=figures.buckets,
            series=[
                Series(
                    key="decisions",
                    label=_("Decisions"),
                    colour="#1f4e99",
                    values=figures.throughput.per_hour,
                )
            ],
            tz=tz,
            width=420,
            height=220,
        ),
        "funnel_chart": hbars(
            chart_id="chart-funnel",
            title=_("Verification funnel"),
            desc=_("Since the start of the activation: %(steps)s.")
            % {"steps": ", ".join(f"{label} {value}" for label, value, _c in steps)},
            items=[Ranked(label=label, count=value) for label, value, _c in steps],
            colours=[colour for _l, _v, colour in steps],
        ),
        "places_chart": hbars(
            chart_id="chart-places",
            title=_("Top places"),
            desc=_("Places most named in posts, %(window)s.") % {"window": window},
            items=figures.top_places,
            colours="#8c564b",
        ),
        "terms_chart": hbars(
            chart_id="chart-terms",
            title=_("Top terms and hashtags"),
            desc=_("Words and hashtags in the most posts, %(window)s.")
            % {"window": window},
            items=figures.top_terms,
            colours="#17becf",
        ),
        "median_ack": duration(figures.escalations.median_ack_seconds),
        "p90_ack": duration(figures.escalations.p90_ack_seconds),
        "open_escalation_rows": [
            (escalation, duration(escalation.age_seconds))
            for escalation in figures.escalations.oldest_open
        ],
    }
