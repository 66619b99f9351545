"""Routes of the monitoring pages (see monitoring/views.py)."""

from django.urls import URLPattern, path

from monitoring import urls_escalations, urls_triage, views

app_name = "monitoring"

urlpatterns: list[URLPattern] = [
    path("a/<slug:slug>/sources/", views.source_list, name="source-list"),
    path("a/<slug:slug>/sources/new/", views.source_create, name="source-create"),
    path(
        "a/<slug:slug>/sources/<int:source_id>/edit/",
        views.source_edit,
        name="source-edit",
    ),
    path(
        "a/<slug:slug>/sources/<int:source_id>/state/",
        views.source_state,
        name="source-state",
    ),
    path(
        "a/<slug:slug>/sources/<int:source_id>/poll/",
        views.source_poll,
        name="source-poll",
    ),
    path("a/<slug:slug>/posts/", views.post_list, name="post-list"),
    *urls_triage.urlpatterns,
    *urls_escalations.urlpatterns,
]
