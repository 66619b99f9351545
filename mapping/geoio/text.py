"""Names and properties of features as plain, bounded text (never HTML)."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from mapping.geoio.common import Limits, Scalar

# Keys holding a feature's name, in order of preference.
NAME_KEYS = ("name", "Name", "NAME", "nom", "NOM", "title", "label")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_SCRIPTS = re.compile(r"<\s*(script|style)\b.*?(?:<\s*/\s*\1\s*>|$)", re.I | re.S)
_LINE_BREAKS = re.compile(r"<\s*(?:br|/p|/div|/li|/tr|/h[1-6])\s*/?\s*>", re.I)


def plain(value: str, limit: int) -> str:
    """Text without control characters (PostgreSQL refuses NUL), at most `limit` long."""
    text = _CONTROL.sub("", value).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def html_to_text(value: str, limit: int) -> str:
    """Untrusted HTML (a KML description) as plain text: tags dropped, entities read."""
    markup = _SCRIPTS.sub("", value[: limit * 20])  # bound the work
    markup = _LINE_BREAKS.sub("\n", markup)
    text = html.unescape(strip_tags(markup))
    text = _BLANK_LINES.sub("\n", _SPACES.sub(" ", text))
    return plain(text, limit)


def _scalar(value: Any, limits: Limits) -> Scalar:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**63 else str(value)
    if isinstance(value, float):
        return value  # json_document refuses NaN and infinities
    if isinstance(value, str):
        return plain(value, limits.max_text)
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (RecursionError, ValueError):
        text = ""
    return plain(text, limits.max_text)


def clean_properties(raw: Any, limits: Limits) -> dict[str, Scalar]:
    """Properties as a flat dict of plain JSON scalars; nested values become JSON text."""
    if not isinstance(raw, dict):
        return {}
    properties: dict[str, Scalar] = {}
    for key, value in list(raw.items())[: limits.max_properties]:
        name = one_line(str(key), limits.max_key)
        if name:
            properties[name] = _scalar(value, limits)
    return properties


def one_line(value: str, limit: int) -> str:
    """Plain text on one line (a name, a key): runs of white space become one space."""
    return plain(" ".join(value.split()), limit)


def name_from(properties: dict[str, Scalar], limits: Limits) -> str:
    """A feature's name from its properties (the first of NAME_KEYS), or ''."""
    for key in NAME_KEYS:
        value = properties.get(key)
        if value is not None and value != "":
            return one_line(str(value), limits.max_name)
    return ""


def feature_label(index: int, name: str) -> str:
    """How a message names a feature: its number in the file, and its name."""
    if name:
        return _('Feature %(n)s ("%(name)s")') % {"n": index, "name": name[:60]}
    return _("Feature %(n)s") % {"n": index}
