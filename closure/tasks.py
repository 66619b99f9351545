"""Scheduled work of closing: retention purges once due."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="closure.run_due_purges", soft_time_limit=30, time_limit=60)
def run_due_purges() -> int:
    """Beat: fan out one purge task per due retention purge."""
    from closure import services

    due = services.purges_due()
    for purge_id in due:
        run_purge.delay(purge_id)
    return len(due)


@shared_task(name="closure.run_purge", soft_time_limit=540, time_limit=600)
def run_purge(purge_id: int) -> str:
    """Run one purge. Idempotent: one already done (or not due) is left alone."""
    from closure import services
    from closure.models import RetentionPurge

    if not RetentionPurge.objects.filter(pk=purge_id).exists():
        logger.info("purge %s gone, skipping", purge_id)
        return "gone"
    return services.purge_run(purge_id=purge_id).status
