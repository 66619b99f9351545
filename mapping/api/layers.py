"""API of the map's reference layers (included by mapping.api.urls).

Everyone who sees the map (VIEW_MAP, liaisons included) lists layers and reads
them as GeoJSON; uploading (multipart), editing and deleting need MANAGE_LAYERS
(team leads, coordinators). A file that cannot be used is refused with 400 and
``error.code`` ``invalid_file`` and a message saying why; nothing is created.
Names, descriptions and properties are plain, UNTRUSTED text: escape them.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import Http404
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from activations.api._common import ActivationApi, EnumField, UserRef, errors, paginate
from activations.permissions import Action
from mapping.geoio import DEFAULT_LIMITS, SUFFIXES, file_suffix
from mapping.models import ReferenceLayer
from mapping.selectors import layers as selectors
from mapping.services import layers as services
from vost.api import Pagination

logger = logging.getLogger(__name__)

UNTRUSTED = "Plain, UNTRUSTED text (never HTML): escape it before display."
TAGS = ["map layers"]
MAX_MB = DEFAULT_LIMITS.max_bytes // (1024 * 1024)


class GeoJSONRenderer(JSONRenderer):
    """JSON sent as ``application/geo+json`` (RFC 7946)."""

    media_type = "application/geo+json"
    format = "geojson"


# --- serializers ----------------------------------------------------------------------
class LayerOutput(serializers.ModelSerializer[ReferenceLayer]):
    kind = EnumField(enum="ReferenceLayerKind", choices=ReferenceLayer.Kind)
    name = serializers.CharField(help_text=UNTRUSTED)
    description = serializers.CharField(help_text=UNTRUSTED)
    colour = serializers.CharField(help_text="#rrggbb, to draw the layer.")
    source_name = serializers.CharField(
        help_text=f"The uploaded file's name. {UNTRUSTED}"
    )
    uploaded_by = UserRef(allow_null=True)
    geojson_url = serializers.SerializerMethodField(
        help_text="Where to read the features (GeoJSON FeatureCollection)."
    )

    class Meta:
        model = ReferenceLayer
        fields = [
            "id",
            "name",
            "kind",
            "description",
            "colour",
            "shown_by_default",
            "source_name",
            "feature_count",
            "uploaded_by",
            "created_at",
            "updated_at",
            "geojson_url",
        ]
        read_only_fields = fields
        ref_name = "ReferenceLayer"

    def get_geojson_url(self, layer: ReferenceLayer) -> str:
        return reverse("api-map-layer-geojson", args=[layer.activation.slug, layer.pk])


class LayerFieldsInput(serializers.Serializer[Any]):
    """What an upload sets and an edit may change."""

    name = serializers.CharField(
        max_length=ReferenceLayer._meta.get_field("name").max_length,
        help_text="Unique in the activation (whatever the case).",
    )
    kind = EnumField(
        enum="ReferenceLayerKind",
        choices=ReferenceLayer.Kind,
        required=False,
        default=ReferenceLayer.Kind.OTHER,
    )
    description = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=services.MAX_DESCRIPTION,
    )
    colour = serializers.RegexField(
        services.COLOUR,
        required=False,
        default="#6a3d9a",
        help_text="#rrggbb.",
        error_messages={
            "invalid": gettext_lazy(
                "Write the colour as #rrggbb (for example #6a3d9a)."
            )
        },
    )
    shown_by_default = serializers.BooleanField(
        required=False, default=True, help_text="Shown when the map opens."
    )

    class Meta:
        ref_name = "ReferenceLayerFields"


class LayerUploadInput(LayerFieldsInput):
    file = serializers.FileField(
        help_text=f"GeoJSON (.geojson, .json), KML or KMZ, at most {MAX_MB} MB; "
        "coordinates in WGS 84 longitude/latitude (EPSG:4326). At most "
        f"{DEFAULT_LIMITS.max_features} features and {DEFAULT_LIMITS.max_vertices} "
        "points; a KML with a DOCTYPE, an unsafe KMZ, another coordinate system "
        "or coordinates out of range are refused."
    )

    class Meta:
        ref_name = "ReferenceLayerUpload"

    def validate_file(self, upload: Any) -> Any:
        if file_suffix(upload.name or "") not in SUFFIXES:
            raise serializers.ValidationError(
                _("Unsupported file type: use GeoJSON (.geojson, .json), KML or KMZ."),
                code="file_type",
            )
        if (upload.size or 0) > DEFAULT_LIMITS.max_bytes:
            raise serializers.ValidationError(
                _("The file is too large (at most %(mb)s MB).") % {"mb": MAX_MB},
                code="file_size",
            )
        return upload


class LayerInfoOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text=UNTRUSTED)
    kind = EnumField(enum="ReferenceLayerKind", choices=ReferenceLayer.Kind)
    colour = serializers.CharField()
    shown_by_default = serializers.BooleanField()
    simplified = serializers.BooleanField(
        help_text="true: geometries were simplified (about 5 m) for a large layer."
    )

    class Meta:
        ref_name = "ReferenceLayerInfo"


class FeatureOutput(serializers.Serializer[Any]):
    type = serializers.ChoiceField(choices=["Feature"])
    id = serializers.IntegerField()
    geometry = serializers.JSONField(
        help_text="A GeoJSON geometry of any type, longitude/latitude in WGS 84."
    )
    properties = serializers.DictField(
        help_text=f"``name`` and the file's properties (strings, numbers, booleans, "
        f"null). {UNTRUSTED}"
    )

    class Meta:
        ref_name = "ReferenceLayerFeature"


class FeatureCollectionOutput(serializers.Serializer[Any]):
    type = serializers.ChoiceField(choices=["FeatureCollection"])
    layer = LayerInfoOutput(help_text="How to draw the layer (a foreign member).")
    features = FeatureOutput(many=True)

    class Meta:
        ref_name = "ReferenceLayerFeatureCollection"


def _valid(serializer: serializers.Serializer[Any], slug: str) -> dict[str, Any]:
    """The validated data; refused input is logged, then answered 400."""
    if not serializer.is_valid():
        logger.warning(
            "reference layer input refused in %s: %s", slug, serializer.errors
        )
        raise ValidationError(serializer.errors)
    return dict(serializer.validated_data)


# --- endpoints ----------------------------------------------------------------------------
class MapLayerListApi(ActivationApi):
    """The activation's reference layers, by name (whoever sees the map), and
    uploading one (multipart/form-data; team leads and coordinators)."""

    activation_actions = {"GET": Action.VIEW_MAP, "POST": Action.MANAGE_LAYERS}
    parser_classes = [MultiPartParser, FormParser]
    pagination_class = Pagination

    Output = LayerOutput
    Input = LayerUploadInput

    @extend_schema(
        operation_id="map_layer_list",
        summary="List the reference layers",
        description="The activation's reference layers, by name (everyone who sees "
        "the map, liaisons included).",
        tags=TAGS,
        responses={200: Output(many=True), **errors(404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        layers = selectors.layer_list(activation=self.activation)
        return paginate(
            request=request, view=self, queryset=layers, serializer=self.Output
        )

    @extend_schema(
        operation_id="map_layer_create",
        summary="Upload a reference layer",
        description="A new layer from a GeoJSON, KML or KMZ file sent as "
        "multipart/form-data (team leads, coordinators). A file that cannot be used "
        "answers 400 with `error.code` `invalid_file` and the reason; a name taken "
        "in the activation `duplicate_name`. Nothing is created then.",
        tags=TAGS,
        request={"multipart/form-data": Input},
        responses={201: Output, **errors(400, 403, 404)},
    )
    def post(self, request: Request, slug: str) -> Response:
        data = _valid(self.Input(data=request.data), slug)
        upload = data["file"]
        layer = services.layer_create(
            activation=self.activation,
            by=self.user(),
            name=data["name"],
            kind=data["kind"],
            description=data["description"],
            colour=data["colour"],
            shown_by_default=data["shown_by_default"],
            file_name=upload.name or "",
            data=upload.read(),
        )
        return Response(self.Output(layer).data, status=status.HTTP_201_CREATED)


class _OneLayer(ActivationApi):
    def layer(self, layer_id: int) -> ReferenceLayer:
        layer = selectors.layer_get(activation=self.activation, layer_id=layer_id)
        if layer is None:
            raise Http404
        return layer


class MapLayerDetailApi(_OneLayer):
    """One reference layer; changing how it is named, described and drawn (its
    features stay: upload a new layer to change them), or deleting it."""

    activation_actions = {
        "GET": Action.VIEW_MAP,
        "PATCH": Action.MANAGE_LAYERS,
        "DELETE": Action.MANAGE_LAYERS,
    }
    parser_classes = [JSONParser]

    Output = LayerOutput

    class Input(LayerFieldsInput):
        class Meta:
            ref_name = "ReferenceLayerUpdate"

    @extend_schema(
        operation_id="map_layer_retrieve",
        summary="Read a reference layer",
        description="One layer's description (its features: the geojson endpoint).",
        tags=TAGS,
        responses={200: Output, **errors(404)},
    )
    def get(self, request: Request, slug: str, layer_id: int) -> Response:
        return Response(self.Output(self.layer(layer_id)).data)

    @extend_schema(
        operation_id="map_layer_update",
        summary="Edit a reference layer",
        description="Change its name, kind, description, colour or whether it is "
        "shown when the map opens; the features stay (upload a new layer to change "
        "them).",
        tags=TAGS,
        request=Input,
        responses={200: Output, **errors(400, 403, 404)},
    )
    def patch(self, request: Request, slug: str, layer_id: int) -> Response:
        layer = self.layer(layer_id)
        data = _valid(self.Input(data=request.data, partial=True), slug)
        layer = services.layer_update(
            layer=layer,
            by=self.user(),
            name=data.get("name", layer.name),
            kind=data.get("kind", layer.kind),
            description=data.get("description", layer.description),
            colour=data.get("colour", layer.colour),
            shown_by_default=data.get("shown_by_default", layer.shown_by_default),
        )
        return Response(self.Output(layer).data)

    @extend_schema(
        operation_id="map_layer_destroy",
        summary="Delete a reference layer",
        description="The layer and its features, for everyone in the activation.",
        tags=TAGS,
        responses={204: OpenApiResponse(description="Deleted."), **errors(403, 404)},
    )
    def delete(self, request: Request, slug: str, layer_id: int) -> Response:
        services.layer_delete(layer=self.layer(layer_id), by=self.user())
        return Response(status=status.HTTP_204_NO_CONTENT)


class MapLayerGeoJSONApi(_OneLayer):
    """The layer's features as a GeoJSON FeatureCollection (``application/geo+json``),
    longitude/latitude in WGS 84; large layers come simplified (``layer.simplified``)."""

    activation_actions = {"GET": Action.VIEW_MAP}
    renderer_classes = [GeoJSONRenderer, JSONRenderer]

    @extend_schema(
        operation_id="map_layer_geojson",
        summary="Read a reference layer as GeoJSON",
        tags=TAGS,
        responses={200: FeatureCollectionOutput, **errors(404)},
    )
    def get(self, request: Request, slug: str, layer_id: int) -> Response:
        geojson = selectors.layer_geojson(layer=self.layer(layer_id))
        return Response(geojson)


_LAYERS = "activations/<slug:slug>/map/layers/"

urlpatterns: list[URLPattern] = [
    path(_LAYERS, MapLayerListApi.as_view(), name="api-map-layer-list"),
    path(
        _LAYERS + "<int:layer_id>/",
        MapLayerDetailApi.as_view(),
        name="api-map-layer-detail",
    ),
    path(
        _LAYERS + "<int:layer_id>/geojson/",
        MapLayerGeoJSONApi.as_view(),
        name="api-map-layer-geojson",
    ),
]
