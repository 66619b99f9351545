"""Reads of reference layers, scoped to one activation.

Layers carry no verification state: whoever may see the map (VIEW_MAP, liaisons
included) sees all of the activation's layers. Callers have checked access.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import AsGeoJSON, GeometryType, NumPoints
from django.db.models import F, Func, QuerySet, Sum, Value

from activations.models import Activation
from mapping.models import ReferenceFeature, ReferenceLayer

# Past this many points in a layer, the map gets a simplified copy (about 5 m).
SIMPLIFY_ABOVE = 100_000
SIMPLIFY_TOLERANCE = 0.00005  # degrees
PRECISION = 6  # decimals of a degree: about 0.1 m


def layer_list(*, activation: Activation) -> QuerySet[ReferenceLayer]:
    """The activation's layers, by name, with who uploaded them."""
    return ReferenceLayer.objects.filter(activation=activation).select_related(
        "activation", "uploaded_by"
    )


def layer_get(*, activation: Activation, layer_id: int) -> ReferenceLayer | None:
    """One layer of the activation (None if missing or another activation's)."""
    return layer_list(activation=activation).filter(pk=layer_id).first()


def layer_features(*, layer: ReferenceLayer) -> QuerySet[ReferenceFeature]:
    """The layer's features in upload order, for lists: the geometry is deferred,
    its type (``geometry_type``: POINT, MULTIPOLYGON...) annotated."""
    return layer.features.defer("geometry").annotate(
        geometry_type=GeometryType("geometry")
    )


def layer_point_count(*, layer: ReferenceLayer) -> int:
    """Points of all the layer's geometries together (computed by PostGIS)."""
    total = layer.features.aggregate(n=Sum(NumPoints("geometry")))["n"]
    return int(total or 0)


def _geometry(simplify: bool) -> F | Func:
    if not simplify:
        return F("geometry")
    return Func(
        F("geometry"),
        Value(SIMPLIFY_TOLERANCE),
        function="ST_SimplifyPreserveTopology",
        output_field=GeometryField(srid=4326),
    )


def layer_geojson(*, layer: ReferenceLayer) -> dict[str, Any]:
    """The layer as a GeoJSON FeatureCollection (RFC 7946, lon/lat WGS 84).

    Each feature's properties are its stored properties plus ``name``; they are
    plain, UNTRUSTED text (never HTML). Geometries are written by PostGIS with 6
    decimals, simplified when the layer has more than SIMPLIFY_ABOVE points; the
    foreign member ``layer`` says how to draw it and whether it was simplified.
    """
    simplified = layer_point_count(layer=layer) > SIMPLIFY_ABOVE
    rows = (
        layer.features.annotate(
            shape=AsGeoJSON(_geometry(simplified), precision=PRECISION)
        )
        .order_by("pk")
        .values_list("pk", "name", "properties", "shape")
    )
    features = [
        {
            "type": "Feature",
            "id": pk,
            "geometry": json.loads(shape) if shape else None,
            "properties": {**(properties or {}), "name": name},
        }
        for pk, name, properties, shape in rows
    ]
    return {
        "type": "FeatureCollection",
        "layer": {
            "id": layer.pk,
            "name": layer.name,
            "kind": layer.kind,
            "colour": layer.colour,
            "shown_by_default": layer.shown_by_default,
            "simplified": simplified,
        },
        "features": features,
    }
