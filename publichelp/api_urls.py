"""API routes of the help to the population under /api/v1/."""

from django.urls import URLPattern

from publichelp import api

urlpatterns: list[URLPattern] = [*api.urlpatterns]
