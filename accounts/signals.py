"""At login: start the session clocks and the two-factor state (read by middleware)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from accounts import sessions, twofactor


@receiver(user_logged_in, dispatch_uid="accounts.session_start")
def session_start(
    sender: Any, request: HttpRequest | None, user: AbstractBaseUser, **kwargs: Any
) -> None:
    if request is None or not hasattr(request, "session"):
        return
    sessions.session_clock_start(request.session)
    twofactor.session_start(session=request.session, user=user)
