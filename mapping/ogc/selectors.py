"""What the OGC API serves of an activation: its collections, their extents, features.

Collections (ids are stable, they end up in GIS project files):

- ``verified-items``: the verified map items, for every role with VIEW_MAP;
- ``items``: every map item, whatever its verification; not for liaisons, who see
  verified items only (``mapping.selectors.items.sees_verified_only``): for them
  it does not exist (404);
- ``incidents``: the confirmed incidents (footprint, else centroid);
- ``layer-<id>``: one per reference layer.

Every read starts from the activation the caller got through
``activation_get_for_user`` (the views' ``ogc_endpoint``) and only narrows it.
Pages are ordered by primary key; ``bbox`` goes through the GiST index of the
geometry (ST_Intersects, i.e. ``&&`` then the exact test).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from django.contrib.gis.db.models import Extent
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.contrib.gis.geos import GEOSGeometry, LineString, Point, Polygon
from django.db.models import Count, F, FloatField, Func, Max, Min, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from activations.models import Activation
from mapping.models import (
    Incident,
    ReferenceFeature,
    ReferenceLayer,
    Verification,
)
from mapping.ogc.params import Box, TimeFilter
from mapping.selectors.items import map_items_visible, sees_verified_only

VERIFIED_ITEMS: Final = "verified-items"
ALL_ITEMS: Final = "items"
INCIDENTS: Final = "incidents"
LAYER_PREFIX: Final = "layer-"
PRECISION: Final = 7  # decimal places of degrees: about a centimetre


class Kind(StrEnum):
    ITEMS = "items"
    INCIDENTS = "incidents"
    LAYER = "layer"


@dataclass(frozen=True)
class Collection:
    id: str
    kind: Kind
    title: str
    description: str
    verified_only: bool = False
    layer: ReferenceLayer | None = None


@dataclass(frozen=True)
class CollectionExtent:
    """``bbox`` (minx, miny, maxx, maxy) or None when empty; ``interval`` (start,
    end; None for an open end) or None when the collection has no time."""

    bbox: tuple[float, float, float, float] | None
    interval: tuple[dt.datetime | None, dt.datetime | None] | None


@dataclass(frozen=True)
class FeaturePage:
    rows: list[dict[str, Any]]
    number_matched: int


def exercise_note(activation: Activation, text: str) -> str:
    if not activation.is_exercise:
        return text
    return _("EXERCISE: this activation is an exercise, not a real emergency. ") + text


def _fixed_collections(activation: Activation) -> list[Collection]:
    collections = [
        Collection(
            id=VERIFIED_ITEMS,
            kind=Kind.ITEMS,
            title=_("Verified reports"),
            description=exercise_note(
                activation,
                _(
                    "Located social media reports the team has verified. Authors "
                    "are pseudonymised."
                ),
            ),
            verified_only=True,
        )
    ]
    if not sees_verified_only(activation):
        collections.append(
            Collection(
                id=ALL_ITEMS,
                kind=Kind.ITEMS,
                title=_("All reports"),
                description=exercise_note(
                    activation,
                    _(
                        "Every located report on the map, whatever its verification "
                        "status (unchecked, being verified, verified, false...): "
                        "the team's working view. Authors are pseudonymised."
                    ),
                ),
            )
        )
    collections.append(
        Collection(
            id=INCIDENTS,
            kind=Kind.INCIDENTS,
            title=_("Confirmed incidents"),
            description=exercise_note(
                activation,
                _(
                    "Incidents confirmed by the team: verified reports of one "
                    "category close in space and time (footprint, or centre when "
                    "there is no footprint)."
                ),
            ),
        )
    )
    return collections


def ogc_collections(*, activation: Activation) -> list[Collection]:
    """The collections the viewer may see, in a stable order."""
    layers = ReferenceLayer.objects.filter(activation=activation).order_by("pk")
    return [
        *_fixed_collections(activation),
        *(_layer_collection(activation, layer) for layer in layers),
    ]


def _layer_collection(activation: Activation, layer: ReferenceLayer) -> Collection:
    return Collection(
        id=f"{LAYER_PREFIX}{layer.pk}",
        kind=Kind.LAYER,
        title=layer.name,
        description=exercise_note(
            activation,
            layer.description
            or _("Reference layer: %(kind)s.") % {"kind": layer.get_kind_display()},
        ),
        layer=layer,
    )


def ogc_collection_get(*, activation: Activation, collection_id: str) -> Collection:
    """The collection, or Http404 (also for ``items`` asked by a liaison)."""
    if collection_id.startswith(LAYER_PREFIX):
        number = collection_id.removeprefix(LAYER_PREFIX)
        layer = (
            ReferenceLayer.objects.filter(activation=activation, pk=int(number)).first()
            if number.isascii() and number.isdigit() and len(number) < 12
            else None
        )
        if layer is None:
            raise Http404
        return _layer_collection(activation, layer)
    for collection in _fixed_collections(activation):
        if collection.id == collection_id:
            return collection
    raise Http404


# --- extents -----------------------------------------------------------------------
def _union(
    *boxes: tuple[float, float, float, float] | None,
) -> tuple[float, float, float, float] | None:
    found = [box for box in boxes if box is not None]
    if not found:
        return None
    return (
        min(b[0] for b in found),
        min(b[1] for b in found),
        max(b[2] for b in found),
        max(b[3] for b in found),
    )


def ogc_extents(
    *, activation: Activation, collections: list[Collection]
) -> dict[str, CollectionExtent]:
    """Each collection's extent, computed from the data (three queries at most)."""
    extents: dict[str, CollectionExtent] = {}
    kinds = {c.kind for c in collections}
    if Kind.ITEMS in kinds:
        verified = Q(verification=Verification.VERIFIED)
        agg = map_items_visible(activation=activation).aggregate(
            box=Extent("location"),
            first=Min("observed_at"),
            last=Max("observed_at"),
            vbox=Extent("location", filter=verified),
            vfirst=Min("observed_at", filter=verified),
            vlast=Max("observed_at", filter=verified),
        )
        for c in collections:
            if c.kind == Kind.ITEMS:
                p = "v" if c.verified_only else ""
                first, last = agg[f"{p}first"], agg[f"{p}last"]
                extents[c.id] = CollectionExtent(
                    bbox=agg[f"{p}box"],
                    interval=(first, last) if first is not None else None,
                )
    if Kind.INCIDENTS in kinds:
        agg = _confirmed_incidents(activation).aggregate(
            fbox=Extent("footprint"),
            cbox=Extent("centroid"),
            first=Min("started_at"),
            last=Max("ended_at"),
            ongoing=Count("pk", filter=Q(ended_at__isnull=True)),
        )
        first = agg["first"]
        extents[INCIDENTS] = CollectionExtent(
            bbox=_union(agg["fbox"], agg["cbox"]),
            interval=(first, None if agg["ongoing"] else agg["last"])
            if first is not None
            else None,
        )
    if Kind.LAYER in kinds:
        boxes = dict(
            ReferenceFeature.objects.filter(layer__activation=activation)
            .values("layer_id")
            .annotate(box=Extent("geometry"))
            .order_by()
            .values_list("layer_id", "box")
        )
        for c in collections:
            if c.kind == Kind.LAYER and c.layer is not None:
                extents[c.id] = CollectionExtent(
                    bbox=boxes.get(c.layer.pk), interval=None
                )
    return extents


