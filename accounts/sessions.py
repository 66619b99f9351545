"""Session limits: idle timeout and absolute lifetime, and what counts as activity.

Two timestamps live in the session: the login time and the last activity. The
session ends after VOST_SESSION_IDLE_SECONDS without activity, and in any case
VOST_SESSION_MAX_SECONDS after login.

Background polling is not activity, otherwise a forgotten open tab would never time
out. A request is a poll when:

- it carries the header ``X-Vost-Poll: 1`` (the opt-in marker for scripts); or
- it is an htmx GET whose triggering element is its own target (``HX-Trigger`` equals
  ``HX-Target``): what an element with ``hx-trigger="every Ns"`` refreshing itself
  sends, as every polling fragment of the hub does; or
- it is a script's GET asking for JSON (``Accept`` names json and the browser says
  ``Sec-Fetch-Mode`` is not ``navigate``): the map and counters refreshed by script.

Polls are still answered (and refused once the session has ended); they just do not
push the idle deadline back.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest

LOGIN_AT_KEY = "vost_login_at"
LAST_SEEN_KEY = "vost_last_seen"
# The last-activity time is written at most this often (each write is a session save).
TOUCH_EVERY_SECONDS = 30
POLL_HEADER = "HTTP_X_VOST_POLL"

EXPIRED_IDLE = "idle"
EXPIRED_ABSOLUTE = "absolute"


def session_clock_start(session: SessionBase, now: float | None = None) -> None:
    now = time.time() if now is None else now
    session[LOGIN_AT_KEY] = now
    session[LAST_SEEN_KEY] = now


def session_expiry(session: SessionBase, now: float | None = None) -> str | None:
    """``idle`` or ``absolute`` when the session is over, else None. A session from
    before these clocks existed starts them now."""
    now = time.time() if now is None else now
    login_at = session.get(LOGIN_AT_KEY)
    last_seen = session.get(LAST_SEEN_KEY)
    if login_at is None or last_seen is None:
        session_clock_start(session, now)
        return None
    if now - float(login_at) > settings.VOST_SESSION_MAX_SECONDS:
        return EXPIRED_ABSOLUTE
    if now - float(last_seen) > settings.VOST_SESSION_IDLE_SECONDS:
        return EXPIRED_IDLE
    return None


def session_touch(session: SessionBase, now: float | None = None) -> None:
    """Note activity (written at most every TOUCH_EVERY_SECONDS)."""
    now = time.time() if now is None else now
    if now - float(session.get(LAST_SEEN_KEY, 0)) >= TOUCH_EVERY_SECONDS:
        session[LAST_SEEN_KEY] = now


def is_poll(request: HttpRequest) -> bool:
    """Whether the request is background polling (see the module docstring)."""
    meta = request.META
    if meta.get(POLL_HEADER, "").strip() == "1":
        return True
    if request.method != "GET":
        return False
    if meta.get("HTTP_HX_REQUEST") == "true":
        trigger = meta.get("HTTP_HX_TRIGGER", "")
        return bool(trigger) and trigger == meta.get("HTTP_HX_TARGET", "")
    fetch_mode = meta.get("HTTP_SEC_FETCH_MODE", "")
    return (
        bool(fetch_mode)
        and fetch_mode != "navigate"
        and "json" in meta.get("HTTP_ACCEPT", "")
    )
