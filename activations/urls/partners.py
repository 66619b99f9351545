"""URL routes: partners pages (see activations/views/partners.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
