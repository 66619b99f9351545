"""API routes of the privacy app."""

from django.urls import URLPattern

from privacy.api import urlpatterns as record_urls

urlpatterns: list[URLPattern] = [*record_urls]
