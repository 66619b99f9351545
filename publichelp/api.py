"""Help to the population API under /api/v1/activations/<slug>/help/.

Reading needs VIEW_PUBLIC_HELP (team roles and observers; liaisons have none):
the mutual-aid entries, the matches of one entry, and the reply templates filled
with the activation's values. Recording an entry, matching and changing a status
need MANAGE_PUBLIC_HELP (volunteers, team leads, coordinators). A match or a status
change someone else already made answers 409 and changes nothing. Descriptions are
plain, UNTRUSTED text: escape them before display.
"""

from __future__ import annotations

import json
import logging
from typing import Any, cast

from django.contrib.gis.geos import Point
from django.http import Http404
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from activations.api._common import ActivationApi, EnumField, errors, paginate
from activations.permissions import Action
from publichelp import selectors, services
from publichelp.models import AidEntry, Language, ReplyTemplate, Situation
from publichelp.selectors import DEFAULT_MATCH_DISTANCE_M, MAX_MATCH_DISTANCE_M, Match
from vost.api import Pagination

logger = logging.getLogger(__name__)

TAGS = ["public help"]
UNTRUSTED = (
    "Plain text, UNTRUSTED: never HTML; clients must escape it before display. "
    "Phone numbers and e-mail addresses are removed on input."
)
CHANGE_ERRORS = errors(400, 403, 404, 409)
POINT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A GeoJSON Point, longitude/latitude in WGS 84.",
    "additionalProperties": True,
    "example": {"type": "Point", "coordinates": [3.8767, 43.6108]},
}


@extend_schema_field(POINT_SCHEMA)
class GeoJSONPointField(serializers.Field):  # type: ignore[type-arg]
    default_error_messages = {"invalid": _("Send a GeoJSON Point in WGS 84.")}

    def to_representation(self, value: Point) -> dict[str, Any]:
        return cast(dict[str, Any], json.loads(value.json))

    def to_internal_value(self, data: Any) -> Point:
        try:
            lon, lat = data["coordinates"]
            if data.get("type") != "Point":
                raise ValueError
            lon, lat = float(lon), float(lat)
        except (TypeError, KeyError, ValueError, AttributeError):
            self.fail("invalid")
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            self.fail("invalid")
        return Point(lon, lat, srid=4326)


class AidEntryOutput(serializers.Serializer[AidEntry]):
    id = serializers.IntegerField()
    kind = EnumField(enum="AidKind", choices=AidEntry.Kind)
    category = EnumField(enum="AidCategory", choices=AidEntry.Category)
    description = serializers.CharField(help_text=UNTRUSTED)
    location = GeoJSONPointField()
    radius_m = serializers.IntegerField(allow_null=True)
    place_name = serializers.CharField()
    source_post = serializers.IntegerField(source="source_post_id", allow_null=True)
    source_url = serializers.CharField(help_text="The post's address, if any.")
    status = EnumField(enum="AidStatus", choices=AidEntry.Status)
    expires_at = serializers.DateTimeField()
    matched_with = serializers.IntegerField(source="matched_with_id", allow_null=True)
    created_at = serializers.DateTimeField()
    version = serializers.IntegerField(help_text="Send it back with a change.")

    class Meta:
        ref_name = "AidEntry"


class MatchOutput(serializers.Serializer[Match]):
    distance_m = serializers.IntegerField(
        help_text="Between the two areas (centres minus radii), 0 when they overlap."
    )
    entry = AidEntryOutput()

    class Meta:
        ref_name = "AidMatch"


class _HelpApi(ActivationApi):
    def entry(self, entry_id: int) -> AidEntry:
        entry = selectors.aid_entry_get(activation=self.activation, entry_id=entry_id)
        if entry is None:
            raise Http404
        return entry


