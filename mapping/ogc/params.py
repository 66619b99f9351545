"""Query parameters of the OGC API, checked as OGC API - Features Part 1 asks.

- Unknown parameters: 400 (/req/core/query-param-unknown), except ``f``, the
  format (``json``; ``geojson`` too for features). A ``token`` parameter gets a
  400 telling to use the Authorization header (see mapping.ogc.auth).
- ``limit``: 1 to 10,000, default 100; above 10,000 it is lowered to 10,000 (the
  standard says a too large limit is no error), 0, negative or not an integer is
  a 400.
- ``offset``: where the page starts, 0 or more (our ``next`` links use it).
- ``bbox``: 4 numbers, minx,miny,maxx,maxy in WGS 84 longitude/latitude (CRS84),
  or 6 with heights (ignored: the data has none). A box crossing the
  antimeridian has minx > maxx. miny > maxy, a missing or non-finite number: 400.
  Values beyond the poles or the antimeridian (a GIS client zoomed out) are
  clipped (latitudes) or wrapped (longitudes), not refused.
- ``datetime``: an RFC 3339 date-time (with its offset) or an interval
  ``start/end``; ``..`` or nothing for an open end. A date-time to the second
  means that whole second, a plain date (also accepted) that whole UTC day.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from django.http import QueryDict
from django.utils.translation import gettext as _

from mapping.ogc.http import OgcError

LIMIT_DEFAULT: Final = 100
LIMIT_MAX: Final = 10_000
OFFSET_MAX: Final = 1_000_000_000
ITEMS_PARAMS: Final = frozenset({"f", "limit", "offset", "bbox", "datetime"})
INVALID: Final = "InvalidParameterValue"

Box = tuple[float, float, float, float]

_INTEGER = re.compile(r"^[0-9]{1,30}$")
_DATE_TIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+\- ]\d{2}:\d{2})$"
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?\s*$")


def _invalid(description: str) -> OgcError:
    return OgcError(400, INVALID, description)


def check_params(
    query: QueryDict, *, allowed: Iterable[str] = (), formats: Iterable[str] = ("json",)
) -> None:
    """400 for a parameter the endpoint does not know, a repeated one, or an
    ``f`` it cannot serve."""
    known = {"f", *allowed}
    for name in query:
        if name == "token":
            raise _invalid(
                _(
                    "Tokens are not accepted in the URL (URLs end up in logs and "
                    "histories): send them in the Authorization header, or as the "
                    "password of HTTP Basic authentication."
                )
            )
        if name not in known:
            raise _invalid(
                _("Unknown query parameter %(name)s. Allowed: %(allowed)s.")
                % {"name": name[:50], "allowed": ", ".join(sorted(known))}
            )
        if len(query.getlist(name)) > 1:
            raise _invalid(
                _("The parameter %(name)s is given more than once.") % {"name": name}
            )
    fmt = query.get("f")
    if fmt is not None and fmt.lower() not in set(formats):
        raise _invalid(
            _("Format f=%(f)s is not available here; use %(formats)s.")
            % {"f": fmt[:20], "formats": ", ".join(f"f={f}" for f in formats)}
        )


def parse_limit(value: str | None) -> int:
    if value is None or value == "":
        return LIMIT_DEFAULT
    if not _INTEGER.match(value) or int(value) < 1:
        raise _invalid(
            _("limit must be a whole number from 1 to %(max)s.") % {"max": LIMIT_MAX}
        )
    return min(int(value), LIMIT_MAX)


def parse_offset(value: str | None) -> int:
    if value is None or value == "":
        return 0
    if not _INTEGER.match(value) or int(value) > OFFSET_MAX:
        raise _invalid(_("offset must be a whole number, 0 or more."))
    return int(value)


def parse_bbox(value: str | None) -> tuple[Box, ...] | None:
    """The box as one or two lon/lat boxes (two when it crosses the antimeridian)."""
    if value is None:
        return None
    message = _(
        "bbox must be four numbers minx,miny,maxx,maxy in degrees of WGS 84 "
        "longitude/latitude (or six, with heights), for example 3.8,43.5,4.0,43.7."
    )
    parts = value.split(",")
    if len(parts) not in {4, 6} or not all(_NUMBER.match(p) for p in parts):
        raise _invalid(message)
    numbers = [float(part) for part in parts]
    if not all(math.isfinite(n) for n in numbers):
        raise _invalid(message)
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    minx, miny, maxx, maxy = numbers
    if miny > maxy:
        raise _invalid(_("bbox: the minimum latitude is above the maximum."))
    # GIS clients zoomed out may ask beyond the poles or the antimeridian:
    # latitudes are clipped, longitudes wrapped (190 is -170).
    miny, maxy = max(-90.0, miny), min(90.0, maxy)
    if maxx - minx >= 360:
        minx, maxx = -180.0, 180.0
    else:
        minx, maxx = _wrap(minx), _wrap(maxx)
    if minx > maxx:  # crosses the antimeridian
        return ((minx, miny, 180.0, maxy), (-180.0, miny, maxx, maxy))
    return ((minx, miny, maxx, maxy),)


def _wrap(lon: float) -> float:
    return lon if -180 <= lon <= 180 else (lon + 180) % 360 - 180


@dataclass(frozen=True)
class TimeFilter:
    """``start <= t`` and ``t <= end`` (``t < end`` when ``end_exclusive``); None: open."""

    start: dt.datetime | None
    end: dt.datetime | None
    end_exclusive: bool = False


def _moment(text: str, *, as_end: bool) -> tuple[dt.datetime, bool]:
    """One date-time or date: the instant, and whether it stands for a period
    (a date, or a time to the second); as an end, the end of that period."""
    if _DATE.match(text):
        day = dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)
        return (day + dt.timedelta(days=1) if as_end else day), True
    match = _DATE_TIME.match(text)
    if match is None:
        raise ValueError(text)
    date, time, fraction, offset = match.groups()
    offset = "+00:00" if offset in {"Z", "z"} else offset.replace(" ", "+")
    moment = dt.datetime.fromisoformat(f"{date}T{time}{(fraction or '')[:7]}{offset}")
    if fraction:
        return moment, False
    return (moment + dt.timedelta(seconds=1) if as_end else moment), True


def parse_datetime(value: str | None) -> TimeFilter | None:
    if value is None:
        return None
    message = _(
        "datetime must be an RFC 3339 date-time such as 2026-03-01T10:00:00Z, or an "
        "interval start/end where '..' or nothing leaves one end open."
    )
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    end_exclusive = False
    try:
        if "/" not in value:
            start = _moment(value, as_end=False)[0]
            end, end_exclusive = _moment(value, as_end=True)
            return TimeFilter(start=start, end=end, end_exclusive=end_exclusive)
        first, _sep, second = value.partition("/")
        if first in {"", ".."} and second in {"", ".."}:
            raise ValueError(value)
        if first not in {"", ".."}:
            start = _moment(first, as_end=False)[0]
        if second not in {"", ".."}:
            end, end_exclusive = _moment(second, as_end=True)
    except ValueError:
        raise _invalid(message) from None
    if start is not None and end is not None and start > end:
        raise _invalid(_("datetime: the interval ends before it starts."))
    return TimeFilter(start=start, end=end, end_exclusive=end_exclusive)
