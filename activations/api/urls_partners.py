"""API routes: partners (see activations/api/partners.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
