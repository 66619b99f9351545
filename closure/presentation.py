"""How the after-action review reads: durations in words, the page/PDF context."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from activations.models import Activation
from closure import selectors
from closure.models import AfterActionReview


def duration_text(seconds: float | None) -> str:
    """A median as people say it: "4 min 30 s", "2 h 05 min", or a dash."""
    if seconds is None:
        return "-"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return _("%(h)s h %(m)02d min") % {"h": hours, "m": minutes}
    if minutes:
        return _("%(m)s min %(s)02d s") % {"m": minutes, "s": secs}
    return _("%(s)s s") % {"s": secs}


def aar_context(*, activation: Activation) -> dict[str, Any]:
    """What the page and the PDF show (same figures, same words)."""
    review: AfterActionReview | None = selectors.aar_get(activation=activation)
    figures = selectors.with_datetimes(selectors.aar_figures(activation=activation))
    medians = figures["medians_seconds"]
    ratio = figures["coverage"]["ratio"]
    return {
        "review": review,
        "figures": figures,
        "frozen": bool(review and review.figures),
        "median_rows": [
            (
                _("Median time to triage"),
                duration_text(medians["to_triage"]),
                _("post received to first decision on its item"),
            ),
            (
                _("Median time to verify"),
                duration_text(medians["to_verify"]),
                _("case opened to verdict confirmed"),
            ),
            (
                _("Median time to acknowledge"),
                duration_text(medians["to_acknowledge"]),
                _("escalation raised to acknowledged"),
            ),
        ],
        "coverage_percent": None if ratio is None else round(ratio * 100),
        "purge": getattr(activation, "retention_purge", None),
    }
