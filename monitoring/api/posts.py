"""Posts API: an activation's incoming posts, newest first, with filters.

Reading needs VIEW_POSTS: never a liaison (the raw queue stays with the team).
"""

from __future__ import annotations

import json
from typing import Any, cast

from django.contrib.gis.geos import Point
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from activations.api._common import ActivationApi, EnumField, errors, paginate
from activations.permissions import Action
from audit import services as audit
from monitoring import selectors
from monitoring.models import Category, Cluster, Platform, Post
from vost.api import Pagination

POINT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "nullable": True,
    "description": "A GeoJSON Point, longitude/latitude in WGS 84; null when not located.",
    "properties": {
        "type": {"type": "string", "enum": ["Point"]},
        "coordinates": {
            "type": "array",
            "items": {"type": "number"},
            "minItems": 2,
            "maxItems": 2,
        },
    },
    "example": {"type": "Point", "coordinates": [3.88, 43.61]},
}


@extend_schema_field(POINT_SCHEMA)
class GeoJSONPointField(serializers.Field):  # type: ignore[type-arg]
    def to_representation(self, value: Point) -> dict[str, Any]:
        return cast(dict[str, Any], json.loads(value.geojson))


def http_url(value: str) -> str:
    """`value` if it is an http(s) address, else "" (never a javascript: link)."""
    return value if value.lower().startswith(("http://", "https://")) else ""


class ClusterRef(serializers.ModelSerializer[Cluster]):
    status = EnumField(enum="ClusterStatus", choices=Cluster.Status, read_only=True)

    class Meta:
        model = Cluster
        fields = ["id", "size", "status"]
        read_only_fields = fields
        ref_name = "ClusterRef"


class PostOutput(serializers.ModelSerializer[Post]):
    platform = EnumField(enum="Platform", choices=Platform, read_only=True)
    url = serializers.SerializerMethodField(
        help_text="Link to the original: an http(s) address, or an empty string."
    )
    location = GeoJSONPointField(read_only=True, allow_null=True)
    location_source = serializers.CharField(
        read_only=True,
        help_text="platform, geoparsed, official, or empty when not located.",
    )
    category = serializers.CharField(
        read_only=True, help_text="A category of the taxonomy, or empty."
    )
    cluster = ClusterRef(read_only=True, allow_null=True)
    repost_of = serializers.SerializerMethodField(
        help_text="External id of the original when this is a repost, else null."
    )

    class Meta:
        model = Post
        fields = [
            "id",
            "platform",
            "external_id",
            "url",
            "author_handle",
            "author_name",
            "text",
            "lang",
            "posted_at",
            "received_at",
            "location",
            "location_source",
            "place_name",
            "in_area",
            "category",
            "priority",
            "cluster",
            "repost_of",
            "is_official",
        ]
        read_only_fields = fields
        ref_name = "Post"

    def get_url(self, post: Post) -> str:
        return http_url(post.url)

    def get_repost_of(self, post: Post) -> str | None:
        return post.repost_of_external_id or None


class PostListApi(ActivationApi):
    """The activation's posts, newest first (roles that see posts; not liaisons)."""

    activation_actions = {"GET": Action.VIEW_POSTS}
    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer[Any]):
        platform = EnumField(enum="Platform", choices=Platform, required=False)
        category = EnumField(enum="PostCategory", choices=Category, required=False)
        lang = serializers.RegexField(
            r"^[a-z]{2,3}$",
            required=False,
            help_text="ISO 639-1 code, e.g. fr.",
        )
        status = EnumField(
            enum="ClusterStatus",
            choices=Cluster.Status,
            required=False,
            help_text="Status of the post's cluster.",
        )
        in_area = serializers.BooleanField(
            required=False,
            allow_null=True,
            default=None,
            help_text="true: located inside the activation area; false: located "
            "outside it (posts without a location match neither).",
        )
        since = serializers.DateTimeField(
            required=False, help_text="Posts published at or after this time."
        )
        q = serializers.CharField(
            required=False, max_length=200, help_text="Part of the text or author."
        )

    Output = PostOutput

    @extend_schema(
        operation_id="post_list",
        tags=["monitoring"],
        parameters=[FilterSerializer],
        responses={200: Output(many=True), **errors(400, 403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        in_area = data.get("in_area")
        posts = selectors.post_list(
            activation=self.activation,
            platform=data.get("platform", ""),
            category=data.get("category", ""),
            lang=data.get("lang", ""),
            area="" if in_area is None else ("in" if in_area else "out"),
            status=data.get("status", ""),
            since=data.get("since"),
            query=data.get("q", "").strip(),
        )
        audit.record_request(
            request,
            action=audit.Action.PERSONAL_DATA_VIEW,
            activation=self.activation,
            object_type="monitoring.post",
            summary="post list api page=" + request.query_params.get("page", "1")[:9],
        )
        return paginate(
            request=request, view=self, queryset=posts, serializer=self.Output
        )
