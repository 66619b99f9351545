"""The activation's dashboard: one page, and its figures as an htmx fragment
polled every REFRESH_SECONDS (served from the shared snapshot, see selectors)."""

from __future__ import annotations

import logging
from typing import Final

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from activations.permissions import Action, activation_get_for_user
from activations.views._common import activation_context
from dashboards.charts import page_charts
from dashboards.selectors import DEFAULT_HOURS, WINDOWS, dashboard_snapshot
from vost.http import AuthenticatedHttpRequest

logger = logging.getLogger(__name__)

REFRESH_SECONDS: Final = 30


def window_from(raw: str) -> tuple[int, str]:
    """The asked window in hours, or the default and why it was not taken."""
    if not raw:
        return DEFAULT_HOURS, ""
    if raw.isdigit() and len(raw) < 4 and int(raw) in WINDOWS:
        return int(raw), ""
    logger.warning("dashboard: unknown window %r", raw[:20])
    return DEFAULT_HOURS, _(
        "There is no %(value)s-hour view: showing the last %(hours)d hours."
    ) % {"value": raw[:20], "hours": DEFAULT_HOURS}


@login_required
@require_GET
def dashboard(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The page, or (htmx) its figures only."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.VIEW_DASHBOARD
    )
    hours, window_error = window_from(request.GET.get("hours", ""))
    figures = dashboard_snapshot(activation=activation, hours=hours)
    context = activation_context(
        user=request.user, activation=activation, tab="dashboard"
    )
    context |= {
        "figures": figures,
        "hours": hours,
        "windows": WINDOWS,
        "window_error": window_error,
        "refresh_seconds": REFRESH_SECONDS,
        **page_charts(figures=figures, tz=activation.tz),
    }
    template = "dashboards/dashboard.html"
    if request.htmx:
        template += "#figures"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
