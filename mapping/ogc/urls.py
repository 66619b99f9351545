"""OGC API - Features, read-only, per activation: /ogc/<slug>/ (see mapping.ogc)."""

from django.urls import URLPattern, path

from mapping.ogc import views

app_name = "ogc"

urlpatterns: list[URLPattern] = [
    path("<slug:slug>/", views.landing, name="landing"),
    path("<slug:slug>/conformance", views.conformance, name="conformance"),
    path("<slug:slug>/api", views.api, name="api"),
    path("<slug:slug>/api.html", views.api_docs, name="api-docs"),
    path("<slug:slug>/api.js", views.api_docs_script, name="api-docs-script"),
    path("<slug:slug>/collections", views.collections, name="collections"),
    path(
        "<slug:slug>/collections/<str:collection_id>",
        views.collection,
        name="collection",
    ),
    path(
        "<slug:slug>/collections/<str:collection_id>/items",
        views.items,
        name="items",
    ),
    path(
        "<slug:slug>/collections/<str:collection_id>/items/<str:feature_id>",
        views.item,
        name="item",
    ),
]
