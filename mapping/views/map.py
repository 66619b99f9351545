"""The operational map page, its per-viewport data and the items' popups.

The page is static HTML plus static/js/opmap.js; the script asks ``map-data``
for the visible box at the current zoom (single items or grid clusters, see
mapping.selectors.viewport) on every move and every REFRESH_SECONDS, and
``map-item`` for a popup's content when a marker is clicked. Liaisons get the
same page over verified items only.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.views.decorators.http import require_GET

from activations.models import Activation
from activations.permissions import (
    Action,
    activation_allowed_actions,
    activation_get_for_user,
)
from activations.views._common import activation_context
from mapping import styles
from mapping.forms.map import WINDOW_HOURS, MapFilterForm
from mapping.models import Incident, MapItem, ReferenceLayer
from mapping.selectors.items import sees_verified_only
from mapping.selectors.viewport import Viewport, map_item_detail, map_view_data
from monitoring.models import Category, Platform
from vost.http import AuthenticatedHttpRequest

logger = logging.getLogger(__name__)

REFRESH_SECONDS = 15


def _geojson(geometry: Any) -> Any:
    return json.loads(geometry.geojson) if geometry is not None else None


@login_required
@require_GET
def map_page(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.VIEW_MAP
    )
    allowed = activation_allowed_actions(user=request.user, activation=activation)
    verified_only = sees_verified_only(activation)
    layers = list(ReferenceLayer.objects.filter(activation=activation))
    context = activation_context(user=request.user, activation=activation, tab="map")
    context |= {
        "verified_only": verified_only,
        "legend": styles.legend(verified_only=verified_only),
        "window_hours": WINDOW_HOURS,
        "platforms": Platform.choices,
        "layers": layers,
        "can_manage_layers": Action.MANAGE_LAYERS in allowed,
        "can_export": Action.EXPORT_MAP in allowed,
        "map_config": {
            "data": reverse("mapping:map-data", args=[activation.slug]),
            "item": reverse("mapping:map-item", args=[activation.slug, 0]),
            "incidents": reverse("mapping:incidents-geojson", args=[activation.slug]),
            "blind_spots": reverse("signals:blind-spots", args=[activation.slug])
            if Action.VIEW_SIGNALS in allowed
            else None,
            "layers": [
                {
                    "id": layer.pk,
                    "name": layer.name,
                    "colour": layer.colour,
                    "shown": layer.shown_by_default,
                    "url": reverse(
                        "mapping:layer-geojson", args=[activation.slug, layer.pk]
                    ),
                }
                for layer in layers
            ],
            "area": _geojson(activation.area),
            "territory": _geojson(activation.agreement.territory),
            "refresh": REFRESH_SECONDS,
            "colours": styles.CATEGORY_COLOURS,
        },
        "item_count": MapItem.objects.filter(activation=activation).count()
        if not verified_only
        else None,
    }
    return render(request, "mapping/map.html", context)


@login_required
@require_GET
def map_data(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The items or clusters in ``bbox`` (west,south,east,north) at ``zoom``."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.VIEW_MAP
    )
    form = MapFilterForm(request.GET)
    try:
        viewport = Viewport.parse(
            request.GET.get("bbox", ""), request.GET.get("zoom", "")
        )
    except ValueError:
        logger.warning("map data: bad viewport %r", request.GET.urlencode()[:200])
        return JsonResponse(
            {"detail": "bbox=west,south,east,north (degrees) and zoom=0..22 needed."},
            status=400,
        )
    if not form.is_valid():
        logger.warning("map data: bad filters %s", form.errors.as_json()[:300])
        return JsonResponse({"detail": form.errors.get_json_data()}, status=400)
    data = map_view_data(
        activation=activation, viewport=viewport, filters=form.map_filters()
    )
    response = JsonResponse(data)
    response["Cache-Control"] = "private, no-cache"
    return response


def _popup(
    item: MapItem, activation: Activation, allowed: frozenset[Action]
) -> dict[str, Any]:
    team = not sees_verified_only(activation)
    observed = timezone.localtime(item.observed_at)
    incident = item.incident
    show_incident = incident is not None and (
        team or incident.status == Incident.Status.CONFIRMED
    )
    return {
        "id": item.cluster_id,
        "summary": item.summary,  # plain text: the script sets textContent
        "category": item.category,
        "category_label": str(Category(item.category).label)
        if item.category in Category.values
        else item.category,
        "colour": styles.category_colour(item.category),
        "verification": item.verification,
        "verification_label": item.get_verification_display(),
        "urgent": item.urgent,
        "observed_at": observed.isoformat(),
        "observed": formats.date_format(observed, "DATETIME_FORMAT"),
        "place": item.place_name,
        "radius_m": item.radius_m,
        "platform": Platform(item.platform).label
        if item.platform in Platform.values
        else item.platform,
        "case": {
            "number": item.case.number,
            "url": reverse(
                "verification:case-detail", args=[activation.slug, item.case.number]
            ),
        }
        if item.case is not None and Action.VIEW_CASES in allowed
        else None,
        "incident": {
            "number": incident.number,
            "title": incident.title,
            "url": reverse(
                "mapping:incident-detail", args=[activation.slug, incident.number]
            ),
        }
        if show_incident and incident is not None
        else None,
        "item_url": reverse(
            "monitoring:triage-item", args=[activation.slug, item.cluster_id]
        )
        if Action.TRIAGE in allowed
        else "",
        "post_url": item.post_url if team else "",
    }


@login_required
@require_GET
def map_item(
    request: AuthenticatedHttpRequest, slug: str, cluster_id: int
) -> HttpResponse:
    """A marker's popup content, as JSON (the script builds the popup as text)."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.VIEW_MAP
    )
    item = map_item_detail(activation=activation, cluster_id=cluster_id)
    if item is None:
        return JsonResponse({"detail": "Not found."}, status=404)
    allowed = activation_allowed_actions(user=request.user, activation=activation)
    return JsonResponse(_popup(item, activation, allowed))
