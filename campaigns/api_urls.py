"""API routes of the prevention campaigns under /api/v1/."""

from django.urls import URLPattern, path

from campaigns import api

urlpatterns: list[URLPattern] = [
    path("campaigns/", api.CampaignListApi.as_view(), name="api-campaign-list"),
    path(
        "campaigns/<int:pk>/",
        api.CampaignDetailApi.as_view(),
        name="api-campaign-detail",
    ),
]
