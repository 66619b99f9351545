"""API plumbing shared by every app: pagination, one error body, and what an API
token may do (scopes, activation restriction, rate limit).

Every API error has the same shape, whatever raised it::

    {"error": {"status": 404, "code": "not_found", "message": "...",
               "details": {...} | null, "request_id": "..."}}
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

from vost.exceptions import DomainError
from vost.logging import current_request_id

# Do not import rest_framework.views at module level: DRF loads this module (the
# default permission and throttle classes) while rest_framework.views itself loads.

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

    from rest_framework.views import exception_handler as drf_exception_handler

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


# --- API tokens: scopes and rate limit ------------------------------------------------
# The scope names are accounts.models.ApiToken.Scope's values (not imported here: this
# module loads before the apps).
SCOPE_READ = "read"
SCOPE_WRITE = "write"
SCOPE_OGC = "ogc"
SCOPE_EXPORT = "export"
# URL names that hand out files (PDF, GeoPackage, exports) also need the export scope.
EXPORT_URL_MARKERS = ("export", "download", "pdf")


def token_required_scopes(
    *, method: str, url_name: str | None, view: Any = None, ogc: bool = False
) -> set[str]:
    """The scopes a token needs for one request. THE place where scopes are decided
    (the DRF API through TokenScopePermission, the OGC API through mapping.ogc.auth).

    OGC endpoints need ``ogc``; other safe methods need ``read``, unsafe ones
    ``write``; file exports and downloads also need ``export``. A view may add its
    own with a ``token_scopes`` attribute.
    """
    if ogc:
        return {SCOPE_OGC}
    needed = {SCOPE_READ if method.upper() in SAFE_METHODS else SCOPE_WRITE}
    name = (url_name or "").lower()
    if any(marker in name for marker in EXPORT_URL_MARKERS):
        needed.add(SCOPE_EXPORT)
    needed.update(getattr(view, "token_scopes", ()) or ())
    return needed


def token_refusal(
    token: Any,
    *,
    method: str,
    url_name: str | None,
    slug: str | None,
    view: Any = None,
    ogc: bool = False,
) -> str | None:
    """Why ``token`` (an accounts.ApiToken) may not make this request, or None.

    A token restricted to one activation opens only URLs of that activation.
    """
    needed = token_required_scopes(method=method, url_name=url_name, view=view, ogc=ogc)
    missing = sorted(needed - set(token.scopes))
    if missing:
        return _("This API token lacks the scope %(scopes)s needed here.") % {
            "scopes": ", ".join(missing)
        }
    if token.activation_id is not None and slug != token.activation.slug:
        return _("This API token only opens the activation %(slug)s.") % {
            "slug": token.activation.slug
        }
    return None


def _is_api_token(auth: Any) -> bool:
    return type(auth).__name__ == "ApiToken" and hasattr(auth, "scopes")


class TokenScopePermission(BasePermission):
    """Refuse a token-authenticated request its token's scopes do not cover.

    Session requests are not concerned. It is in DEFAULT_PERMISSION_CLASSES, and
    vost.authentication.TokenAuthentication applies it too, so that views with their
    own ``permission_classes`` cannot skip it.
    """

    message = _("This API token does not allow this request.")

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if not _is_api_token(token):
            return True
        match = request._request.resolver_match
        refusal = token_refusal(
            token,
            method=request.method or "GET",
            url_name=match.url_name if match else None,
            slug=(match.kwargs.get("slug") if match else None),
            view=view,
        )
        if refusal is not None:
            logger.info(
                "API token %s refused on %s: %s",
                token.pk,
                match.url_name if match else request.path,
                refusal,
            )
            self.message = refusal
            return False
        return True


class TokenRateThrottle(SimpleRateThrottle):
    """At most VOST_API_TOKEN_RATE requests (e.g. ``600/min``) per API token; the
    next ones answer 429 with Retry-After. Session requests are not counted here."""

    scope = "token"

    def get_rate(self) -> str | None:
        return str(settings.VOST_API_TOKEN_RATE)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not _is_api_token(request.auth):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
