"""API routes of the dashboards under /api/v1/ (see dashboards/api.py)."""

from django.urls import URLPattern

from dashboards import api

urlpatterns: list[URLPattern] = [*api.urlpatterns]
