"""API routes of the situation reports under /api/v1/."""

from django.urls import URLPattern

from reports import api

urlpatterns: list[URLPattern] = [*api.urlpatterns]
