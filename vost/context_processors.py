"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    """Site name, the language choices for the switcher, the map tiles."""
    return {
        "vost_site_name": settings.VOST_SITE_NAME,
        "site_languages": settings.LANGUAGES,
    }
