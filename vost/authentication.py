"""API authentication. Kept apart from vost.api: DRF imports it while loading its views."""

from __future__ import annotations

import contextlib
import zoneinfo
from typing import Any

from django.utils import timezone, translation
from rest_framework import authentication
from rest_framework.request import Request


class TokenAuthentication(authentication.TokenAuthentication):
    """Token auth that also applies the account's language and time zone, as the pages do
    (the middleware cannot: DRF authenticates tokens inside the view)."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is not None:
            user = result[0]
            translation.activate(user.language)
            with contextlib.suppress(zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.activate(zoneinfo.ZoneInfo(user.timezone))
        return result
