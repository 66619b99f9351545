"""Triage API: the queue of an activation driven by other tools (see monitoring/triage.py).

A volunteer calls ``next/`` to claim the most urgent item they can read, under a
lease and a token; ``decide/``, ``renew/`` and ``release/`` name that token, so a
double submission, a stale client or an expired lease is refused with 409 and
changes nothing. Team leads also list and filter the whole queue and decide on a
selection (``bulk/``).

Every endpoint needs TRIAGE in the activation (never liaisons nor observers);
the queue list and bulk decisions need TRIAGE_BULK (team leads, coordinators).
Post texts are returned as PLAIN, UNTRUSTED text: clients must escape them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from activations.api._common import (
    ActivationApi,
    EnumField,
    ErrorBody,
    UserRef,
    errors,
    paginate,
)
from activations.permissions import Action, role_allows
from audit import services as audit
from monitoring import triage
from monitoring.api.posts import POINT_SCHEMA, http_url
from monitoring.models import Category, Cluster, Platform, Post, TriageDecision
from vost.api import Pagination
from vost.exceptions import DomainError

UNTRUSTED = (
    "Plain text as posted, UNTRUSTED: never HTML; clients must escape it before "
    "displaying it (it may contain hostile markup)."
)
CONFLICT = {
    409: OpenApiResponse(
        response=ErrorBody,
        description=(
            "Your claim is gone (expired, released, taken back) or the item was "
            "already decided, or the token is not the current one; nothing changed. "
            "`error.code` says which: claim_lost, lease_expired, claimed_by_other, "
            "already_decided, already_undone, changed…"
        ),
    )
}
ITEM_ERRORS = {**errors(400, 403, 404), **CONFLICT}

PRIORITY_LEVELS = [
    ("urgent", "Urgent (predicted priority >= 0.75)"),
    ("high", "High (0.5 to 0.75)"),
    ("normal", "Normal (0.2 to 0.5)"),
    ("low", "Low (below 0.2)"),
]


def priority_level(priority: float) -> str:
    if priority >= triage.URGENT_PRIORITY:
        return "urgent"
    if priority >= triage.HIGH_PRIORITY:
        return "high"
    if priority >= triage.LOW_PRIORITY:
        return "normal"
    return "low"


@contextmanager
def _in_activation() -> Iterator[None]:
    """An item id that is not in the URL's activation answers 404, like a missing one."""
    try:
        yield
    except DomainError as exc:
        if exc.code == "not_found":
            raise Http404 from exc
        raise


# --- output --------------------------------------------------------------------------
class TriageMediaOutput(serializers.Serializer[Any]):
    type = serializers.CharField(help_text="image, video, link…")
    url = serializers.CharField(help_text="An http(s) address, or empty.")
    preview_url = serializers.CharField(
        help_text="Thumbnail (http(s) or empty): load it without referrer; never "
        "auto-play a video."
    )
    description = serializers.CharField(help_text=f"Alt text or title. {UNTRUSTED}")

    class Meta:
        ref_name = "TriageMedia"


@extend_schema_field(POINT_SCHEMA)
class PointField(serializers.Field):  # type: ignore[type-arg]
    """A point as GeoJSON, written directly (no GDAL round trip: this is per post)."""

    def to_representation(self, value: Point) -> dict[str, Any]:
        return {"type": "Point", "coordinates": [value.x, value.y]}


# Plain serializers with explicit fields (no model introspection): they are built
# for every item handed out, and "next" is the hottest call of the workspace.
class TriagePostOutput(serializers.Serializer[Any]):
    """A post as triage shows it: what the platform says about its author, media."""

    id = serializers.IntegerField()
    platform = EnumField(enum="Platform", choices=Platform)
    external_id = serializers.CharField()
    url = serializers.SerializerMethodField(
        help_text="Link to the original: an http(s) address, or an empty string."
    )
    author_handle = serializers.CharField(help_text=UNTRUSTED)
    author_name = serializers.CharField(help_text=UNTRUSTED)
    author_meta = serializers.DictField(
        help_text="What the platform says about the author (followers_count, "
        "verified, created_at = account age…); keys vary by platform."
    )
    text = serializers.CharField(help_text=UNTRUSTED)
    lang = serializers.CharField()
    posted_at = serializers.DateTimeField()
    received_at = serializers.DateTimeField()
    location = PointField(allow_null=True)
    location_source = serializers.CharField(
        help_text="platform, geoparsed, official, or empty when not located."
    )
    place_name = serializers.CharField()
    in_area = serializers.BooleanField(allow_null=True)
    category = serializers.CharField(help_text="A category of the taxonomy, or empty.")
    priority = serializers.FloatField()
    is_official = serializers.BooleanField()
    repost_of = serializers.SerializerMethodField(
        help_text="External id of the original when this is a repost, else null."
    )
    source_name = serializers.CharField(
        source="source.name", default="", help_text="Our source."
    )
    media = serializers.SerializerMethodField()

    class Meta:
        ref_name = "TriagePost"

    def get_url(self, post: Post) -> str:
        return http_url(post.url)

    def get_repost_of(self, post: Post) -> str | None:
        return post.repost_of_external_id or None

    @extend_schema_field(TriageMediaOutput(many=True))
    def get_media(self, post: Post) -> list[dict[str, str]]:
        media = post.media if isinstance(post.media, list) else []
        return [
            {
                "type": str(item.get("type", "")),
                "url": http_url(str(item.get("url", ""))),
                "preview_url": http_url(str(item.get("preview_url", ""))),
                "description": str(item.get("description") or item.get("title") or ""),
            }
            for item in media
            if isinstance(item, dict)
        ]


class TriageItemOutput(serializers.Serializer[Any]):
    """One queue item (a cluster of near-copies) and its representative post."""

    id = serializers.IntegerField()
    status = EnumField(enum="ClusterStatus", choices=Cluster.Status)
    size = serializers.IntegerField()
    lang = serializers.CharField()
    category = serializers.CharField(
        help_text="Predicted (or decided) category, or empty."
    )
    priority = serializers.FloatField()
    priority_level = serializers.SerializerMethodField()
    first_seen_at = serializers.DateTimeField()
    last_seen_at = serializers.DateTimeField()
    post = TriagePostOutput(source="representative")
    claimed_by = UserRef(allow_null=True)
    token = serializers.SerializerMethodField(
        help_text="The claim's token: only for the person holding the item, else "
        "null. Send it with decide, renew and release."
    )
    lease_expires_at = serializers.DateTimeField(allow_null=True)
    decision = serializers.CharField(help_text="The decision in force, or empty.")
    decided_by = UserRef(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "TriageItem"

    @extend_schema_field(EnumField(enum="TriagePriority", choices=PRIORITY_LEVELS))
    def get_priority_level(self, cluster: Cluster) -> str:
        return priority_level(cluster.priority)

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_token(self, cluster: Cluster) -> str | None:
        user = self.context.get("user")
        if (
            user is not None
            and cluster.status == Cluster.Status.IN_TRIAGE
            and cluster.claimed_by_id == user.pk
            and cluster.claim_token is not None
        ):
            return str(cluster.claim_token)
        return None


class TriageDecisionOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = EnumField(enum="TriageDecisionKind", choices=TriageDecision.Kind)
    category = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    note = serializers.CharField(help_text=UNTRUSTED)
    user = UserRef()
    bulk = serializers.BooleanField(help_text="Taken by a team lead on a selection.")
    created_at = serializers.DateTimeField()
    undone_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "TriageDecision"


class TriageRelatedOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    status = EnumField(enum="ClusterStatus", choices=Cluster.Status)
    size = serializers.IntegerField()
    category = serializers.CharField()
    priority = serializers.FloatField()
    text = serializers.CharField(
        source="representative.text", default="", help_text=UNTRUSTED
    )
    place_name = serializers.CharField(source="representative.place_name", default="")

    class Meta:
        ref_name = "TriageRelated"


class TriageItemDetailOutput(TriageItemOutput):
    """The item with its other copies, related items and decisions so far."""

    copies = TriagePostOutput(many=True, help_text="Other copies (at most 20).")
    related = TriageRelatedOutput(
        many=True,
        help_text="Items nearby (5 km, 6 hours) of the same category or place.",
    )
    decisions = TriageDecisionOutput(many=True, help_text="Newest first (at most 10).")

    class Meta:
        ref_name = "TriageItemDetail"

    def to_representation(self, instance: Any) -> dict[str, Any]:
        view = cast(triage.ItemView, instance)
        view.cluster.representative = view.post  # loaded with its source already
        body = dict(TriageItemOutput(view.cluster, context=self.context).data)
        body["copies"] = TriagePostOutput(view.copies, many=True).data
        body["related"] = TriageRelatedOutput(view.related, many=True).data
        body["decisions"] = TriageDecisionOutput(view.decisions, many=True).data
        return body


def _detail(cluster: Cluster, *, user: Any) -> dict[str, Any]:
    view: Any = triage.item_view(cluster=cluster)  # the serializer takes an ItemView
    return cast(
        dict[str, Any], TriageItemDetailOutput(view, context={"user": user}).data
    )


class TriageFilters(serializers.Serializer[Any]):
    keyword = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Part of the text."
    )
    source = serializers.IntegerField(  # type: ignore[assignment]  # a field named "source"
        required=False, min_value=1, help_text="Id of one of the activation's sources."
    )
    lang = serializers.RegexField(
        r"^[a-z]{2,3}$", required=False, help_text="ISO 639-1 code, e.g. fr."
    )
    category = EnumField(enum="PostCategory", choices=Category, required=False)
    priority = EnumField(enum="TriagePriority", choices=PRIORITY_LEVELS, required=False)

    class Meta:
        ref_name = "TriageFilters"

    @staticmethod
    def to_filters(data: dict[str, Any]) -> triage.QueueFilters:
        return triage.QueueFilters(
            keyword=data.get("keyword", "").strip(),
            source_id=data.get("source"),
            lang=data.get("lang", ""),
            category=data.get("category", ""),
            priority=data.get("priority", ""),
        )


