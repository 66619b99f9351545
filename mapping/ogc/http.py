"""Responses of the OGC API: media types, the exception body, and ``ogc_endpoint``.

Every endpoint is read-only and goes through ``ogc_endpoint``: GET and HEAD only
(405 otherwise, before anything is looked up), the caller authenticated by
``mapping.ogc.auth`` (401 with a Basic challenge, so that QGIS asks for the
credentials), the activation got through ``activation_get_for_user`` with
VIEW_MAP (404 missing or not a member, 403 wrong role), and every error answered
as an OGC exception document.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, Final

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from activations.models import Activation
from activations.permissions import Action, activation_get_for_user
from mapping.ogc.auth import OgcAuthenticationFailed, ogc_authenticate

logger = logging.getLogger(__name__)

JSON: Final = "application/json"
GEOJSON: Final = "application/geo+json"
OPENAPI: Final = "application/vnd.oai.openapi+json;version=3.0"
HTML: Final = "text/html"
JAVASCRIPT: Final = "application/javascript"
REALM: Final = 'Basic realm="VOST Hub OGC API", charset="UTF-8"'
SAFE_METHODS: Final = ("GET", "HEAD")


class OgcError(Exception):
    """An error answered as an OGC exception document (``code``, ``description``)."""

    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.code = code
        self.description = description


def json_response(
    data: Any, *, content_type: str = JSON, status: int = 200
) -> HttpResponse:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return HttpResponse(body.encode(), content_type=content_type, status=status)


def error_response(status: int, code: str, description: str) -> HttpResponse:
    """The OGC exception document; ``detail`` repeats the description (house shape)."""
    return json_response(
        {"code": code, "description": description, "detail": description},
        status=status,
    )


def _unauthorized(description: str) -> HttpResponse:
    response = error_response(401, "NotAuthenticated", description)
    response["WWW-Authenticate"] = REALM
    return response


type OgcView = Callable[..., HttpResponse]


def ogc_endpoint(view: OgcView) -> OgcView:
    """Wrap ``view(request, activation, **kwargs)`` as a read-only OGC endpoint of
    the activation ``slug``: authentication, permission (VIEW_MAP), errors, HEAD.

    CSRF-exempt on purpose: only GET and HEAD reach the view, and they change
    nothing; a POST is answered 405 rather than the CSRF failure page.
    """

    @csrf_exempt
    @wraps(view)
    def endpoint(request: HttpRequest, slug: str, **kwargs: Any) -> HttpResponse:
        if request.method not in SAFE_METHODS:
            response = error_response(
                405,
                "MethodNotAllowed",
                _("This API is read-only: only GET and HEAD are allowed."),
            )
            response["Allow"] = ", ".join(SAFE_METHODS)
            return response
        try:
            user = ogc_authenticate(request)
        except OgcAuthenticationFailed as exc:
            logger.warning("ogc: authentication failed for %s: %s", slug, exc.reason)
            response = _unauthorized(exc.message)
        else:
            if user is None:
                response = _unauthorized(
                    _(
                        "Authentication needed: your user name and API token "
                        "(HTTP Basic), or an Authorization: Token header."
                    )
                )
            else:
                response = _call(view, request, slug, user, kwargs)
        patch_vary_headers(response, ("Authorization", "Cookie"))
        response.headers.setdefault("Cache-Control", "private, no-cache")
        if request.method == "HEAD":
            # Same headers as GET, no body (not every WSGI server drops it).
            length = len(response.content)
            response.content = b""
            response["Content-Length"] = str(length)
        return response

    return endpoint


def _call(
    view: OgcView, request: HttpRequest, slug: str, user: Any, kwargs: dict[str, Any]
) -> HttpResponse:
    try:
        activation: Activation = activation_get_for_user(
            user=user, slug=slug, action=Action.VIEW_MAP
        )
        return view(request, activation, **kwargs)
    except OgcError as exc:
        if exc.status == 400:
            logger.warning(
                "ogc: bad request %s?%s: %s",
                request.path,
                request.GET.urlencode()[:300],
                exc.description,
            )
        return error_response(exc.status, exc.code, exc.description)
    except Http404:
        return error_response(404, "NotFound", _("Not found."))
    except PermissionDenied:
        return error_response(
            403,
            "PermissionDenied",
            _("Your role in this activation does not allow this."),
        )
