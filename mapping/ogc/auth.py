"""Who calls the OGC API: a browser session, or a GIS client with the API token.

Desktop GIS clients (QGIS, ArcGIS Pro) cannot log in through the login page; they
send a personal API token (accounts.ApiToken, created under "API tokens" in the
account menu) that has the ``ogc`` scope:

- ``Authorization: Token <key>`` or ``Authorization: Bearer <key>``;
- HTTP Basic with the user name (or email address) and the API token as the
  password: what QGIS's "Basic" authentication configuration sends. The account
  password is never accepted here (the token can be revoked on its own).

Never in the query string: URLs end up in server and proxy logs, in the
client's history and in project files shared with others.

Credentials that are sent but wrong give 401, even with a valid session, so that
a client with a stale token learns it at once.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import zoneinfo

from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import ApiTokenError, api_token_authenticate
from vost.api import token_refusal


class OgcAuthenticationFailed(Exception):
    """Credentials were sent but are not valid: ``message`` for the client,
    ``reason`` for the log (never the token)."""

    def __init__(self, reason: str, message: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message or _(
            "Invalid credentials: the API token is unknown or revoked."
        )


def ogc_authenticate(request: HttpRequest) -> User | None:
    """The user behind the request's credentials; None when it carries none.

    Raises OgcAuthenticationFailed when an Authorization header is present but
    wrong. A token-authenticated user gets their language and time zone, as the
    pages do, and is set as ``request.user``.
    """
    header = request.META.get("HTTP_AUTHORIZATION", "").strip()
    if not header:
        user = request.user
        return user if isinstance(user, User) and user.is_authenticated else None
    scheme, _sep, credentials = header.partition(" ")
    scheme, credentials = scheme.lower(), credentials.strip()
    if scheme in {"token", "bearer"}:
        user = _token_user(request, key=credentials)
    elif scheme == "basic":
        username, key = _basic_credentials(credentials)
        user = _token_user(request, key=key)
        if username.strip().casefold() not in {
            user.username.casefold(),
            user.email.casefold(),
        }:
            raise OgcAuthenticationFailed("basic: user name does not match the token")
    else:
        raise OgcAuthenticationFailed(f"unsupported scheme {scheme[:20]!r}")
    request.user = user
    translation.activate(user.language)
    with contextlib.suppress(zoneinfo.ZoneInfoNotFoundError, ValueError):
        timezone.activate(zoneinfo.ZoneInfo(user.timezone))
    return user


def _basic_credentials(credentials: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise OgcAuthenticationFailed("basic: not base64 user:password") from exc
    username, sep, password = decoded.partition(":")
    if not sep or not password:
        raise OgcAuthenticationFailed("basic: no password")
    return username, password


def _token_user(request: HttpRequest, *, key: str) -> User:
    """The owner of a usable token with the ``ogc`` scope that opens this activation
    (the scope rules live in vost.api.token_refusal)."""
    try:
        token = api_token_authenticate(key=key)
    except ApiTokenError as exc:
        raise OgcAuthenticationFailed(f"token: {exc.reason}", exc.message) from None
    match = request.resolver_match
    refusal = token_refusal(
        token,
        method=request.method or "GET",
        url_name=match.url_name if match else None,
        slug=match.kwargs.get("slug") if match else None,
        ogc=True,
    )
    if refusal is not None:
        raise OgcAuthenticationFailed(f"token {token.pk}: {refusal}", refusal)
    user = token.user
    if not isinstance(user, User):
        raise OgcAuthenticationFailed("token: not an account")
    return user
