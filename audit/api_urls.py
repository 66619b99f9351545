"""API routes of the audit app."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
