"""API authentication. Kept apart from vost.api: DRF imports it while loading its views."""

from __future__ import annotations

import contextlib
import logging
import zoneinfo
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

logger = logging.getLogger(__name__)


class TokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <key>`` (or ``Token <key>``) with a personal
    accounts.ApiToken: a revoked, expired or unknown key answers 401 saying which.

    It applies the token's scopes and activation restriction (vost.api) whatever the
    view's permission classes, and the account's language and time zone, as the
    pages do (the middleware cannot: DRF authenticates tokens inside the view).
    """

    keywords = (b"token", b"bearer")

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        from accounts.services import ApiTokenError, api_token_authenticate
        from vost.api import TokenScopePermission

        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Invalid Authorization header: give the scheme and the key.")
            )
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid API token.")) from None
        try:
            token = api_token_authenticate(key=key)
        except ApiTokenError as exc:
            logger.warning("API token refused: %s", exc.reason)
            raise exceptions.AuthenticationFailed(exc.message) from None
        user = token.user
        translation.activate(user.language)
        with contextlib.suppress(zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.activate(zoneinfo.ZoneInfo(user.timezone))
        request.user, request.auth = user, token  # for the permission below
        view = (getattr(request, "parser_context", None) or {}).get("view")
        permission = TokenScopePermission()
        if not permission.has_permission(request, view):
            raise exceptions.PermissionDenied(permission.message)
        return user, token

    def authenticate_header(self, request: Request) -> str:
        return "Token"
