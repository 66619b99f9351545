"""Routes of the triage workspace pages (see monitoring/views_triage.py)."""

from django.urls import URLPattern, path

from monitoring import views_triage as views

urlpatterns: list[URLPattern] = [
    path("a/<slug:slug>/triage/", views.triage_workspace, name="triage"),
    path("a/<slug:slug>/triage/counts/", views.triage_counts, name="triage-counts"),
    path("a/<slug:slug>/triage/next/", views.triage_next, name="triage-next"),
    path("a/<slug:slug>/triage/undo/", views.triage_undo, name="triage-undo"),
    path("a/<slug:slug>/triage/bulk/", views.triage_bulk, name="triage-bulk"),
    path(
        "a/<slug:slug>/triage/<int:cluster_id>/",
        views.triage_item,
        name="triage-item",
    ),
    path(
        "a/<slug:slug>/triage/<int:cluster_id>/decide/",
        views.triage_decide,
        name="triage-decide",
    ),
    path(
        "a/<slug:slug>/triage/<int:cluster_id>/renew/",
        views.triage_renew,
        name="triage-renew",
    ),
    path(
        "a/<slug:slug>/triage/<int:cluster_id>/release/",
        views.triage_release,
        name="triage-release",
    ),
]
