"""Typed requests for views (django-htmx adds ``request.htmx``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User
    htmx: HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails
