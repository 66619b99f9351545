"""API routes: activation (see activations/api/activation.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
