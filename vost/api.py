"""API plumbing shared by every app: pagination and one error body.

Every API error has the same shape, whatever raised it::

    {"error": {"status": 404, "code": "not_found", "message": "...",
               "details": {...} | null, "request_id": "..."}}
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from vost.exceptions import DomainError
from vost.logging import current_request_id

logger = logging.getLogger(__name__)


class Pagination(PageNumberPagination):
    """``?page=N&page_size=M`` (M at most 200); answers count/next/previous/results."""

    page_size_query_param = "page_size"
    max_page_size = 200


def _body(
    *, status_code: int, code: str, message: str, details: Any = None
) -> dict[str, Any]:
    return {
        "error": {
            "status": status_code,
            "code": code,
            "message": message,
            "details": details,
            "request_id": current_request_id(),
        }
    }


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Wrap DRF's handler so that every error, including our DomainError, has one shape."""
    if isinstance(exc, DomainError):
        logger.info("domain error %s: %s", exc.code, exc.message)
        return Response(
            _body(status_code=exc.status_code, code=exc.code, message=exc.message),
            status=exc.status_code,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        logger.error("unhandled API error", exc_info=exc)
        return Response(
            _body(
                status_code=500,
                code="server_error",
                message=_("Internal error. Quote the request id when reporting it."),
            ),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )

    assert isinstance(exc, exceptions.APIException)  # noqa: S101  (handled above)
    if isinstance(exc, exceptions.ValidationError):
        message = _("The request is not valid.")
        details: Any = response.data
    else:
        detail = (
            response.data.get("detail") if isinstance(response.data, dict) else None
        )
        message = str(detail) if detail is not None else str(exc.detail)
        details = None
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else exc.default_code
    response.data = _body(
        status_code=response.status_code, code=code, message=message, details=details
    )
    return response
