"""URL routes: activation pages (see activations/views/activation.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
