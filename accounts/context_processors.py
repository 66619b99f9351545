"""What the header shows a signed-in person on every page: unread notifications."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts.models import User
from accounts.selectors import UnreadCounts, notification_unread_counts


def _counts(request: HttpRequest) -> UnreadCounts:
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        return UnreadCounts(total=0, urgent=0)
    return notification_unread_counts(user=user)


def notifications(request: HttpRequest) -> dict[str, Any]:
    """``unread_notifications.total`` and ``.urgent``; lazy: one query, only on pages
    that render the header."""
    return {"unread_notifications": SimpleLazyObject(lambda: _counts(request))}
