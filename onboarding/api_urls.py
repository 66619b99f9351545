"""API routes of the volunteer onboarding under /api/v1/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
