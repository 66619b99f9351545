"""API routes of the monitoring app under /api/v1/ (see monitoring/api/)."""

from django.urls import URLPattern, path

from monitoring.api import escalations, posts, sources, triage

urlpatterns: list[URLPattern] = [
    path(
        "activations/<slug:slug>/posts/",
        posts.PostListApi.as_view(),
        name="api-post-list",
    ),
    path(
        "activations/<slug:slug>/sources/",
        sources.SourceListApi.as_view(),
        name="api-source-list",
    ),
    path(
        "sources/<int:source_id>/",
        sources.SourceDetailApi.as_view(),
        name="api-source-detail",
    ),
    *triage.urlpatterns,
    *escalations.urlpatterns,
]
