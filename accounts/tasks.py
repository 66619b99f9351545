"""Scheduled account housekeeping."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(
    name="accounts.clear_expired_sessions", soft_time_limit=120, time_limit=180
)
def clear_expired_sessions() -> None:
    """Delete expired sessions. Idempotent: a second run finds nothing to delete."""
    from accounts import services

    services.sessions_clear_expired()
    logger.info("expired sessions cleared")
