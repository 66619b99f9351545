"""Scheduled work of the Organisation core."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(
    name="activations.remind_expiring_agreements", soft_time_limit=120, time_limit=180
)
def remind_expiring_agreements() -> int:
    """Email coordinators about agreements ending in 60/30/7/1 days.

    Idempotent: each threshold is mailed once per agreement (a repeat sends nothing).
    """
    from activations import services

    sent = services.agreements_remind_expiring()
    logger.info("agreement expiry reminders sent: %s", sent)
    return sent
