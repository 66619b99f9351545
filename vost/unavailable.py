"""A clear 503 when the database is unreachable (restarting, failing over).

A request that loses PostgreSQL gets "Service briefly unavailable" with a
Retry-After, not the generic 500 page: the transaction the view was in is rolled
back by Django, so the person is told the action may not have been saved and to
check in a moment. htmx requests get a fragment. Nothing here touches the
database (no context processors, no session): it is the one thing that is down.
The next request reconnects (CONN_HEALTH_CHECKS).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.defaults import server_error as django_server_error

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
DATABASE_ERRORS = (OperationalError, InterfaceError)


def unavailable_response(request: HttpRequest) -> HttpResponse:
    message = _(
        "The service is briefly unavailable (the database cannot be reached). "
        "Your last action may not have been saved: wait a few seconds, then "
        "reload the page to check before trying again."
    )
    if request.headers.get("HX-Request") == "true":
        body = render_to_string("_unavailable_fragment.html", {"message": message})
    else:
        body = render_to_string("503.html", {"message": message})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Turn a view's lost database connection into the 503 page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        logger.warning(
            "database unavailable during %s %s: %s",
            request.method,
            request.path,
            str(exception).strip()[:300],
        )
        return unavailable_response(request)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the 503 page when what failed was the database (in a middleware,
    e.g. saving the session), Django's 500 page otherwise."""
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_ERRORS):
        return unavailable_response(request)
    return django_server_error(request)
