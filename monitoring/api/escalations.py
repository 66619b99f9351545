"""Escalations API: an activation's life-safety escalations (list, one), and
acknowledging one.

Reading needs VIEW_ESCALATIONS (liaisons included), acknowledging
ACKNOWLEDGE_ESCALATION (liaisons and coordinators). Withdrawing is not exposed: it
happens when the urgent decision is undone in triage. An escalation of another
activation is a 404, like a missing one.
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from activations.api._common import (
    ActivationApi,
    EnumField,
    UserRef,
    errors,
    paginate,
)
from activations.models import ActivationMember
from activations.permissions import Action
from audit import services as audit
from monitoring import escalations, permissions
from monitoring.api.posts import GeoJSONPointField, http_url
from monitoring.models import Escalation, Platform, Post
from vost.api import Pagination
from vost.pseudonyms import pseudonym


class EscalationItemOutput(serializers.ModelSerializer[Post]):
    """The escalated item's representative post (its text is untrusted plain text)."""

    platform = EnumField(enum="Platform", choices=Platform, read_only=True)
    url = serializers.SerializerMethodField(
        help_text="Link to the original: an http(s) address, or an empty string."
    )
    location = GeoJSONPointField(read_only=True, allow_null=True)

    class Meta:
        model = Post
        fields = [
            "id",
            "platform",
            "url",
            "author_handle",
            "text",
            "lang",
            "posted_at",
            "place_name",
            "location",
            "in_area",
        ]
        read_only_fields = fields
        ref_name = "EscalationItem"

    def get_url(self, post: Post) -> str:
        # Kept for liaisons too: a life-safety item may need the original
        # (vital interests); the view is audited.
        return http_url(post.url)

    def to_representation(self, instance: Post) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        if self.context.get("pseudonymise_authors"):  # liaisons (issue 9)
            data["author_handle"] = pseudonym(
                instance.author_handle,
                activation_id=instance.activation_id,
                platform=instance.platform,
            )
        return data


def _context(view: ActivationApi) -> dict[str, Any]:
    """Liaisons see the author as a pseudonym (the link to the post stays)."""
    role = getattr(view.activation, "viewer_role", None)
    return {"pseudonymise_authors": role == ActivationMember.Role.LIAISON}


class EscalationOutput(serializers.ModelSerializer[Escalation]):
    activation: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text="Slug of the activation."
    )
    status = EnumField(
        enum="EscalationStatus", choices=Escalation.Status, read_only=True
    )
    cluster = serializers.IntegerField(
        source="cluster_id", read_only=True, help_text="Id of the queue item."
    )
    cluster_size = serializers.IntegerField(
        source="cluster.size", read_only=True, help_text="Posts in the item."
    )
    item = EscalationItemOutput(
        source="cluster.representative",
        read_only=True,
        allow_null=True,
        help_text="The item's representative post; null if it is gone.",
    )
    raised_by = UserRef(read_only=True)
    acknowledged_by = UserRef(read_only=True, allow_null=True)

    class Meta:
        model = Escalation
        fields = [
            "id",
            "activation",
            "status",
            "summary",
            "note",
            "cluster",
            "cluster_size",
            "item",
            "raised_by",
            "created_at",
            "acknowledged_by",
            "acknowledged_at",
            "ack_note",
            "cancelled_at",
            "notifications_sent",
            "last_notified_at",
            "next_notify_at",
        ]
        read_only_fields = fields
        ref_name = "Escalation"


class EscalationListApi(ActivationApi):
    """The activation's escalations: open ones first, then newest first."""

    activation_actions = {"GET": Action.VIEW_ESCALATIONS}
    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer[Any]):
        status = EnumField(
            enum="EscalationStatus", choices=Escalation.Status, required=False
        )

    Output = EscalationOutput

    @extend_schema(
        operation_id="escalation_list",
        tags=["escalations"],
        parameters=[FilterSerializer],
        responses={200: Output(many=True), **errors(400, 403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = escalations.escalation_list(
            activation=self.activation,
            status=filters.validated_data.get("status", ""),
        ).select_related("activation")
        return paginate(
            request=request,
            view=self,
            queryset=queryset,
            serializer=self.Output,
            context=_context(self),
        )


class EscalationDetailApi(ActivationApi):
    """One escalation of the activation."""

    activation_actions = {"GET": Action.VIEW_ESCALATIONS}
    Output = EscalationOutput

    @extend_schema(
        operation_id="escalation_retrieve",
        tags=["escalations"],
        responses={200: Output, **errors(403, 404)},
    )
    def get(self, request: Request, slug: str, escalation_id: int) -> Response:
        escalation = permissions.escalation_get_for_user(
            user=self.user(), slug=slug, escalation_id=escalation_id
        )
        audit.record_request(
            request,
            action=audit.Action.PERSONAL_DATA_VIEW,
            activation=escalation.activation,
            obj=escalation,
            summary=f"escalation api item={escalation.cluster_id}",
        )
        return Response(self.Output(escalation, context=_context(self)).data)


class EscalationAcknowledgeApi(ActivationApi):
    """Acknowledge an open escalation: stops the reminders, tells who raised it.

    409 when someone already acknowledged it (the message says who and when) or
    when it was withdrawn; nothing changes then.
    """

    activation_actions = {"POST": Action.ACKNOWLEDGE_ESCALATION}

    class Input(serializers.Serializer[Any]):
        note = serializers.CharField(
            required=False,
            allow_blank=True,
            default="",
            max_length=2000,
            help_text="What you do with it (optional).",
        )

        class Meta:
            ref_name = "EscalationAcknowledge"

    Output = EscalationOutput

    @extend_schema(
        operation_id="escalation_acknowledge",
        tags=["escalations"],
        request=Input,
        responses={200: Output, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, slug: str, escalation_id: int) -> Response:
        escalation = permissions.escalation_get_for_user(
            user=self.user(),
            slug=slug,
            escalation_id=escalation_id,
            action=Action.ACKNOWLEDGE_ESCALATION,
        )
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        escalations.escalation_acknowledge(
            escalation=escalation, by=self.user(), note=data.validated_data["note"]
        )
        fresh = permissions.escalation_get_for_user(
            user=self.user(), slug=slug, escalation_id=escalation_id
        )
        return Response(self.Output(fresh, context=_context(self)).data)


urlpatterns: list[URLPattern] = [
    path(
        "activations/<slug:slug>/escalations/",
        EscalationListApi.as_view(),
        name="api-escalation-list",
    ),
    path(
        "activations/<slug:slug>/escalations/<int:escalation_id>/",
        EscalationDetailApi.as_view(),
        name="api-escalation-detail",
    ),
    path(
        "activations/<slug:slug>/escalations/<int:escalation_id>/acknowledge/",
        EscalationAcknowledgeApi.as_view(),
        name="api-escalation-acknowledge",
    ),
]
