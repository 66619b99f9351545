"""API routes of the prevention campaigns under /api/v1/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
