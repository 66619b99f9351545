"""Routes of the escalation pages (see monitoring/views_escalations.py)."""

from django.urls import URLPattern, path

from monitoring import views_escalations as views

urlpatterns: list[URLPattern] = [
    path(
        "a/<slug:slug>/escalations/",
        views.escalation_list,
        name="escalation-list",
    ),
    path(
        "a/<slug:slug>/escalations/<int:escalation_id>/",
        views.escalation_detail,
        name="escalation-detail",
    ),
    path(
        "a/<slug:slug>/escalations/<int:escalation_id>/acknowledge/",
        views.escalation_acknowledge,
        name="escalation-acknowledge",
    ),
]
