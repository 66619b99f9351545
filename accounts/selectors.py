"""Reads on accounts, always for the signed-in user."""

from __future__ import annotations

from rest_framework.authtoken.models import Token

from accounts.models import User


def api_token_get(*, user: User) -> Token | None:
    """The user's API token, or None if they have not created one."""
    return Token.objects.filter(user=user).first()