class AidEntryListApi(_HelpApi):
    """The mutual-aid entries (GET, newest first) and recording one (POST)."""

    activation_actions = {
        "GET": Action.VIEW_PUBLIC_HELP,
        "POST": Action.MANAGE_PUBLIC_HELP,
    }
    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer[Any]):
        kind = EnumField(enum="AidKind", choices=AidEntry.Kind, required=False)
        category = EnumField(
            enum="AidCategory", choices=AidEntry.Category, required=False
        )
        status = EnumField(enum="AidStatus", choices=AidEntry.Status, required=False)

        class Meta:
            ref_name = "AidEntryFilters"

    class Input(serializers.Serializer[Any]):
        kind = EnumField(enum="AidKind", choices=AidEntry.Kind)
        category = EnumField(enum="AidCategory", choices=AidEntry.Category)
        description = serializers.CharField(max_length=500, help_text=UNTRUSTED)
        location = GeoJSONPointField(
            required=False, help_text="Or give place_name (a commune)."
        )
        radius_m = serializers.IntegerField(
            required=False, allow_null=True, min_value=1, max_value=50_000
        )
        place_name = serializers.CharField(
            required=False, allow_blank=True, max_length=200
        )
        source_post = serializers.IntegerField(
            required=False, allow_null=True, help_text="A post of this activation."
        )

        class Meta:
            ref_name = "AidEntryInput"

        def validate(self, data: dict[str, Any]) -> dict[str, Any]:
            if data.get("location") is None and not data.get("place_name"):
                raise serializers.ValidationError(
                    _("Give a commune or a point (latitude, longitude).")
                )
            return data

    @extend_schema(
        operation_id="aid_entry_list",
        tags=TAGS,
        parameters=[FilterSerializer],
        responses={200: AidEntryOutput(many=True), **errors(400, 403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        entries = selectors.aid_entry_list(
            activation=self.activation,
            kind=data.get("kind"),
            category=data.get("category"),
            statuses=[data["status"]] if data.get("status") else None,
        )
        return paginate(
            request=request, view=self, queryset=entries, serializer=AidEntryOutput
        )

    @extend_schema(
        operation_id="aid_entry_create",
        tags=TAGS,
        request=Input,
        responses={201: AidEntryOutput, **errors(400, 403, 404)},
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.Input(data=request.data)
        if not data.is_valid():
            logger.warning("aid entry refused in %s: %s", slug, data.errors)
            data.is_valid(raise_exception=True)
        values = data.validated_data
        post = None
        if values.get("source_post"):
            post = selectors.post_for_entry(
                activation=self.activation, post_id=values["source_post"]
            )
            if post is None:
                raise serializers.ValidationError(
                    {"source_post": [_("This post is not in this activation.")]}
                )
        entry = services.aid_entry_create(
            activation=self.activation,
            by=self.user(),
            kind=values["kind"],
            category=values["category"],
            description=values["description"],
            location=values.get("location"),
            radius_m=values.get("radius_m"),
            place_name=values.get("place_name") or "",
            source_post=post,
        )
        return Response(AidEntryOutput(entry).data, status=status.HTTP_201_CREATED)


class AidEntryDetailApi(_HelpApi):
    activation_actions = {"GET": Action.VIEW_PUBLIC_HELP}

    @extend_schema(
        operation_id="aid_entry_detail",
        tags=TAGS,
        responses={200: AidEntryOutput, **errors(403, 404)},
    )
    def get(self, request: Request, slug: str, entry_id: int) -> Response:
        return Response(AidEntryOutput(self.entry(entry_id)).data)


class AidEntryMatchesApi(_HelpApi):
    """Open, unexpired entries of the other kind and the same category within
    `max_distance_m` (default 10 km), nearest first; none unless the entry is open."""

    activation_actions = {"GET": Action.VIEW_PUBLIC_HELP}

    class FilterSerializer(serializers.Serializer[Any]):
        max_distance_m = serializers.IntegerField(
            required=False,
            min_value=1,
            max_value=MAX_MATCH_DISTANCE_M,
            default=DEFAULT_MATCH_DISTANCE_M,
        )

        class Meta:
            ref_name = "AidMatchFilters"

    @extend_schema(
        operation_id="aid_entry_matches",
        tags=TAGS,
        parameters=[FilterSerializer],
        responses={200: MatchOutput(many=True), **errors(400, 403, 404)},
    )
    def get(self, request: Request, slug: str, entry_id: int) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        matches = selectors.aid_matches(
            entry=self.entry(entry_id),
            max_distance_m=filters.validated_data["max_distance_m"],
        )
        return Response(MatchOutput(cast(Any, matches), many=True).data)


class AidEntryMatchApi(_HelpApi):
    """Match this entry with `other` (a need with an offer, same category, both open)."""

    activation_actions = {"POST": Action.MANAGE_PUBLIC_HELP}

    class Input(serializers.Serializer[Any]):
        other = serializers.IntegerField(help_text="The entry of the other kind.")
        version = serializers.IntegerField(
            required=False, help_text="This entry's version, as you read it."
        )

        class Meta:
            ref_name = "AidMatchInput"

    @extend_schema(
        operation_id="aid_entry_match",
        tags=TAGS,
        request=Input,
        responses={200: AidEntryOutput, **CHANGE_ERRORS},
    )
    def post(self, request: Request, slug: str, entry_id: int) -> Response:
        self.entry(entry_id)
        data = self.Input(data=request.data)
        if not data.is_valid():
            logger.warning("aid match refused in %s: %s", slug, data.errors)
            data.is_valid(raise_exception=True)
        entry = services.aid_entry_match(
            activation=self.activation,
            by=self.user(),
            entry_id=entry_id,
            other_id=data.validated_data["other"],
            version=data.validated_data.get("version"),
        )
        return Response(AidEntryOutput(self.entry(entry.pk)).data)


class AidEntryStatusApi(_HelpApi):
    """Change the status: open to fulfilled or closed; matched to fulfilled (both),
    open or closed (the partner is released); expired to open (48 h more) or closed."""

    activation_actions = {"POST": Action.MANAGE_PUBLIC_HELP}

    class Input(serializers.Serializer[Any]):
        status = EnumField(enum="AidStatus", choices=AidEntry.Status)
        version = serializers.IntegerField(help_text="The version you read.")

        class Meta:
            ref_name = "AidStatusInput"

    @extend_schema(
        operation_id="aid_entry_status",
        tags=TAGS,
        request=Input,
        responses={200: AidEntryOutput, **CHANGE_ERRORS},
    )
    def post(self, request: Request, slug: str, entry_id: int) -> Response:
        self.entry(entry_id)
        data = self.Input(data=request.data)
        if not data.is_valid():
            logger.warning("aid status refused in %s: %s", slug, data.errors)
            data.is_valid(raise_exception=True)
        entry = services.aid_entry_update_status(
            activation=self.activation,
            by=self.user(),
            entry_id=entry_id,
            status=data.validated_data["status"],
            version=data.validated_data["version"],
        )
        return Response(AidEntryOutput(self.entry(entry.pk)).data)


class ReplyOutput(serializers.Serializer[ReplyTemplate]):
    id = serializers.IntegerField()
    situation = EnumField(enum="ReplySituation", choices=Situation)
    language = EnumField(enum="ReplyLanguage", choices=Language)
    title = serializers.CharField()
    body = serializers.CharField(help_text="With its {placeholders}.")
    text = serializers.CharField(
        source="filled", help_text="Filled with the activation's values, ready to post."
    )
    resource_urls = serializers.ListField(child=serializers.CharField())
    scope = serializers.SerializerMethodField(
        help_text="`library` (shared) or `activation` (this activation's override)."
    )

    class Meta:
        ref_name = "ReplyTemplate"

    @extend_schema_field(serializers.ChoiceField(choices=["library", "activation"]))
    def get_scope(self, template: ReplyTemplate) -> str:
        return "library" if template.is_library else "activation"


class ReplyListApi(_HelpApi):
    """The reply templates the activation uses (active ones), filled."""

    activation_actions = {"GET": Action.VIEW_PUBLIC_HELP}

    class FilterSerializer(serializers.Serializer[Any]):
        situation = EnumField(enum="ReplySituation", choices=Situation, required=False)
        language = EnumField(enum="ReplyLanguage", choices=Language, required=False)

        class Meta:
            ref_name = "ReplyFilters"

    @extend_schema(
        operation_id="reply_template_list",
        tags=TAGS,
        parameters=[FilterSerializer],
        responses={200: ReplyOutput(many=True), **errors(400, 403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        templates = selectors.reply_templates_for(
            activation=self.activation,
            situation=filters.validated_data.get("situation"),
            language=filters.validated_data.get("language"),
        )
        filled = selectors.reply_filled(activation=self.activation, templates=templates)
        return Response(ReplyOutput(cast(Any, filled), many=True).data)


_BASE = "activations/<slug:slug>/help/"
_ENTRY = _BASE + "entries/<int:entry_id>/"

urlpatterns: list[URLPattern] = [
    path(_BASE + "entries/", AidEntryListApi.as_view(), name="api-help-entry-list"),
    path(_ENTRY, AidEntryDetailApi.as_view(), name="api-help-entry-detail"),
    path(
        _ENTRY + "matches/", AidEntryMatchesApi.as_view(), name="api-help-entry-matches"
    ),
    path(_ENTRY + "match/", AidEntryMatchApi.as_view(), name="api-help-entry-match"),
    path(_ENTRY + "status/", AidEntryStatusApi.as_view(), name="api-help-entry-status"),
    path(_BASE + "replies/", ReplyListApi.as_view(), name="api-help-reply-list"),
]
