"""Typed, strict reading of the environment.

Every variable the application reads goes through here so that a junk value
("ture", "8o") fails at start with a message naming the variable, and so that
secrets can come from files (``NAME_FILE``, as Docker/Kubernetes secrets do).
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


def env_str(name: str, default: str | None = None) -> str | None:
    """Return $NAME stripped, or ``default`` when unset or empty."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return value.strip()


def env_secret(name: str, default: str | None = None) -> str | None:
    """Return $NAME, or the contents of the file named by $NAME_FILE (Docker secrets)."""
    if path := os.environ.get(f"{name}_FILE"):
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(
                f"cannot read {name}_FILE={path}: {exc.strerror}"
            ) from exc
    return env_str(name, default)


def env_bool(name: str, default: bool) -> bool:
    """Parse a boolean; anything but 1/0, true/false, yes/no, on/off is an error."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean: use one of true/false, 1/0, yes/no, on/off"
    )


def env_int(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """Parse an integer, optionally bounded."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below the minimum {minimum}")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name}={value} is above the maximum {maximum}")
    return value


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    """Parse a comma-separated list; blank items are dropped."""
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: frozenset[str]) -> str:
    """Parse a value that must be one of ``choices`` (case-insensitive)."""
    raw = env_str(name)
    if raw is None:
        return default
    value = raw.lower()
    if value not in choices:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not one of: {', '.join(sorted(choices))}"
        )
    return value
