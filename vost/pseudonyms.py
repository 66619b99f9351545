"""Pseudonymous author labels: a keyed hash, stable within an activation.

The same handle gives the same label in every export and liaison view of one
activation (so "these five posts come from one account" stays visible) and a
different label in another activation; without the server's secret the label
cannot be turned back into the handle.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings


def _key() -> bytes:
    return hashlib.sha256(b"vost-pseudonym:" + settings.SECRET_KEY.encode()).digest()


def pseudonym(handle: str, *, activation_id: int, platform: str = "") -> str:
    """``account-`` and 10 hex digits for a non-empty handle; "" for none."""
    handle = handle.strip().lstrip("@").lower()
    if not handle:
        return ""
    message = f"{activation_id}:{platform}:{handle}".encode()
    digest = hmac.new(_key(), message, hashlib.sha256).hexdigest()
    return f"account-{digest[:10]}"
