"""API routes: roster (see activations/api/roster.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
