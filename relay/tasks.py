"""Background work of the relay: publishing one task, collecting official messages."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from relay.publishers import TransientPublishError

logger = logging.getLogger(__name__)

MAX_RETRIES = 5


@shared_task(
    bind=True,
    name="relay.publish_task",
    max_retries=MAX_RETRIES,
    soft_time_limit=100,
    time_limit=120,
)
def publish_task(self: Any, task_id: int) -> str:
    """Publish one relay task on its platform. Safe to repeat and to retry: the
    service claims the task and never posts a published one again."""
    from relay import services

    try:
        task = services.relay_publish(task_id=task_id)
    except TransientPublishError as exc:
        if self.request.retries >= MAX_RETRIES:
            services.relay_publish_give_up(task_id=task_id, error=exc.detail)
            return "failed"
        # 30 s, 60 s, 120 s, … at most 15 minutes
        raise self.retry(
            exc=exc, countdown=min(30 * 2**self.request.retries, 900)
        ) from exc
    return task.status if task is not None else "missing"


@shared_task(name="relay.collect_official_messages", soft_time_limit=50, time_limit=60)
def collect_official_messages() -> int:
    """Beat: new CAP alerts and posts of the authority's accounts, in open
    activations, become official messages (once each)."""
    from activations.models import Activation
    from relay import services

    total = 0
    for activation in Activation.objects.filter(
        status__in=[Activation.Status.ACTIVE, Activation.Status.STANDBY]
    ).select_related("authority", "agreement"):
        total += services.official_messages_collect(activation=activation)
    if total:
        logger.info("relay: %s new official messages", total)
    return total