# --- features ------------------------------------------------------------------------
class _X(Func):
    function = "ST_X"
    output_field = FloatField()


class _Y(Func):
    function = "ST_Y"
    output_field = FloatField()


ITEM_FIELDS: Final = (
    "pk",
    "cluster_id",
    "category",
    "verification",
    "urgent",
    "platform",
    "observed_at",
    "summary",
    "place_name",
    "radius_m",
    "author_handle",
    "case__number",
    "incident__number",
    "incident__status",
)
INCIDENT_FIELDS: Final = (
    "pk",
    "number",
    "title",
    "category",
    "note",
    "started_at",
    "ended_at",
    "item_count",
    "confirmed_at",
)


def _confirmed_incidents(activation: Activation) -> QuerySet[Incident]:
    return Incident.objects.filter(
        activation=activation, status=Incident.Status.CONFIRMED
    )


def _envelope(box: Box) -> GEOSGeometry:
    """The box as a geometry; a flat box is a line or a point (a polygon without
    area would intersect nothing)."""
    minx, miny, maxx, maxy = box
    if minx == maxx and miny == maxy:
        return Point(minx, miny, srid=4326)
    if minx == maxx or miny == maxy:
        return LineString((minx, miny), (maxx, maxy), srid=4326)
    envelope = Polygon.from_bbox(box)
    envelope.srid = 4326
    return envelope


