"""API routes of the privacy app."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
