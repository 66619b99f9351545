"""Manual entries of the activation log (automatic ones go through _common.log)."""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _

from accounts.models import User
from activations.models import (
    Activation,
    LogEntry,
)
from vost.exceptions import DomainError

logger = logging.getLogger(__name__)


def log_entry_add(
    *,
    by: User,
    activation: Activation,
    text: str,
    kind: str = LogEntry.Kind.NOTE,
    corrects: LogEntry | None = None,
) -> LogEntry:
    """Append a manual entry; a correction points at the entry it corrects (same activation)."""
    text = text.strip()
    if not text:
        raise DomainError(_("A log entry needs some text."))
    if kind not in {
        LogEntry.Kind.NOTE,
        LogEntry.Kind.DECISION,
        LogEntry.Kind.CORRECTION,
    }:
        raise DomainError(_("This kind of entry is written by the system."))
    if corrects is not None:
        if corrects.activation_id != activation.pk:
            raise DomainError(
                _("A correction must concern an entry of the same activation.")
            )
        kind = LogEntry.Kind.CORRECTION
    elif kind == LogEntry.Kind.CORRECTION:
        raise DomainError(_("Say which entry this corrects."))
    if len(text) > 5000:
        raise DomainError(_("A log entry is at most 5000 characters."))
    return LogEntry.objects.create(
        activation=activation, author=by, kind=kind, text=text, corrects=corrects
    )
