"""API routes of the audit app under /api/v1/ (read only)."""

from django.urls import URLPattern, path

from audit import api

urlpatterns: list[URLPattern] = [
    path(
        "activations/<slug:slug>/audit/",
        api.ActivationAuditApi.as_view(),
        name="api-activation-audit",
    ),
    path(
        "organisations/<int:organisation_id>/audit/",
        api.TeamAuditApi.as_view(),
        name="api-team-audit",
    ),
]
