"""The project-wide access rules every URL is checked against.

Each app has its own ``permissions.py`` for its objects; this module holds what
is common: marking the few views that are public on purpose, so that a test can
walk the URL map and prove every other view requires a login.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def public[F: Callable[..., Any]](view: F) -> F:
    """Mark a view as reachable without logging in (health probes, login pages)."""
    view.vost_public = True  # type: ignore[attr-defined]
    return view


def is_public(view: Callable[..., Any]) -> bool:
    return bool(getattr(view, "vost_public", False))