# --- endpoints -------------------------------------------------------------------------
class TriageNextApi(ActivationApi):
    """Claim the next item: the most urgent open item you can read (your languages),
    under a lease (``lease_expires_at``) and a ``token``, with its representative
    post. If you already hold an item, it is returned again. Answers 200 with
    ``{"item": null}`` when nothing is left for you. Its other copies, related
    items and decisions so far are in ``items/<id>/`` (kept out of this hot call).
    Filters are for team leads. Post texts and names are plain, untrusted text:
    escape them before display."""

    activation_actions = {"POST": Action.TRIAGE}

    class Input(TriageFilters):
        class Meta:
            ref_name = "TriageNext"

    class Output(serializers.Serializer[Any]):
        item = TriageItemOutput(
            allow_null=True, help_text="null when the queue is empty for you."
        )

        class Meta:
            ref_name = "TriageNextResult"

    @extend_schema(
        operation_id="triage_next",
        tags=["triage"],
        request=Input,
        responses={200: Output, **errors(400, 403, 404)},
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.Input(data=request.data or {})
        data.is_valid(raise_exception=True)
        filters = TriageFilters.to_filters(data.validated_data)
        role = getattr(self.activation, "viewer_role", None)
        if filters.active and not role_allows(role, Action.TRIAGE_BULK):
            raise PermissionDenied(_("Only team leads can filter the queue."))
        user = self.user()
        cluster = triage.item_claim_next(
            activation=self.activation, user=user, filters=filters
        )
        if cluster is None:
            return Response({"item": None})
        return Response(
            {"item": TriageItemOutput(cluster, context={"user": user}).data}
        )


class TriageItemListApi(ActivationApi):
    """The open queue, most urgent first, with filters (team leads). Items held
    by someone are included unless ``held=false``; tokens are never shown here
    except your own."""

    activation_actions = {"GET": Action.TRIAGE_BULK}
    pagination_class = Pagination

    class FilterSerializer(TriageFilters):
        held = serializers.BooleanField(
            required=False,
            default=True,
            help_text="false: only items nobody holds (waiting).",
        )

        class Meta:
            ref_name = "TriageItemFilters"

    Output = TriageItemOutput

    @extend_schema(
        operation_id="triage_item_list",
        tags=["triage"],
        parameters=[FilterSerializer],
        responses={200: Output(many=True), **errors(400, 403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        items = triage.queue_list(
            activation=self.activation,
            filters=TriageFilters.to_filters(filters.validated_data),
            include_held=filters.validated_data["held"],
        )
        return paginate(
            request=request,
            view=self,
            queryset=items,
            serializer=self.Output,
            context={"user": self.user()},
        )


class TriageItemDetailApi(ActivationApi):
    """One item: its post, other copies, related items and decisions (any status).
    Post texts, names and notes are plain, untrusted text: escape them before display."""

    activation_actions = {"GET": Action.TRIAGE}

    Output = TriageItemDetailOutput

    @extend_schema(
        operation_id="triage_item_retrieve",
        tags=["triage"],
        responses={200: Output, **errors(403, 404)},
    )
    def get(self, request: Request, slug: str, cluster_id: int) -> Response:
        cluster = triage.item_get(activation=self.activation, cluster_id=cluster_id)
        if cluster is None:
            raise Http404
        audit.record_request(
            request,
            action=audit.Action.PERSONAL_DATA_VIEW,
            activation=self.activation,
            obj=cluster,
            summary="triage item api",
        )
        return Response(_detail(cluster, user=self.user()))


class TokenInput(serializers.Serializer[Any]):
    token = serializers.UUIDField(help_text="The token `next` gave with the item.")

    class Meta:
        ref_name = "TriageToken"


class TriageClaimOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    token = serializers.UUIDField(source="claim_token")
    lease_expires_at = serializers.DateTimeField()

    class Meta:
        ref_name = "TriageClaim"


class TriageItemRenewApi(ActivationApi):
    """Extend your lease on the item you hold (by the activation's lease length)."""

    activation_actions = {"POST": Action.TRIAGE}

    Input = TokenInput
    Output = TriageClaimOutput

    @extend_schema(
        operation_id="triage_item_renew",
        tags=["triage"],
        request=Input,
        responses={200: Output, **ITEM_ERRORS},
    )
    def post(self, request: Request, slug: str, cluster_id: int) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        with _in_activation():
            cluster = triage.item_renew(
                activation=self.activation,
                cluster_id=cluster_id,
                user=self.user(),
                token=data.validated_data["token"],
            )
        return Response(self.Output(cluster).data)


class TriageItemReleaseApi(ActivationApi):
    """Hand the item you hold back to the queue without deciding (204)."""

    activation_actions = {"POST": Action.TRIAGE}

    Input = TokenInput

    @extend_schema(
        operation_id="triage_item_release",
        tags=["triage"],
        request=Input,
        responses={204: OpenApiResponse(description="Released."), **ITEM_ERRORS},
    )
    def post(self, request: Request, slug: str, cluster_id: int) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        with _in_activation():
            triage.item_release(
                activation=self.activation,
                cluster_id=cluster_id,
                user=self.user(),
                token=data.validated_data["token"],
            )
        return Response(status=status.HTTP_204_NO_CONTENT)


class TriageItemDecideApi(ActivationApi):
    """Decide on the item you hold: not relevant; relevant (category required,
    tags, note); urgent (raises a life-safety escalation); needs verification (opens
    a case); skip (back to the queue, not offered to you again for 30 minutes).
    The decision can be undone for 30 seconds (``undo_until``)."""

    activation_actions = {"POST": Action.TRIAGE}

    class Input(serializers.Serializer[Any]):
        token = serializers.UUIDField(help_text="The token `next` gave with the item.")
        kind = EnumField(enum="TriageDecisionKind", choices=TriageDecision.Kind)
        category = EnumField(
            enum="PostCategory",
            choices=Category,
            required=False,
            allow_blank=True,
            default="",
            help_text="Required for relevant; optional for urgent and verify.",
        )
        tags = serializers.ListField(
            child=serializers.CharField(max_length=50),
            required=False,
            default=list,
            max_length=triage.MAX_TAGS,
            help_text="Single words (letters, digits, - and _), at most 40 characters.",
        )
        note = serializers.CharField(
            required=False,
            allow_blank=True,
            default="",
            max_length=triage.MAX_NOTE,
        )

        class Meta:
            ref_name = "TriageDecide"

    class Output(serializers.Serializer[Any]):
        id = serializers.IntegerField()
        item = serializers.IntegerField(source="cluster_id")
        kind = EnumField(enum="TriageDecisionKind", choices=TriageDecision.Kind)
        category = serializers.CharField()
        tags = serializers.ListField(child=serializers.CharField())
        note = serializers.CharField()
        created_at = serializers.DateTimeField()
        undo_until = serializers.SerializerMethodField(
            help_text="Until when `decisions/<id>/undo/` takes it back."
        )

        class Meta:
            ref_name = "TriageDecided"

        @extend_schema_field(serializers.DateTimeField())
        def get_undo_until(self, decision: TriageDecision) -> str:
            return serializers.DateTimeField().to_representation(
                decision.created_at + triage.UNDO_WINDOW
            )

    @extend_schema(
        operation_id="triage_item_decide",
        tags=["triage"],
        request=Input,
        responses={201: Output, **ITEM_ERRORS},
    )
    def post(self, request: Request, slug: str, cluster_id: int) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        with _in_activation():
            decision = triage.item_decide(
                activation=self.activation,
                cluster_id=cluster_id,
                user=self.user(),
                token=given["token"],
                kind=given["kind"],
                category=given["category"],
                tags=given["tags"],
                note=given["note"],
            )
        return Response(self.Output(decision).data, status=status.HTTP_201_CREATED)


class TriageDecisionUndoApi(ActivationApi):
    """Take back your own decision within 30 seconds: the item is yours again under a
    fresh lease (new token), its escalation withdrawn or its untouched case removed."""

    activation_actions = {"POST": Action.TRIAGE}

    Output = TriageItemDetailOutput

    @extend_schema(
        operation_id="triage_decision_undo",
        tags=["triage"],
        request=None,
        responses={200: Output, **ITEM_ERRORS},
    )
    def post(self, request: Request, slug: str, decision_id: int) -> Response:
        if not TriageDecision.objects.filter(
            activation=self.activation, pk=decision_id
        ).exists():
            raise Http404
        user = self.user()
        cluster = triage.decision_undo(
            activation=self.activation, decision_id=decision_id, user=user
        )
        fresh = triage.item_get(activation=self.activation, cluster_id=cluster.pk)
        return Response(_detail(fresh or cluster, user=user))


class TriageBulkApi(ActivationApi):
    """Decide on a selection (team leads): mark not relevant, or relevant with a
    category. Items someone holds or that are already decided are left as they are
    and listed in ``refused`` with the reason."""

    activation_actions = {"POST": Action.TRIAGE_BULK}

    class Input(serializers.Serializer[Any]):
        ids = serializers.ListField(
            child=serializers.IntegerField(min_value=1),
            min_length=1,
            max_length=triage.MAX_BULK,
            help_text=f"Item ids, at most {triage.MAX_BULK}.",
        )
        kind = EnumField(
            enum="TriageBulkKind",
            choices=[
                (
                    TriageDecision.Kind.NOT_RELEVANT,
                    TriageDecision.Kind.NOT_RELEVANT.label,
                ),
                (TriageDecision.Kind.RELEVANT, TriageDecision.Kind.RELEVANT.label),
            ],
        )
        category = EnumField(
            enum="PostCategory",
            choices=Category,
            required=False,
            allow_blank=True,
            default="",
            help_text="Required with relevant.",
        )

        class Meta:
            ref_name = "TriageBulk"

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            relevant = attrs.get("kind") == TriageDecision.Kind.RELEVANT
            if relevant and attrs.get("category") in ("", Category.NOT_RELEVANT):
                raise serializers.ValidationError(
                    {"category": [_("Choose the category of a relevant item.")]}
                )
            return attrs

    class Output(serializers.Serializer[Any]):
        class Refused(serializers.Serializer[Any]):
            id = serializers.IntegerField()
            reason = serializers.CharField()

            class Meta:
                ref_name = "TriageBulkRefused"

        decided = serializers.ListField(child=serializers.IntegerField())
        refused = Refused(many=True)

        class Meta:
            ref_name = "TriageBulkResult"

    @extend_schema(
        operation_id="triage_bulk_decide",
        tags=["triage"],
        request=Input,
        responses={200: Output, **errors(400, 403, 404)},
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        result = triage.items_bulk_decide(
            activation=self.activation,
            user=self.user(),
            cluster_ids=data.validated_data["ids"],
            kind=data.validated_data["kind"],
            category=data.validated_data["category"],
        )
        return Response(
            self.Output(
                {
                    "decided": result.decided,
                    "refused": [
                        {"id": pk, "reason": reason}
                        for pk, reason in sorted(result.refused.items())
                    ],
                }
            ).data
        )


class TriageCountsApi(ActivationApi):
    """The live queue figures (poll every few seconds)."""

    activation_actions = {"GET": Action.TRIAGE}

    class Output(serializers.Serializer[Any]):
        waiting = serializers.IntegerField(
            help_text="Open items nobody holds, counted up to 5000 (see waiting_more)."
        )
        urgent_waiting = serializers.IntegerField(
            help_text="Of which predicted urgent, counted up to 5000."
        )
        waiting_more = serializers.BooleanField(
            help_text="true: more than `waiting` items wait (the count stops at 5000)."
        )
        urgent_more = serializers.BooleanField(
            help_text="true: more than `urgent_waiting` urgent items wait."
        )
        in_triage = serializers.IntegerField(help_text="Held under a live lease.")
        decided_last_hour = serializers.IntegerField()
        mine_last_hour = serializers.IntegerField()
        open_escalations = serializers.IntegerField()

        class Meta:
            ref_name = "TriageCounts"

    @extend_schema(
        operation_id="triage_counts",
        tags=["triage"],
        responses={200: Output, **errors(403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        counts = triage.queue_counts(activation=self.activation, user=self.user())
        return Response(self.Output(counts).data)


_BASE = "activations/<slug:slug>/triage/"

urlpatterns: list[URLPattern] = [
    path(f"{_BASE}next/", TriageNextApi.as_view(), name="api-triage-next"),
    path(f"{_BASE}items/", TriageItemListApi.as_view(), name="api-triage-item-list"),
    path(
        f"{_BASE}items/<int:cluster_id>/",
        TriageItemDetailApi.as_view(),
        name="api-triage-item-detail",
    ),
    path(
        f"{_BASE}items/<int:cluster_id>/renew/",
        TriageItemRenewApi.as_view(),
        name="api-triage-renew",
    ),
    path(
        f"{_BASE}items/<int:cluster_id>/release/",
        TriageItemReleaseApi.as_view(),
        name="api-triage-release",
    ),
    path(
        f"{_BASE}items/<int:cluster_id>/decide/",
        TriageItemDecideApi.as_view(),
        name="api-triage-decide",
    ),
    path(
        f"{_BASE}decisions/<int:decision_id>/undo/",
        TriageDecisionUndoApi.as_view(),
        name="api-triage-undo",
    ),
    path(f"{_BASE}bulk/", TriageBulkApi.as_view(), name="api-triage-bulk"),
    path(f"{_BASE}counts/", TriageCountsApi.as_view(), name="api-triage-counts"),
]
