"""How the map draws things: one colour per category, labels for the legend.

Shared by the page (legend, CSS-free markers drawn by static/js/opmap.js) and the
exports (KML styles), so a category looks the same everywhere.
"""

from __future__ import annotations

from typing import Any, Final

from mapping.models import Verification
from monitoring.models import Category

CATEGORY_COLOURS: Final[dict[str, str]] = {
    Category.REQUEST: "#d62728",
    Category.INJURED_DEAD: "#7b1113",
    Category.MISSING_FOUND: "#e377c2",
    Category.DISPLACED: "#ff7f0e",
    Category.INFRASTRUCTURE: "#8c564b",
    Category.CAUTION: "#e6b800",
    Category.RESCUE_DONATION: "#2ca02c",
    Category.SYMPATHY: "#17becf",
    Category.OFFICIAL: "#1f4e99",
    Category.RUMOUR: "#9467bd",
    Category.OTHER_RELEVANT: "#5f6b7a",
    Category.NOT_RELEVANT: "#9aa3ad",
}
DEFAULT_COLOUR: Final = "#5f6b7a"


def category_colour(category: str) -> str:
    return CATEGORY_COLOURS.get(category, DEFAULT_COLOUR)


def legend(*, verified_only: bool) -> dict[str, Any]:
    """Labels and colours for the page's legend and its script (json_script)."""
    categories = [
        {"value": value, "label": str(label), "colour": category_colour(value)}
        for value, label in Category.choices
        if value != Category.NOT_RELEVANT
    ]
    verifications = [
        {"value": value, "label": str(label)}
        for value, label in Verification.choices
        if not verified_only or value == Verification.VERIFIED
    ]
    return {"categories": categories, "verifications": verifications}
