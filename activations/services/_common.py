"""What every service module shares: validation to DomainError, automatic log lines."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.exceptions import ValidationError

from accounts.models import User
from activations.models import (
    Activation,
    LogEntry,
)
from vost.exceptions import DomainError

logger = logging.getLogger(__name__)

CHARTER_VERSION = "2026-1"
MAX_PDF_BYTES = 10 * 1024 * 1024
CHECK_IN_EARLY = dt.timedelta(minutes=30)
REMINDER_DAYS = (60, 30, 7, 1)


def _clean(instance: Any, **kwargs: Any) -> None:
    """full_clean(), turned into a DomainError with readable messages."""
    try:
        instance.full_clean(**kwargs)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), code="invalid") from exc


def log(
    *,
    activation: Activation,
    text: str,
    kind: str = LogEntry.Kind.SYSTEM,
    author: User | None = None,
) -> LogEntry:
    return LogEntry.objects.create(
        activation=activation, text=text, kind=kind, author=author
    )
