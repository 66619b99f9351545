"""API routes of the search under /api/v1/."""

from django.urls import URLPattern, path

from search import api

urlpatterns: list[URLPattern] = [
    path(
        "activations/<slug:slug>/search/",
        api.PostSearchApi.as_view(),
        name="api-post-search",
    ),
    path(
        "activations/<slug:slug>/saved-searches/",
        api.SavedSearchListApi.as_view(),
        name="api-saved-search-list",
    ),
    path(
        "activations/<slug:slug>/saved-searches/<int:saved_id>/",
        api.SavedSearchDetailApi.as_view(),
        name="api-saved-search-detail",
    ),
    path(
        "activations/<slug:slug>/saved-searches/<int:saved_id>/follow/",
        api.SavedSearchFollowApi.as_view(),
        name="api-saved-search-follow",
    ),
]
