"""API of the map's data: the items or grid clusters in a viewport, as the page gets
them (GIS clients use the OGC API under /ogc/<slug>/ instead)."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from activations.api._common import ActivationApi, errors
from activations.permissions import Action
from mapping.forms.map import MapFilterForm
from mapping.selectors.viewport import Viewport, map_view_data


class MapDataOutput(serializers.Serializer[Any]):
    mode = serializers.ChoiceField(
        choices=["items", "clusters"],
        help_text="Single items when at most 400 are in view, else grid clusters.",
    )
    total = serializers.IntegerField(help_text="Items in view.")
    items = serializers.ListField(
        child=serializers.ListField(),
        required=False,
        help_text="[id, lon, lat, category, verification, urgent] (mode items)",
    )
    clusters = serializers.ListField(
        child=serializers.ListField(),
        required=False,
        help_text="[lon, lat, count, main category, urgent count, first id] "
        "(mode clusters)",
    )

    class Meta:
        ref_name = "MapData"


class MapDataApi(ActivationApi):
    """The map's content in a viewport; liaisons get verified items only."""

    activation_actions = {"GET": Action.VIEW_MAP}

    @extend_schema(
        operation_id="map_data",
        tags=["map"],
        parameters=[
            OpenApiParameter(
                "bbox",
                OpenApiTypes.STR,
                required=True,
                description="west,south,east,north in degrees (WGS 84)",
            ),
            OpenApiParameter("zoom", OpenApiTypes.INT, required=True),
            OpenApiParameter("category", OpenApiTypes.STR, many=True),
            OpenApiParameter("verification", OpenApiTypes.STR, many=True),
            OpenApiParameter("platform", OpenApiTypes.STR, many=True),
            OpenApiParameter(
                "hours", OpenApiTypes.INT, description="last N hours (1..168)"
            ),
            OpenApiParameter("urgent", OpenApiTypes.BOOL),
        ],
        responses={200: MapDataOutput, **errors(400, 403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        try:
            viewport = Viewport.parse(
                request.query_params.get("bbox", ""),
                request.query_params.get("zoom", ""),
            )
        except ValueError:
            raise ValidationError(
                {"bbox": ["west,south,east,north (degrees) and zoom=0..22 needed."]}
            ) from None
        form = MapFilterForm(request.query_params)
        if not form.is_valid():
            raise ValidationError(form.errors.get_json_data())
        return Response(
            map_view_data(
                activation=self.activation,
                viewport=viewport,
                filters=form.map_filters(),
            )
        )


urlpatterns: list[URLPattern] = [
    path(
        "activations/<slug:slug>/map/data/",
        MapDataApi.as_view(),
        name="api-map-data",
    ),
]
