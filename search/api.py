"""Search API: full-text search over an activation's posts, and its saved searches.

Search results carry ``text`` (plain, UNTRUSTED: clients must escape it) and
``excerpt_html`` (already escaped; only <mark> elements around matched words).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from activations.api._common import ActivationApi, UserRef, errors
from activations.permissions import Action
from audit import services as audit
from monitoring.api.posts import http_url
from search import selectors, services
from search.forms import FILTER_FIELDS, SearchForm
from search.models import SavedSearch

FILTER_HELP = {
    "q": 'Words; "quoted phrase", OR, -excluded. Accents and endings folded (French and English).',
    "platform": "Platform code.",
    "lang": "fr or en.",
    "category": "Category code.",
    "place": "Part of the place name.",
    "bbox": "west,south,east,north (degrees, WGS 84).",
    "area": "A GeoJSON Polygon or MultiPolygon (string).",
    "since": "ISO 8601 date-time, inclusive.",
    "until": "ISO 8601 date-time, inclusive.",
    "verified": "true: only posts of a verified case or map item.",
    "order": "date (newest first, default) or rank (best match first).",
    "after": "The next_cursor of the previous page.",
}
SEARCH_PARAMETERS = [
    OpenApiParameter(name, str, description=text) for name, text in FILTER_HELP.items()
]


def _form_errors(form: SearchForm) -> serializers.ValidationError:
    return serializers.ValidationError(
        {name: [str(e) for e in errs] for name, errs in form.errors.items()}
    )


class SearchHitOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="post.pk")
    platform = serializers.CharField(source="post.platform")
    lang = serializers.CharField(source="post.lang")
    category = serializers.CharField(source="post.category")
    place_name = serializers.CharField(source="post.place_name")
    posted_at = serializers.DateTimeField(source="post.posted_at")
    author_handle = serializers.CharField(source="post.author_handle")
    url = serializers.SerializerMethodField()
    text = serializers.CharField(
        source="post.text", help_text="Plain text as posted, UNTRUSTED: escape it."
    )
    excerpt_html = serializers.CharField(
        source="excerpt",
        help_text="Escaped HTML; matched words are wrapped in <mark>.",
    )
    rank = serializers.FloatField(allow_null=True)

    class Meta:
        ref_name = "SearchHit"

    def get_url(self, hit: selectors.SearchHit) -> str:
        return http_url(hit.post.url)


class SearchPageOutput(serializers.Serializer[Any]):
    results = SearchHitOutput(many=True, source="hits")
    next_cursor = serializers.CharField(help_text="Pass as `after`; empty at the end.")
    notices = serializers.ListField(child=serializers.CharField())

    class Meta:
        ref_name = "SearchPage"


class PostSearchApi(ActivationApi):
    """Posts of the activation matching words and filters, with highlighted excerpts.
    A query that cannot be searched (only common words or symbols, too long)
    answers 400 with code ``invalid_search`` and an explanation."""

    activation_actions = {"GET": Action.VIEW_POSTS}

    @extend_schema(
        operation_id="post_search",
        tags=["search"],
        parameters=SEARCH_PARAMETERS,
        responses={200: SearchPageOutput, **errors(400, 403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        form = SearchForm(request.query_params)
        if not form.is_valid():
            raise _form_errors(form)
        page = selectors.posts_search(
            activation=self.activation,
            params=form.params(),
            cursor=request.query_params.get("after", ""),
        )
        if page.hits:
            audit.record_request(
                request,
                action=audit.Action.PERSONAL_DATA_VIEW,
                activation=self.activation,
                object_type="monitoring.post",
                summary=f"search api results={len(page.hits)}",
            )
        return Response(SearchPageOutput(page).data)


class SavedSearchOutput(serializers.ModelSerializer[SavedSearch]):
    created_by = UserRef(allow_null=True)
    following = serializers.SerializerMethodField()
    alerts_paused = serializers.BooleanField()

    class Meta:
        model = SavedSearch
        fields = [
            "id",
            "name",
            "query",
            "filters",
            "alerts_enabled",
            "alerts_paused",
            "alerts_paused_at",
            "last_checked_at",
            "last_match_id",
            "created_by",
            "created_at",
            "updated_at",
            "following",
        ]
        read_only_fields = fields
        ref_name = "SavedSearch"

    def get_following(self, saved: SavedSearch) -> bool:
        user = self.context["user"]
        return any(f.pk == user.pk for f in saved.followers.all())


class SavedSearchInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=120, required=False)
    query = serializers.CharField(max_length=500, required=False, allow_blank=True)
    filters = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text=f"Any of: {', '.join(f for f in FILTER_FIELDS if f != 'q')}.",
    )
    alerts_enabled = serializers.BooleanField(required=False)

    class Meta:
        ref_name = "SavedSearchInput"

    def validate_filters(self, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(FILTER_FIELDS) - {"q"}) or (
            ["q"] if "q" in value else []
        )
        if unknown:
            raise serializers.ValidationError(
                _("Unknown filters: %(names)s.") % {"names": ", ".join(unknown)}
            )
        form = SearchForm(value)
        if not form.is_valid():
            raise _form_errors(form)
        return {k: v.strip() for k, v in value.items() if v.strip()}


class SavedSearchListApi(ActivationApi):
    """The team's saved searches (any reader of posts); create one
    (MANAGE_SAVED_SEARCHES): you follow it, alerts start from the newest post."""

    activation_actions = {
        "GET": Action.VIEW_POSTS,
        "POST": Action.MANAGE_SAVED_SEARCHES,
    }

    @extend_schema(
        operation_id="saved_search_list",
        tags=["search"],
        responses={200: SavedSearchOutput(many=True), **errors(403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        saved = selectors.saved_search_list(activation=self.activation)
        return Response(
            SavedSearchOutput(saved, many=True, context={"user": self.user()}).data
        )

    @extend_schema(
        operation_id="saved_search_create",
        tags=["search"],
        request=SavedSearchInput,
        responses={201: SavedSearchOutput, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, slug: str) -> Response:
        data = SavedSearchInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if "name" not in values:
            raise serializers.ValidationError({"name": [_("This field is required.")]})
        saved = services.saved_search_create(
            activation=self.activation,
            user=self.user(),
            name=values["name"],
            query=values.get("query", "").strip(),
            filters=values.get("filters", {}),
            alerts_enabled=values.get("alerts_enabled", True),
        )
        return Response(
            SavedSearchOutput(saved, context={"user": self.user()}).data,
            status=status.HTTP_201_CREATED,
        )


class SavedSearchDetailApi(ActivationApi):
    """One saved search: read (readers), change or delete (MANAGE_SAVED_SEARCHES).
    Setting ``alerts_enabled`` to true also resumes alerts paused for matching too much."""

    activation_actions = {
        "GET": Action.VIEW_POSTS,
        "PATCH": Action.MANAGE_SAVED_SEARCHES,
        "DELETE": Action.MANAGE_SAVED_SEARCHES,
    }

    @extend_schema(
        operation_id="saved_search_get",
        tags=["search"],
        responses={200: SavedSearchOutput, **errors(403, 404)},
    )
    def get(self, request: Request, slug: str, saved_id: int) -> Response:
        saved = selectors.saved_search_get(activation=self.activation, pk=saved_id)
        return Response(SavedSearchOutput(saved, context={"user": self.user()}).data)

    @extend_schema(
        operation_id="saved_search_update",
        tags=["search"],
        request=SavedSearchInput,
        responses={200: SavedSearchOutput, **errors(400, 403, 404, 409)},
    )
    def patch(self, request: Request, slug: str, saved_id: int) -> Response:
        saved = selectors.saved_search_get(activation=self.activation, pk=saved_id)
        data = SavedSearchInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        saved = services.saved_search_update(
            saved=saved,
            user=self.user(),
            name=values.get("name"),
            query=values["query"].strip() if "query" in values else None,
            filters=values.get("filters"),
            alerts_enabled=values.get("alerts_enabled"),
        )
        return Response(SavedSearchOutput(saved, context={"user": self.user()}).data)

    @extend_schema(
        operation_id="saved_search_delete",
        tags=["search"],
        responses={204: None, **errors(403, 404)},
    )
    def delete(self, request: Request, slug: str, saved_id: int) -> Response:
        saved = selectors.saved_search_get(activation=self.activation, pk=saved_id)
        services.saved_search_delete(saved=saved, user=self.user())
        return Response(status=status.HTTP_204_NO_CONTENT)


class SavedSearchFollowApi(ActivationApi):
    """Follow (``{"follow": true}``) or stop following a saved search; idempotent."""

    activation_actions = {"POST": Action.VIEW_POSTS}

    class Input(serializers.Serializer[Any]):
        follow = serializers.BooleanField()

        class Meta:
            ref_name = "SavedSearchFollowInput"

    @extend_schema(
        operation_id="saved_search_follow",
        tags=["search"],
        request=Input,
        responses={200: SavedSearchOutput, **errors(400, 403, 404)},
    )
    def post(self, request: Request, slug: str, saved_id: int) -> Response:
        saved = selectors.saved_search_get(activation=self.activation, pk=saved_id)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        services.saved_search_follow(
            saved=saved, user=self.user(), follow=data.validated_data["follow"]
        )
        saved = selectors.saved_search_get(activation=self.activation, pk=saved_id)
        return Response(SavedSearchOutput(saved, context={"user": self.user()}).data)
