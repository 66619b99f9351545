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


@shared_task(
    name="accounts.send_notification_emails",
    autoretry_for=(ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=60,
    time_limit=90,
)
def send_notification_emails(notification_ids: list[int]) -> int:
    """Mail copies of in-app notifications. A retry may resend a copy (at-least-once):
    a duplicate email about an escalation is better than none."""
    from accounts import services

    return services.notifications_send_emails(notification_ids=notification_ids)
