"""Celery tasks of the monitoring app: thin, idempotent, time-limited."""

from __future__ import annotations

import logging

from celery import shared_task

from monitoring.connectors.base import SourceTemporarilyUnavailable

logger = logging.getLogger(__name__)


@shared_task(name="monitoring.poll_due_sources", soft_time_limit=30, time_limit=60)
def poll_due_sources() -> int:
    """Beat: fan out one poll task per due source."""
    from monitoring import services

    due = services.sources_due()
    for source_id in due:
        poll_source.delay(source_id)
    return len(due)


@shared_task(
    name="monitoring.poll_source",
    autoretry_for=(SourceTemporarilyUnavailable,),
    retry_backoff=True,
    retry_backoff_max=900,
    max_retries=5,
    soft_time_limit=240,
    time_limit=300,
)
def poll_source(source_id: int) -> int:
    """Poll one source and store new posts. Safe to repeat: posts are unique per
    (activation, platform, external id) and the cursor only moves with a landed batch."""
    from monitoring import services
    from monitoring.models import Source

    source = (
        Source.objects.select_related("activation")
        .filter(pk=source_id, is_enabled=True)
        .first()
    )
    if source is None:
        logger.info("source %s gone or paused, skipping", source_id)
        return 0
    return services.source_poll(source=source).inserted


@shared_task(name="monitoring.cluster_pending", soft_time_limit=240, time_limit=300)
def cluster_pending(activation_id: int) -> int:
    """Cluster whatever a crashed batch left unclustered. Idempotent (SKIP LOCKED)."""
    from activations.models import Activation
    from monitoring import services

    activation = Activation.objects.filter(pk=activation_id).first()
    if activation is None:
        return 0
    return services.cluster_pending(activation=activation)
