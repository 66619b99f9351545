"""URL routes: log pages (see activations/views/log.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
