"""Template filters of the monitoring pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def http_url(value: object) -> str:
    """The value if it is an http(s) address, else "": a post's link never runs
    script (javascript:, data: and other schemes are dropped)."""
    text = str(value or "").strip()
    return text if text.lower().startswith(("http://", "https://")) else ""
