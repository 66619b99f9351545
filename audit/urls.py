"""Routes of the audit pages."""

from django.urls import URLPattern, path

from audit import views

app_name = "audit"

urlpatterns: list[URLPattern] = [
    path("a/<slug:slug>/audit/", views.activation_audit, name="activation-audit"),
    path(
        "a/<slug:slug>/audit/export.csv",
        views.activation_audit_csv,
        name="activation-audit-csv",
    ),
    path("team/<int:team_id>/audit/", views.team_audit, name="team-audit"),
    path(
        "team/<int:team_id>/audit/export.csv",
        views.team_audit_csv,
        name="team-audit-csv",
    ),
]
