"""URL routes: roster pages (see activations/views/roster.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
