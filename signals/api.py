"""Emerging signals API: list, confirm, dismiss, blind spots.

Reading needs VIEW_SIGNALS (coordinators, team leads, volunteers, observers);
confirming or dismissing needs REVIEW_SIGNALS (not observers). The same decision
twice answers 200 with the unchanged signal; confirming a dismissed one is 409.
Sample post texts are PLAIN, UNTRUSTED text: clients must escape them.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from activations.api._common import ActivationApi, EnumField, UserRef, errors
from activations.permissions import Action
from signals import selectors, services
from signals.models import EmergingSignal
from vost.api import Pagination
from vost.exceptions import DomainError


class SamplePostOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    platform = serializers.CharField()
    posted_at = serializers.DateTimeField()
    text = serializers.CharField(
        help_text="Plain text as posted, UNTRUSTED: escape it."
    )

    class Meta:
        ref_name = "SignalSamplePost"


class SignalOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = EnumField(enum="SignalKind", choices=EmergingSignal.Kind)
    key = serializers.CharField()
    explanation = serializers.SerializerMethodField()
    window_start = serializers.DateTimeField()
    current_count = serializers.IntegerField(help_text="Posts in the last 15 minutes.")
    baseline_rate = serializers.FloatField(help_text="Usual posts per 5 minutes.")
    expected = serializers.FloatField(help_text="Usual posts per 15 minutes (floor 1).")
    ratio = serializers.FloatField()
    zscore = serializers.FloatField()
    peak_count = serializers.IntegerField()
    first_seen = serializers.DateTimeField()
    since = serializers.DateTimeField()
    last_flagged_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    status = EnumField(enum="SignalStatus", choices=EmergingSignal.Status)
    reviewed_by = UserRef(allow_null=True)
    reviewed_at = serializers.DateTimeField(allow_null=True)
    series = serializers.ListField(
        child=serializers.IntegerField(), help_text="Posts per 5 minutes, oldest first."
    )
    sample_post_ids = serializers.ListField(child=serializers.IntegerField())
    samples = serializers.SerializerMethodField()

    class Meta:
        ref_name = "EmergingSignal"

    def get_explanation(self, signal: EmergingSignal) -> str:
        return signal.explanation()

    @extend_schema_field(SamplePostOutput(many=True))
    def get_samples(self, signal: EmergingSignal) -> list[dict[str, Any]]:
        posts = self.context.get("posts")
        if posts is None:
            posts = selectors.posts_by_id(
                activation=signal.activation, ids=set(signal.sample_post_ids)
            )
        found = [posts[pid] for pid in signal.sample_post_ids if pid in posts]
        return list(SamplePostOutput(found, many=True).data)


class SignalListApi(ActivationApi):
    """Open signals of the activation (``?all=1``: closed ones too), newest first."""

    activation_actions = {"GET": Action.VIEW_SIGNALS}

    class FilterSerializer(serializers.Serializer[Any]):
        all = serializers.BooleanField(required=False, default=False)

    @extend_schema(
        operation_id="signal_list",
        tags=["signals"],
        parameters=[FilterSerializer],
        responses={200: SignalOutput(many=True), **errors(400, 403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        signals = selectors.signal_list(
            activation=self.activation, open_only=not filters.validated_data["all"]
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(signals, request, view=self) or []
        posts = selectors.posts_by_id(
            activation=self.activation,
            ids={pid for signal in page for pid in signal.sample_post_ids},
        )
        data = SignalOutput(page, many=True, context={"posts": posts}).data
        return paginator.get_paginated_response(data)


class _SignalReviewApi(ActivationApi):
    activation_actions = {"POST": Action.REVIEW_SIGNALS}
    decision = ""

    def post(self, request: Request, slug: str, signal_id: int) -> Response:
        try:
            signal = services.signal_review(
                activation=self.activation,
                signal_id=signal_id,
                user=self.user(),
                decision=self.decision,
            )
        except DomainError as exc:
            if exc.code == "not_found":
                raise Http404 from exc
            raise
        return Response(SignalOutput(signal).data)


REVIEW_RESPONSES = {
    200: SignalOutput,
    **errors(403, 404),
    409: OpenApiResponse(description="Already dismissed; nothing changed."),
}


class SignalConfirmApi(_SignalReviewApi):
    """Confirm a signal (idempotent)."""

    decision = EmergingSignal.Status.CONFIRMED

    @extend_schema(
        operation_id="signal_confirm",
        tags=["signals"],
        request=None,
        responses=REVIEW_RESPONSES,
    )
    def post(self, request: Request, slug: str, signal_id: int) -> Response:
        return super().post(request, slug, signal_id)


class SignalDismissApi(_SignalReviewApi):
    """Dismiss a signal: it closes (idempotent)."""

    decision = EmergingSignal.Status.DISMISSED

    @extend_schema(
        operation_id="signal_dismiss",
        tags=["signals"],
        request=None,
        responses=REVIEW_RESPONSES,
    )
    def post(self, request: Request, slug: str, signal_id: int) -> Response:
        return super().post(request, slug, signal_id)


class BlindSpotsApi(ActivationApi):
    """Cells (about 5 km) of the area with expected but missing coverage, as GeoJSON;
    each feature's ``properties.reason`` says why it is expected."""

    activation_actions = {"GET": Action.VIEW_SIGNALS}

    @extend_schema(
        operation_id="signal_blind_spots",
        tags=["signals"],
        responses={
            200: OpenApiResponse(
                description="A GeoJSON FeatureCollection of polygons."
            ),
            **errors(403, 404),
        },
    )
    def get(self, request: Request, slug: str) -> Response:
        return Response(
            selectors.blind_spots(activation=self.activation, now=timezone.now())
        )
