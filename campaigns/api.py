"""Prevention campaigns API under /api/v1/campaigns/: read-only.

Who sees what is decided by ``campaigns.permissions`` (the one access check of the
app): coordinators of the campaign's VOST team and the liaisons of its agreement's
authority; anybody else gets 403 on the list and 404 on a campaign. Each campaign
carries its scheduled posts: the record of what was (or will be) published where.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from activations.api._common import errors, paginate
from campaigns.models import Campaign, ScheduledPost
from campaigns.permissions import (
    campaign_access,
    campaign_get_for_user,
    campaigns_visible_to,
)

TAGS = ["campaigns"]


class ScheduledPostSerializer(serializers.ModelSerializer[ScheduledPost]):
    message_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = ScheduledPost
        fields = [
            "id",
            "message_id",
            "channel",
            "language",
            "scheduled_at",
            "status",
            "text",
            "account",
            "published_url",
            "published_at",
            "attempts",
            "last_error",
        ]
        read_only_fields = fields


class CampaignSerializer(serializers.ModelSerializer[Campaign]):
    team = serializers.CharField(source="team.name", read_only=True)
    authority = serializers.CharField(source="agreement.authority.name", read_only=True)
    state = serializers.SerializerMethodField()
    posts = ScheduledPostSerializer(many=True, read_only=True)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "title",
            "team",
            "authority",
            "needs_approval",
            "approved_at",
            "withdrawn_at",
            "cancelled_at",
            "state",
            "created_at",
            "posts",
        ]
        read_only_fields = fields

    def get_state(self, campaign: Campaign) -> str:
        if campaign.cancelled_at:
            return "cancelled"
        if campaign.needs_approval and not campaign.approved_at:
            return "awaiting_approval"
        return "approved"


def _campaigns() -> Any:
    return (
        Campaign.objects.select_related("team", "agreement__authority")
        .prefetch_related("posts")
        .order_by("-created_at", "-pk")
    )


class CampaignListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        operation_id="campaign_list",
        summary="Campaigns you may see, newest first, with their scheduled posts",
        responses={200: CampaignSerializer(many=True), **errors(403)},
    )
    def get(self, request: Request) -> Response:
        campaign_access(user=request.user)
        visible = campaigns_visible_to(request.user).values("pk")
        return paginate(
            request=request,
            view=self,
            queryset=_campaigns().filter(pk__in=visible),
            serializer=CampaignSerializer,
        )


class CampaignDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        operation_id="campaign_detail",
        summary="One campaign with what was published where",
        responses={200: CampaignSerializer, **errors(404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        campaign = campaign_get_for_user(user=request.user, campaign_id=pk)
        return Response(CampaignSerializer(_campaigns().get(pk=campaign.pk)).data)
