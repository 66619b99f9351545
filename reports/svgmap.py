"""A small server-side map: the activation's area and the period's verified items,
projected in Web Mercator, as a self-contained SVG (no tiles, no script).

Pure Python: the same picture is shown on the web page (as an image) and in the PDF.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from mapping.styles import category_colour
from mapping.sync import mercator

WIDTH = 800
HEIGHT = 500
PAD = 24


@dataclass(frozen=True)
class Dot:
    lon: float
    lat: float
    category: str
    urgent: bool = False


Ring = Sequence[tuple[float, float]]


def _nice_distance(metres: float) -> float:
    """The largest 1/2/5 x 10^n not above `metres`."""
    if metres <= 0:
        return 0
    power = float(10 ** math.floor(math.log10(metres)))
    for step in (5, 2, 1):
        if step * power <= metres:
            return float(step * power)
    return power


def render_svg(
    *,
    rings: Iterable[Ring],
    dots: Sequence[Dot],
    width: int = WIDTH,
    height: int = HEIGHT,
    title: str = "",
    scale_label: str = "{distance}",
) -> str:
    """The map as an SVG document. `rings` are the area's outer rings (lon, lat);
    `scale_label` formats the scale bar ("{distance}" is replaced)."""
    area = [[mercator(lon, lat) for lon, lat in ring] for ring in rings]
    points = [(mercator(d.lon, d.lat), d) for d in dots]
    xs = [x for ring in area for x, _y in ring] + [p[0][0] for p in points]
    ys = [y for ring in area for _x, y in ring] + [p[0][1] for p in points]
    if not xs:
        xs, ys = [0.0, 1.0], [0.0, 1.0]
    min_x, max_x, min_y, max_y = min(xs), max(xs), min(ys), max(ys)
    span_x = max(max_x - min_x, 500.0)  # at least 500 m across
    span_y = max(max_y - min_y, 500.0)
    scale = min((width - 2 * PAD) / span_x, (height - 2 * PAD) / span_y)
    mid_x, mid_y = (min_x + max_x) / 2, (min_y + max_y) / 2

    def px(x: float, y: float) -> tuple[float, float]:
        return width / 2 + (x - mid_x) * scale, height / 2 - (y - mid_y) * scale

    # Ground metres per Mercator metre at the map's centre latitude, for the scale bar.
    centre_lat = math.degrees(
        2 * math.atan(math.exp(((min_y + max_y) / 2) / 6378137.0)) - math.pi / 2
    )
    ground = math.cos(math.radians(centre_lat))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        f'font-family="DejaVu Sans, sans-serif">'
    ]
    if title:
        out.append(f"<title>{escape(title)}</title>")
    out.append(f'<rect width="{width}" height="{height}" fill="#f4f6f8"/>')
    for ring in area:
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{px(x, y)[0]:.1f},{px(x, y)[1]:.1f}"
            for i, (x, y) in enumerate(ring)
        )
        out.append(
            f'<path d="{path} Z" fill="#dde7f3" stroke="#1f4e99" '
            f'stroke-width="1.5" stroke-dasharray="6 3"/>'
        )
    # Urgent items last, so they stay on top.
    for (x, y), dot in sorted(points, key=lambda p: p[1].urgent):
        cx, cy = px(x, y)
        colour = category_colour(dot.category)
        if dot.urgent:
            out.append(
                f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="7.5" fill="none" '
                f'stroke="#d62728" stroke-width="2"/>'
            )
        out.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4.5" fill="{colour}" '
            f'fill-opacity="0.85" stroke="#ffffff" stroke-width="1"/>'
        )
    # Scale bar: about a fifth of the width.
    metres = _nice_distance(width / 5 / scale * ground)
    if metres:
        bar = metres / ground * scale
        x0, y0 = PAD, height - PAD / 2 - 4
        distance = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
        out.append(
            f'<path d="M{x0:.1f},{y0 - 5:.1f} V{y0:.1f} H{x0 + bar:.1f} V{y0 - 5:.1f}" '
            f'fill="none" stroke="#333333" stroke-width="1.5"/>'
        )
        out.append(
            f'<text x="{x0 + bar + 6:.1f}" y="{y0:.1f}" font-size="12" '
            f'fill="#333333">{escape(scale_label.replace("{distance}", distance))}</text>'
        )
    out.append("</svg>")
    return "".join(out)
