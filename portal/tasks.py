"""Background work of the portal: remind about overdue requests for information."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="portal.remind_overdue_rfis", soft_time_limit=60, time_limit=90)
def remind_overdue_rfis() -> int:
    """Remind once about each open request past its due time (safe to repeat)."""
    from portal import services

    return services.rfi_remind_overdue()
