"""Who calls the OGC API: a browser session, or a GIS client with the API token.

Desktop GIS clients (QGIS, ArcGIS Pro) cannot log in through the login page; they
send the user's API token (the one of the profile page, DRF's ``Token``):

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
from rest_framework.authtoken.models import Token

from accounts.models import User


class OgcAuthenticationFailed(Exception):
    """Credentials were sent but are not valid: ``message`` for the client,
    ``reason`` for the log (never the token)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = _("Invalid credentials: the API token is unknown or revoked.")


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
        user = _token_user(key=credentials)
    elif scheme == "basic":
        username, key = _basic_credentials(credentials)
        user = _token_user(key=key)
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


def _token_user(*, key: str) -> User:
    if not key or len(key) > 40:
        raise OgcAuthenticationFailed("token: empty or too long")
    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None:
        raise OgcAuthenticationFailed("token: unknown or revoked")
    user = token.user
    if not isinstance(user, User) or not user.is_active:
        raise OgcAuthenticationFailed("token: account inactive")
    return user
