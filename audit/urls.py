"""Routes of the audit pages."""

from django.urls import URLPattern

app_name = "audit"

urlpatterns: list[URLPattern] = []
