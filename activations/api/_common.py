"""What the activations endpoints share: GeoJSON areas, pagination, the
activation-scoped base view and the documented error answers."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, cast

from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import MultiPolygon
from django.db import models
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from activations.models import Activation
from activations.permissions import Action, IsActivationMember
from vost.api import Pagination
from vost.geo import AreaFileError, area_from_geojson

GEOJSON_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": (
        "A GeoJSON Polygon or MultiPolygon (a Feature or FeatureCollection of "
        "polygons is accepted on input), longitude/latitude in WGS 84."
    ),
    "additionalProperties": True,
    "example": {
        "type": "MultiPolygon",
        "coordinates": [
            [
                [
                    [3.78, 43.51],
                    [3.98, 43.51],
                    [3.98, 43.71],
                    [3.78, 43.71],
                    [3.78, 43.51],
                ]
            ]
        ],
    },
}


@extend_schema_field(GEOJSON_SCHEMA)
class GeoJSONAreaField(serializers.Field):  # type: ignore[type-arg]
    """A MultiPolygon read and written as a GeoJSON object (never as a string)."""

    default_error_messages = {"not_object": _("Send a GeoJSON object.")}

    def to_representation(self, value: MultiPolygon) -> dict[str, Any]:
        return cast(dict[str, Any], json.loads(value.geojson))

    def to_internal_value(self, data: Any) -> MultiPolygon:
        if not isinstance(data, dict):
            self.fail("not_object")
        try:
            return area_from_geojson(json.dumps(data))
        except AreaFileError as exc:
            raise serializers.ValidationError(str(exc), code="invalid_area") from exc
        except GDALException:
            # GEOSGeometry parses GeoJSON through OGR, which raises this on a
            # malformed geometry that area_from_geojson does not catch (yet).
            raise serializers.ValidationError(
                _("This is not valid GeoJSON: %(error)s")
                % {"error": _("malformed geometry")},
                code="invalid_area",
            ) from None


class EnumField(serializers.ChoiceField):
    """A choice field documented as a named enum component (``OrganisationKind``…).

    Several models have a ``kind`` or ``status`` with different choices; naming
    each set keeps the schema unambiguous for client generators.
    """

    def __init__(
        self,
        *,
        enum: str,
        choices: Sequence[tuple[str, Any]] | type[models.TextChoices],
        **kwargs: Any,
    ) -> None:
        self.enum_name = enum
        if isinstance(choices, type):
            choices = choices.choices
        super().__init__(choices=choices, **kwargs)


class EnumFieldExtension(OpenApiSerializerFieldExtension):  # type: ignore[no-untyped-call]
    target_class = EnumField

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        field: EnumField = self.target
        labels = "\n".join(
            f"* `{value}` - {label}" for value, label in field.choices.items()
        )
        component = ResolvedComponent(  # type: ignore[no-untyped-call]
            name=field.enum_name,
            type=ResolvedComponent.SCHEMA,
            object=field.enum_name,
            schema={
                "type": "string",
                "enum": list(field.choices),
                "description": labels,
            },
        )
        auto_schema.registry.register_on_missing(component)
        ref: dict[str, Any] = component.ref
        return ref


class UserRef(serializers.ModelSerializer[User]):
    name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "name"]
        read_only_fields = fields
        ref_name = "UserRef"

    def get_name(self, user: User) -> str:
        return user.get_full_name() or user.get_username()


class ErrorBody(serializers.Serializer[Any]):
    """The one error body of the API (vost.api.exception_handler)."""

    class Error(serializers.Serializer[Any]):
        status = serializers.IntegerField()
        code = serializers.CharField()
        message = serializers.CharField()
        details = serializers.JSONField(allow_null=True)
        request_id = serializers.CharField()

        class Meta:
            ref_name = "ErrorDetail"

    error = Error()

    class Meta:
        ref_name = "Error"


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Documented error answers, all with the same body."""
    text = {
        400: "Invalid input, or refused by a rule (the message says why); nothing changed.",
        401: "Not authenticated.",
        403: "Your role does not allow this.",
        404: "Missing, or not visible to you.",
        409: "Stale version: someone changed the object meanwhile; nothing changed.",
    }
    return {
        code: OpenApiResponse(response=ErrorBody, description=text[code])
        for code in (401, *codes)
    }


READ_ERRORS = errors(404)
WRITE_ERRORS = errors(400, 403, 404)


def paginate(
    *,
    request: Request,
    view: APIView,
    queryset: QuerySet[Any] | Sequence[Model],
    serializer: type[serializers.BaseSerializer[Any]],
    context: Mapping[str, Any] | None = None,
) -> Response:
    """A page of `queryset` as ``{count, next, previous, results}`` (vost.api.Pagination)."""
    paginator = Pagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    data = serializer(page, many=True, context=dict(context or {})).data
    return paginator.get_paginated_response(data)


class ActivationApi(APIView):
    """Base of the endpoints under ``activations/<slug>/``: access through
    ``IsActivationMember`` with the action each method needs."""

    permission_classes = [IsAuthenticated, IsActivationMember]
    activation_actions: ClassVar[Mapping[str, Action]] = {}
    activation: Activation  # set by IsActivationMember

    def user(self) -> User:
        return cast(User, self.request.user)


def request_user(request: Request) -> User:
    """The authenticated user (IsAuthenticated has run)."""
    return cast(User, request.user)
