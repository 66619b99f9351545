"""Reads of the map's incidents, scoped to what the viewer's role may see.

Authority liaisons see confirmed incidents only, and only their verified items
(``activation.viewer_role`` is set by activations.permissions.activation_get_for_user).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db.models import Count, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _

from activations.models import Activation
from mapping.models import Incident, MapItem
from mapping.selectors.items import map_items_visible, sees_verified_only
from monitoring.models import Category

Status = Incident.Status


def category_label(category: str) -> str:
    """A category's label in the current language (the value if unknown)."""
    if category in Category.values:
        return str(Category(category).label)
    return category or _("Uncategorised")


def incidents_visible(*, activation: Activation) -> QuerySet[Incident]:
    """The activation's incidents the viewer may see: all for the team, confirmed
    ones only for liaisons."""
    incidents = Incident.objects.filter(activation=activation)
    if sees_verified_only(activation):
        incidents = incidents.filter(status=Status.CONFIRMED)
    return incidents


def incident_list(
    *, activation: Activation, status: str | None = None
) -> QuerySet[Incident]:
    """Visible incidents, latest first, optionally of one status."""
    incidents = incidents_visible(activation=activation).select_related("confirmed_by")
    if status:
        incidents = incidents.filter(status=status)
    return incidents.order_by("-started_at", "-number")


def incident_status_counts(*, activation: Activation) -> dict[str, int]:
    """How many visible incidents have each status (every status is a key)."""
    counts = dict.fromkeys(Status.values, 0)
    rows = (
        incidents_visible(activation=activation)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    for status, n in rows:
        counts[status] = n
    return counts


def incident_get(*, activation: Activation, number: int) -> Incident | None:
    """One visible incident by its number, or None (missing or not visible)."""
    return (
        incidents_visible(activation=activation)
        .select_related("confirmed_by", "activation")
        .filter(number=number)
        .first()
    )


def incidents_by_numbers(
    *, activation: Activation, numbers: Iterable[int]
) -> tuple[list[Incident], list[int]]:
    """The visible incidents with these numbers, and the numbers not found."""
    wanted = sorted(set(numbers))
    found = {
        i.number: i
        for i in incidents_visible(activation=activation).filter(number__in=wanted)
    }
    return [found[n] for n in wanted if n in found], [
        n for n in wanted if n not in found
    ]


def incident_items(*, incident: Incident) -> QuerySet[MapItem]:
    """The incident's items the viewer may see, oldest first, with their case's
    number (``incident.activation`` carries the viewer's role)."""
    return (
        map_items_visible(activation=incident.activation)
        .filter(incident=incident)
        .select_related("case")
        .only(
            "pk",
            "cluster_id",
            "activation_id",
            "incident_id",
            "category",
            "verification",
            "observed_at",
            "place_name",
            "summary",
            "urgent",
            "platform",
            "location",
            "radius_m",
            "case__number",
            "case__activation_id",
        )
        .order_by("observed_at", "pk")
    )


def incident_merge_choices(*, incident: Incident) -> QuerySet[Incident]:
    """Other open incidents (proposed or confirmed) of the same activation and
    category: those a team lead may merge into this one."""
    return (
        Incident.objects.filter(
            activation_id=incident.activation_id,
            category=incident.category,
            status__in=[Status.PROPOSED, Status.CONFIRMED],
        )
        .exclude(pk=incident.pk)
        .order_by("number")
    )


def incident_url(*, activation: Activation, number: int) -> str:
    return reverse("mapping:incident-detail", args=[activation.slug, number])


def incidents_geojson(
    *, activation: Activation, status: str | None = None
) -> dict[str, Any]:
    """The visible incidents as a GeoJSON FeatureCollection (WGS 84) for the map:
    footprint (or centroid) and number, title, category, status, item count, first
    and last report, page URL. Dismissed incidents are left out unless asked for."""
    incidents = incidents_visible(activation=activation)
    if status:
        incidents = incidents.filter(status=status)
    else:
        incidents = incidents.exclude(status=Status.DISMISSED)
    rows = (
        incidents.annotate(
            shape=AsGeoJSON(
                Coalesce(
                    "footprint", "centroid", output_field=GeometryField(srid=4326)
                ),
                precision=6,
            )
        )
        .filter(shape__isnull=False)
        .order_by("number")
        .values(
            "number",
            "title",
            "category",
            "status",
            "item_count",
            "started_at",
            "ended_at",
            "shape",
        )
    )
    features = [
        {
            "type": "Feature",
            "id": row["number"],
            "geometry": json.loads(row["shape"]),
            "properties": {
                "number": row["number"],
                "title": row["title"],
                "category": row["category"],
                "category_label": category_label(row["category"]),
                "status": row["status"],
                "status_label": str(Status(row["status"]).label),
                "item_count": row["item_count"],
                "started_at": row["started_at"].isoformat()
                if row["started_at"]
                else None,
                "ended_at": row["ended_at"].isoformat() if row["ended_at"] else None,
                "url": incident_url(activation=activation, number=row["number"]),
            },
        }
        for row in rows
    ]
    return {"type": "FeatureCollection", "features": features}
