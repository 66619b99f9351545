"""Background work of data protection: platform deletions and the compliance check."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="privacy.honour_deletions", soft_time_limit=120, time_limit=180)
def honour_deletions(deletions: list[dict[str, Any]]) -> int:
    """Erase the posts these deletion notices name (privacy.stream queues it).
    Idempotent: an erased post is left alone; a malformed notice is logged."""
    from privacy.services.erasure import Deletion, deletions_honour

    parsed: list[Deletion] = []
    for item in deletions:
        try:
            parsed.append(Deletion(**item))
        except TypeError:
            logger.warning("malformed deletion notice ignored: %r", item)
    return deletions_honour(parsed)


@shared_task(name="privacy.compliance_check", soft_time_limit=540, time_limit=600)
def compliance_check() -> int:
    """Beat (every 15 minutes): erase recent posts their platform no longer has."""
    from privacy import compliance

    return compliance.compliance_check().erased
