"""API routes: log (see activations/api/log.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