def _queryset(activation: Activation, collection: Collection) -> QuerySet[Any]:
    rows: QuerySet[Any]
    if collection.kind == Kind.ITEMS:
        rows = (
            map_items_visible(
                activation=activation, verified_only=collection.verified_only
            )
            .annotate(lon=_X(F("location")), lat=_Y(F("location")))
            .values(*ITEM_FIELDS, "lon", "lat")
        )
    elif collection.kind == Kind.INCIDENTS:
        rows = _confirmed_incidents(activation).values(
            *INCIDENT_FIELDS,
            footprint_json=AsGeoJSON("footprint", precision=PRECISION),
            centroid_json=AsGeoJSON("centroid", precision=PRECISION),
        )
    else:
        rows = ReferenceFeature.objects.filter(layer=collection.layer).values(
            "pk",
            "name",
            "properties",
            geometry_json=AsGeoJSON("geometry", precision=PRECISION),
        )
    return rows


def _bbox_q(collection: Collection, boxes: tuple[Box, ...]) -> Q:
    q = Q()
    for box in boxes:
        envelope = _envelope(box)
        if collection.kind == Kind.ITEMS:
            q |= Q(location__intersects=envelope)
        elif collection.kind == Kind.INCIDENTS:
            q |= Q(footprint__intersects=envelope) | Q(
                footprint__isnull=True, centroid__intersects=envelope
            )
        else:
            q |= Q(geometry__intersects=envelope)
    if collection.kind == Kind.INCIDENTS:
        # Features without a geometry match any bbox (/req/core/fc-bbox-response).
        q |= Q(footprint__isnull=True, centroid__isnull=True)
    return q


def _time_q(collection: Collection, time: TimeFilter) -> Q:
    before = "lt" if time.end_exclusive else "lte"
    if collection.kind == Kind.ITEMS:
        q = Q()
        if time.start is not None:
            q &= Q(observed_at__gte=time.start)
        if time.end is not None:
            q &= Q(**{f"observed_at__{before}": time.end})
        return q
    if collection.kind == Kind.INCIDENTS:
        # [started_at, ended_at or still going] intersects [start, end]; an
        # incident without a start has no time and matches (fc-time-response C).
        q = Q()
        if time.end is not None:
            q &= Q(**{f"started_at__{before}": time.end})
        if time.start is not None:
            q &= Q(ended_at__isnull=True) | Q(ended_at__gte=time.start)
        return q | Q(started_at__isnull=True)
    return Q()  # reference layers have no time: they match every datetime


def ogc_features(
    *,
    activation: Activation,
    collection: Collection,
    bbox: tuple[Box, ...] | None,
    time: TimeFilter | None,
    limit: int,
    offset: int,
) -> FeaturePage:
    """One page of the collection's features matching bbox and time, by primary key."""
    rows = _queryset(activation, collection)
    if bbox is not None:
        rows = rows.filter(_bbox_q(collection, bbox))
    if time is not None:
        rows = rows.filter(_time_q(collection, time))
    matched = rows.count()
    if offset >= matched:
        return FeaturePage(rows=[], number_matched=matched)
    return FeaturePage(
        rows=list(rows.order_by("pk")[offset : offset + limit]), number_matched=matched
    )


def ogc_feature(
    *, activation: Activation, collection: Collection, feature_id: str
) -> dict[str, Any] | None:
    """One feature's row by its public id (item: cluster id; incident: number;
    layer feature: its id), or None."""
    if not (feature_id.isascii() and feature_id.isdigit()) or len(feature_id) > 12:
        return None
    key = {Kind.ITEMS: "cluster_id", Kind.INCIDENTS: "number", Kind.LAYER: "pk"}[
        collection.kind
    ]
    row: dict[str, Any] | None = (
        _queryset(activation, collection).filter(**{key: int(feature_id)}).first()
    )
    return row
