"""Reads of the map's items, scoped to what the viewer's role may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import QuerySet

from activations.models import Activation, ActivationMember
from mapping.models import MapItem, Verification

Role = ActivationMember.Role


def sees_verified_only(activation: Activation) -> bool:
    """Authority liaisons see verified items only (never the team's work in progress).

    ``activation.viewer_role`` is set by activations.permissions.activation_get_for_user.
    """
    return getattr(activation, "viewer_role", None) == Role.LIAISON


@dataclass(frozen=True)
class MapFilters:
    """What the map page's filters narrow to (empty = everything the role may see)."""

    categories: frozenset[str] = field(default_factory=frozenset)
    verifications: frozenset[str] = field(default_factory=frozenset)
    platforms: frozenset[str] = field(default_factory=frozenset)
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    urgent_only: bool = False


def map_items_visible(
    *, activation: Activation, verified_only: bool = False
) -> QuerySet[MapItem]:
    """The activation's map items the viewer may see: all of them for the team,
    verified ones only for liaisons (or when ``verified_only``)."""
    items = MapItem.objects.filter(activation=activation)
    if verified_only or sees_verified_only(activation):
        items = items.filter(verification=Verification.VERIFIED)
    return items


def map_items_filtered(
    *, activation: Activation, filters: MapFilters | None = None
) -> QuerySet[MapItem]:
    filters = filters or MapFilters()
    items = map_items_visible(activation=activation)
    if filters.categories:
        items = items.filter(category__in=filters.categories)
    if filters.verifications:
        items = items.filter(verification__in=filters.verifications)
    if filters.platforms:
        items = items.filter(platform__in=filters.platforms)
    if filters.since is not None:
        items = items.filter(observed_at__gte=filters.since)
    if filters.until is not None:
        items = items.filter(observed_at__lte=filters.until)
    if filters.urgent_only:
        items = items.filter(urgent=True)
    return items
