"""Whether the main navigation shows "Portal": without a query on ordinary pages.

The answer is kept in the session: computed when the person signs in (see
``remember_liaison_at_login``, connected in PortalConfig.ready) and refreshed when
they open the portal. A session from before this existed computes it once, lazily.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

SESSION_KEY = "portal.liaison"


def _is_liaison(request: HttpRequest) -> bool:
    user = request.user
    if not user.is_authenticated:
        return False
    cached = request.session.get(SESSION_KEY)
    if cached is None:
        from portal.selectors import has_liaison_role

        cached = has_liaison_role(user=user)
        request.session[SESSION_KEY] = cached
    return bool(cached)


def portal(request: HttpRequest) -> dict[str, Any]:
    """``portal_nav``: true for liaisons of any activation (lazy, session-cached)."""
    return {"portal_nav": SimpleLazyObject(lambda: _is_liaison(request))}


def remember_liaison_at_login(
    sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any
) -> None:
    """user_logged_in receiver: one tiny query at sign-in, none per page after."""
    if request is None or not hasattr(request, "session"):
        return
    from portal.selectors import has_liaison_role

    request.session[SESSION_KEY] = has_liaison_role(user=user)
