"""Request ids: one per request, on every log line and in the X-Request-ID header."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

_request_id: ContextVar[str] = ContextVar("request_id", default="-")
# Accept a proxy's id only if it looks like one: never log attacker-chosen junk.
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request_id() -> str:
    """Return the id of the request being served, or "-" outside a request."""
    return _request_id.get()


class RequestIdFilter(logging.Filter):
    """Add ``record.request_id`` so every formatter can print it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


class RequestIdMiddleware:
    """Take X-Request-ID from the proxy when well-formed, else make one; echo it back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        # Not reset on the way out: Django logs 4xx/5xx ("django.request") after the
        # middleware chain returns. The id is cleared when the response is closed.
        _request_id.set(request_id)
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


def _clear_request_id(**kwargs: object) -> None:
    _request_id.set("-")


request_finished.connect(
    _clear_request_id, dispatch_uid="vost.logging.clear_request_id"
)
