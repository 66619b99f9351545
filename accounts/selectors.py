"""Reads on accounts, always for the signed-in user."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.models import ApiToken, Notification, User


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """The user's own tokens (nobody else's), newest first, revoked ones included."""
    return (
        ApiToken.objects.filter(user=user)
        .select_related("activation")
        .order_by("-created_at", "-id")
    )


# --- notifications ---------------------------------------------------------------------
@dataclass(frozen=True)
class UnreadCounts:
    total: int
    urgent: int


def notification_list(
    *, user: User, unread_only: bool = False
) -> QuerySet[Notification]:
    """The user's own notifications, newest first (nobody else's are reachable)."""
    queryset = Notification.objects.filter(user=user).select_related("activation")
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    return queryset.order_by("-created_at", "-id")


def notification_unread_counts(*, user: User) -> UnreadCounts:
    """How many unread notifications the user has, and how many of them are urgent
    (one query on the unread partial index)."""
    counts = Notification.objects.filter(user=user, read_at__isnull=True).aggregate(
        total=Count("id"),
        urgent=Count("id", filter=Q(level=Notification.Level.URGENT)),
    )
    return UnreadCounts(total=counts["total"], urgent=counts["urgent"])


def notification_link(url: str) -> str:
    """`url` if it is a path inside the hub ("/a/…"), else "": a notification never
    links to another site nor runs script (``//host``, ``javascript:``, ``\\host``…)."""
    url = url.strip()
    if not url.startswith("/") or url.startswith(("//", "/\\")):
        return ""
    if any(ord(char) < 0x20 or char == "\x7f" for char in url):
        return ""
    if not url_has_allowed_host_and_scheme(url, allowed_hosts=set()):
        return ""
    return url
