"""API routes of the closing and after-action review under /api/v1/."""

from django.urls import URLPattern

from closure.api import after_action

urlpatterns: list[URLPattern] = [*after_action.urlpatterns]
