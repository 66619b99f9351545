"""Reads of the map's exports: what goes into one, and which exports a member sees."""

from __future__ import annotations

from django.db.models import QuerySet

from activations.models import Activation, ActivationMember
from mapping.models import Incident, MapExport, MapItem
from mapping.selectors.items import map_items_visible

Role = ActivationMember.Role
PENDING = (MapExport.Status.QUEUED, MapExport.Status.RUNNING)
LIST_LIMIT = 20


def export_items(*, activation: Activation) -> QuerySet[MapItem]:
    """The activation's VERIFIED items, oldest first, with what the writers read."""
    return (
        map_items_visible(activation=activation, verified_only=True)
        .select_related("case", "incident")
        .only(
            "pk",
            "location",
            "category",
            "verification",
            "urgent",
            "platform",
            "observed_at",
            "summary",
            "place_name",
            "radius_m",
            "author_handle",
            "post_url",
            "case__number",
            "incident__number",
        )
        .order_by("observed_at", "pk")
    )


def export_incidents(*, activation: Activation) -> QuerySet[Incident]:
    """The activation's incidents but the dismissed ones, by number."""
    return (
        Incident.objects.filter(activation=activation)
        .exclude(status=Incident.Status.DISMISSED)
        .order_by("number")
    )


def _visible_exports(activation: Activation) -> QuerySet[MapExport]:
    """Exports naming the authors are for coordinators only (the only ones who may
    make them); everybody else with EXPORT_MAP sees the pseudonymised ones."""
    exports = MapExport.objects.filter(activation=activation)
    if getattr(activation, "viewer_role", None) != Role.COORDINATOR:
        exports = exports.filter(pseudonymise=True)
    return exports


def map_exports_list(
    *, activation: Activation, limit: int = LIST_LIMIT
) -> list[MapExport]:
    """The newest exports the viewer (``activation.viewer_role``) may see."""
    return list(
        _visible_exports(activation)
        .select_related("requested_by")
        .order_by("-created_at", "-pk")[:limit]
    )


def map_export_get(*, activation: Activation, export_id: int) -> MapExport | None:
    """One export of this activation the viewer may see, else None (then 404)."""
    return (
        _visible_exports(activation)
        .select_related("requested_by", "activation")
        .filter(pk=export_id)
        .first()
    )
