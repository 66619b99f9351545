"""Authentication backends."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest


class AxesBackend(AxesStandaloneBackend):  # type: ignore[misc]
    """django-axes' lockout check (axes is untyped), for requests only.

    Every sign-in over HTTP (login page, admin, re-authentication) passes the request
    and is checked. A call without one (``Client.login`` in tests, a management
    command) has no address to lock on: axes would raise, this lets the next backend
    decide instead.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        super().authenticate(request, username, password, **kwargs)
        return None


def client_ip(request: HttpRequest) -> str:
    """AXES_CLIENT_IP_CALLABLE: whom to lock out. Behind the TLS proxy
    (DJANGO_BEHIND_TLS_PROXY), the right-most X-Forwarded-For entry, the one the
    proxy appended: entries a client writes itself come before it and are ignored."""
    if settings.VOST_BEHIND_TLS_PROXY:
        forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
        last = forwarded.split(",")[-1].strip()
        if last:
            return last
    return str(request.META.get("REMOTE_ADDR", ""))
