"""Labels and times for the composed data of a report (stored as codes and ISO times)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django import template

from mapping.styles import category_colour
from monitoring.models import Category, Escalation, Platform
from verification.models import Rumour

register = template.Library()


@register.filter
def as_time(value: str | dt.datetime | None, tz: str) -> dt.datetime | None:
    """A time (or an ISO time of the snapshot) in the activation's time zone, for |date."""
    if not value:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.astimezone(zoneinfo.ZoneInfo(tz))


@register.filter
def category_label(value: str) -> str:
    return str(Category(value).label) if value in Category.values else value or "-"


@register.filter
def colour(value: str) -> str:
    return category_colour(value)


@register.filter
def platform_label(value: str) -> str:
    return str(Platform(value).label) if value in Platform.values else value


@register.filter
def rumour_status_label(value: str) -> str:
    return str(Rumour.Status(value).label) if value in Rumour.Status.values else value


@register.filter
def counter_status_label(value: str) -> str:
    if value in Rumour.CounterStatus.values:
        return str(Rumour.CounterStatus(value).label)
    return value


@register.filter
def escalation_status_label(value: str) -> str:
    if value in Escalation.Status.values:
        return str(Escalation.Status(value).label)
    return value


@register.filter
def signed(value: int) -> str:
    """+3, -2, 0."""
    return f"+{value}" if value > 0 else str(value)


@register.filter
def trend_arrow(value: str) -> str:
    return {"up": "↑", "down": "↓"}.get(value, "=")
