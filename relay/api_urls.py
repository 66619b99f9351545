"""API routes of the relay of official messages under /api/v1/."""

from django.urls import URLPattern

from relay.api import urlpatterns as relay_urlpatterns

urlpatterns: list[URLPattern] = [*relay_urlpatterns]
