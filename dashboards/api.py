"""Dashboard API: an activation's dashboard figures as JSON.

``GET /api/v1/activations/<slug>/dashboard/?hours=24`` (or 72) returns the same
snapshot the page shows (shared by every reader for up to 15 seconds). Needs
VIEW_DASHBOARD (coordinators, team leads, volunteers, observers; never liaisons).
Place names, terms and escalation summaries are UNTRUSTED plain text.
"""

from __future__ import annotations

import logging
from typing import Any

from django.urls import URLPattern, path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from activations.api._common import ActivationApi, errors
from activations.permissions import Action
from dashboards.selectors import DEFAULT_HOURS, WINDOWS, dashboard_snapshot

logger = logging.getLogger(__name__)

UNTRUSTED = "Plain text from posts, UNTRUSTED: clients must escape it."


class SeriesOutput(serializers.Serializer[Any]):
    key = serializers.CharField(help_text="Platform or category value ('' = none).")
    label = serializers.CharField()  # type: ignore[assignment]  # a field named label
    colour = serializers.CharField(help_text="CSS colour, #rrggbb.")
    values = serializers.ListField(
        child=serializers.IntegerField(), help_text="One count per bucket."
    )
    total = serializers.IntegerField()

    class Meta:
        ref_name = "DashboardSeries"


class VolumeOutput(serializers.Serializer[Any]):
    by_platform = SeriesOutput(many=True)
    by_category = SeriesOutput(many=True)
    total = serializers.IntegerField(help_text="Posts in the window.")
    last_hour = serializers.IntegerField(help_text="Posts in the current hour.")

    class Meta:
        ref_name = "DashboardVolume"


class BacklogOutput(serializers.Serializer[Any]):
    open_items = serializers.IntegerField(help_text="Queue items not decided yet.")
    waiting = serializers.IntegerField(help_text="Open items nobody holds.")
    urgent_waiting = serializers.IntegerField(help_text="Of which predicted urgent.")
    in_triage = serializers.IntegerField(help_text="Held under a live lease.")

    class Meta:
        ref_name = "DashboardBacklog"


class ThroughputOutput(serializers.Serializer[Any]):
    per_hour = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Triage decisions per bucket (skips and undone ones excluded).",
    )
    total = serializers.IntegerField()
    last_hour = serializers.IntegerField()

    class Meta:
        ref_name = "DashboardThroughput"


class FunnelOutput(serializers.Serializer[Any]):
    relevant_items = serializers.IntegerField(
        help_text="Items decided relevant, urgent or needing verification."
    )
    cases_opened = serializers.IntegerField()
    unverified = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    verified = serializers.IntegerField()
    false = serializers.IntegerField()
    misleading = serializers.IntegerField()
    unverifiable = serializers.IntegerField()
    concluded = serializers.IntegerField()

    class Meta:
        ref_name = "DashboardFunnel"


class RankedOutput(serializers.Serializer[Any]):
    label = serializers.CharField(help_text=UNTRUSTED)  # type: ignore[assignment]
    count = serializers.IntegerField(help_text="Posts naming it.")

    class Meta:
        ref_name = "DashboardRanked"


class OpenEscalationOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    summary = serializers.CharField(help_text=UNTRUSTED)
    raised_at = serializers.DateTimeField()
    age_seconds = serializers.IntegerField()

    class Meta:
        ref_name = "DashboardOpenEscalation"


class EscalationsOutput(serializers.Serializer[Any]):
    raised = serializers.IntegerField(help_text="Raised in the window.")
    acknowledged = serializers.IntegerField(help_text="Of which acknowledged.")
    median_ack_seconds = serializers.IntegerField(allow_null=True)
    p90_ack_seconds = serializers.IntegerField(allow_null=True)
    open_now = serializers.IntegerField(help_text="Waiting for acknowledgement now.")
    oldest_open = OpenEscalationOutput(many=True, help_text="Oldest first, at most 10.")

    class Meta:
        ref_name = "DashboardEscalations"


class DashboardOutput(serializers.Serializer[Any]):
    activation_id = serializers.IntegerField()
    hours = serializers.IntegerField()
    generated_at = serializers.DateTimeField()
    window_start = serializers.DateTimeField(help_text="Start of the first bucket.")
    buckets = serializers.ListField(
        child=serializers.DateTimeField(),
        help_text="Start of each one-hour bucket; the last is the current hour.",
    )
    volume = VolumeOutput()
    backlog = BacklogOutput()
    throughput = ThroughputOutput()
    funnel = FunnelOutput(help_text="Since the start of the activation.")
    top_places = RankedOutput(many=True)
    top_terms = RankedOutput(
        many=True,
        help_text="Words and hashtags, counted once per post on the 5,000 most "
        "recent posts of the window, FR/EN stop words left out.",
    )
    escalations = EscalationsOutput()

    class Meta:
        ref_name = "DashboardFigures"


class DashboardApi(ActivationApi):
    """The dashboard's figures over the last 24 or 72 hours."""

    activation_actions = {"GET": Action.VIEW_DASHBOARD}

    class FilterSerializer(serializers.Serializer[Any]):
        hours = serializers.ChoiceField(
            choices=[(h, f"{h}") for h in WINDOWS],
            default=DEFAULT_HOURS,
            help_text="The window: 24 (default) or 72 hours.",
        )

    Output = DashboardOutput

    @extend_schema(
        operation_id="dashboard_retrieve",
        tags=["dashboards"],
        parameters=[FilterSerializer],
        responses={200: Output, **errors(400, 403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        if not filters.is_valid():
            logger.warning("dashboard API: bad filters %s", dict(filters.errors))
            filters.is_valid(raise_exception=True)
        figures = dashboard_snapshot(
            activation=self.activation, hours=int(filters.validated_data["hours"])
        )
        return Response(self.Output(figures).data)


urlpatterns: list[URLPattern] = [
    path(
        "activations/<slug:slug>/dashboard/",
        DashboardApi.as_view(),
        name="api-dashboard",
    ),
]
