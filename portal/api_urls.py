"""API routes of the liaison portal under /api/v1/ (requests for information)."""

from django.urls import URLPattern

from portal import api

urlpatterns: list[URLPattern] = [*api.urlpatterns]
