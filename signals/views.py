"""Pages of the emerging signals: the list with review buttons, the blind-spot GeoJSON."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from activations.permissions import Action, activation_get_for_user
from activations.views._common import activation_context, report_domain_error
from signals import selectors, services
from signals.models import EmergingSignal
from vost.exceptions import DomainError
from vost.http import AuthenticatedHttpRequest

logger = logging.getLogger(__name__)

SPARK_WIDTH = 150
SPARK_HEIGHT = 30


def sparkline(series: list[int]) -> dict[str, Any]:
    """Points of an inline SVG polyline (no script): the window's last 3 points apart."""
    if not series:
        return {"points": "", "window_x": SPARK_WIDTH}
    top = max(max(series), 1)
    step = SPARK_WIDTH / max(len(series) - 1, 1)
    points = " ".join(
        f"{i * step:.1f},{SPARK_HEIGHT - 2 - (n / top) * (SPARK_HEIGHT - 4):.1f}"
        for i, n in enumerate(series)
    )
    return {
        "points": points,
        "window_x": f"{(len(series) - 3) * step:.1f}",
        "peak": max(series),
    }


def _rows(activation: Any, signals: list[EmergingSignal]) -> list[dict[str, Any]]:
    ids = {pid for s in signals for pid in s.sample_post_ids}
    posts = selectors.posts_by_id(activation=activation, ids=ids)
    return [
        {
            "signal": s,
            "spark": sparkline(s.series),
            "samples": [posts[pid] for pid in s.sample_post_ids if pid in posts],
        }
        for s in signals
    ]


@login_required
@require_GET
def signal_list(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.VIEW_SIGNALS
    )
    context = activation_context(
        user=request.user, activation=activation, tab="signals"
    )
    signals = list(selectors.signal_list(activation=activation)[:50])
    context |= {
        "rows": _rows(activation, signals),
        "blind_spots": selectors.blind_spots(activation=activation, now=timezone.now()),
        "area": json.loads(activation.area.geojson),
        "spark_width": SPARK_WIDTH,
        "spark_height": SPARK_HEIGHT,
    }
    return render(request, "signals/list.html", context)


@login_required
@require_POST
def signal_review(
    request: AuthenticatedHttpRequest, slug: str, signal_id: int, decision: str
) -> HttpResponse:
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.REVIEW_SIGNALS
    )
    try:
        signal = services.signal_review(
            activation=activation,
            signal_id=signal_id,
            user=request.user,
            decision=decision,
        )
    except DomainError as error:
        logger.warning("signals: review refused: %s", error.code)
        report_domain_error(request, error)
    else:
        if signal.status == EmergingSignal.Status.CONFIRMED:
            messages.success(request, _("Signal confirmed."))
        else:
            messages.success(request, _("Signal dismissed."))
    return redirect("signals:list", slug=activation.slug)


@login_required
@require_GET
def blind_spots(request: AuthenticatedHttpRequest, slug: str) -> JsonResponse:
    """GeoJSON FeatureCollection of the blind-spot cells (a map overlay)."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.VIEW_SIGNALS
    )
    return JsonResponse(
        selectors.blind_spots(activation=activation, now=timezone.now())
    )
