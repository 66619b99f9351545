"""Celery tasks of the monitoring app: thin, idempotent, time-limited."""

from __future__ import annotations

import logging
import random
from typing import Any

from celery import Task, shared_task

from monitoring.connectors.base import SourceTemporarilyUnavailable

logger = logging.getLogger(__name__)

# Celery message priority of a watch activation's polls (Redis: 0 first, 9 last).
WATCH_PRIORITY = 9


@shared_task(name="monitoring.poll_due_sources", soft_time_limit=30, time_limit=60)
def poll_due_sources() -> int:
    """Beat: fan out one poll task per due source."""
    from monitoring import services

    due = services.sources_due()
    watch = services.sources_watch(due)
    for source_id in due:
        # Redis serves lower numbers first: a watch poll waits behind crisis work
        if source_id in watch:
            poll_source.apply_async((source_id,), priority=WATCH_PRIORITY)
        else:
            poll_source.delay(source_id)
    return len(due)


RETRY_BASE_SECONDS = 2.0
RETRY_CAP_SECONDS = 900.0


def retry_delay(retry_after: float | None, retries: int) -> float:
    """Seconds before retrying a poll the platform refused: what it asked for
    (Retry-After or its rate-limit reset), else 2, 4, 8 s... up to 15 minutes, with
    up to a quarter more of jitter (never less: a retry must not come early)."""
    if retry_after is not None:
        return max(float(retry_after), 1.0)
    delay = min(RETRY_BASE_SECONDS * float(2**retries), RETRY_CAP_SECONDS)
    return delay * (1 + random.random() / 4)  # noqa: S311 (jitter, not a secret)


@shared_task(
    bind=True,
    name="monitoring.poll_source",
    max_retries=5,
    soft_time_limit=240,
    time_limit=300,
)
def poll_source(self: Task, source_id: int) -> int:  # type: ignore[type-arg]
    """Poll one source and store new posts. Safe to repeat: posts are unique per
    (activation, platform, external id) and the cursor only moves with a landed batch.

    A temporary failure (429, 5xx, timeout) is retried at most 5 times, after the
    platform's Retry-After when it gives one (Celery's own backoff has full jitter
    and could retry at once), then the task fails; beat polls the source again
    when its next_attempt_at comes, and pauses it after repeated failures. A wait
    longer than 15 minutes is left to beat (a Redis broker hands a held task out
    again after its visibility timeout), and a retry finding the source polled
    successfully meanwhile (by beat) does nothing."""
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
    if self.request.retries and source.consecutive_failures == 0:
        logger.info("source %s was polled since it failed, retry dropped", source_id)
        return 0
    try:
        return services.source_poll(source=source).inserted
    except SourceTemporarilyUnavailable as exc:
        countdown = retry_delay(exc.retry_after, self.request.retries)
        if countdown > RETRY_CAP_SECONDS:
            # Longer than the broker's visibility timeout allows a held retry to
            # wait: beat polls the source when its next_attempt_at (set from
            # the same Retry-After) comes.
            logger.info(
                "source %s asks to wait %.0f s; left to beat", source_id, countdown
            )
            return 0
        logger.info(
            "source %s temporarily unavailable, retry %s in %.1f s: %s",
            source_id,
            self.request.retries + 1,
            countdown,
            exc,
        )
        raise self.retry(exc=exc, countdown=countdown) from None


@shared_task(name="monitoring.cluster_pending", soft_time_limit=240, time_limit=300)
def cluster_pending(activation_id: int) -> int:
    """Cluster whatever a crashed batch left unclustered. Idempotent (SKIP LOCKED)."""
    from activations.models import Activation
    from monitoring import services

    activation = Activation.objects.filter(pk=activation_id).first()
    if activation is None:
        return 0
    return services.cluster_pending(activation=activation)


@shared_task(name="monitoring.play_replays", soft_time_limit=30, time_limit=60)
def play_replays() -> int:
    """Beat (every 5 s): fan out one poll per exercise replay with something due, then
    write the injects that have landed to their activation's log (each once)."""
    from django.utils import timezone

    from monitoring import replay

    now = timezone.now()
    sources = replay.replay_sources()
    due = [s.pk for s in sources if replay.is_due(s, now=now)]
    for source_id in due:
        poll_source.delay(source_id)
    replay.replay_injects_log(sources=sources)
    return len(due)


@shared_task(
    name="monitoring.ingest_batch",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=240,
    time_limit=300,
)
def ingest_batch(
    posts: list[dict[str, Any]],
    activation_id: int,
    source_id: int | None = None,
    received_at: str | None = None,
) -> dict[str, int]:
    """Store one batch of serialised RawPosts (pipeline.serialize). Idempotent: posts
    are unique per activation, and a batch that already landed (same receipt time)
    is not recorded twice, so a redelivery after a crash doubles nothing."""
    import datetime as dt

    from activations.models import Activation
    from monitoring import services
    from monitoring.models import Source
    from monitoring.pipeline.serialize import posts_from_json

    activation = Activation.objects.filter(pk=activation_id).first()
    if activation is None:
        logger.info(
            "activation %s gone, dropping a batch of %s", activation_id, len(posts)
        )
        return {}
    source = (
        Source.objects.filter(pk=source_id, activation=activation).first()
        if source_id is not None
        else None
    )
    received = dt.datetime.fromisoformat(received_at) if received_at else None
    raw_posts, rejected = posts_from_json(posts)
    result = services.posts_ingest(
        activation=activation,
        posts=raw_posts,
        source=source,
        rejected=rejected,
        received_at=received,
    )
    return {
        "received": result.received,
        "inserted": result.inserted,
        "duplicates": result.duplicates,
        "rejected": result.rejected,
    }


@shared_task(name="monitoring.learn_decisions", soft_time_limit=120, time_limit=180)
def learn_decisions(activation_id: int) -> int:
    """Teach the activation's classifier its triage decisions once they can no longer
    be undone. Idempotent: each decision is learnt once (learnt_at)."""
    from monitoring import triage

    return triage.decisions_learn(activation_id=activation_id)


@shared_task(
    name="monitoring.learn_pending_decisions", soft_time_limit=30, time_limit=60
)
def learn_pending_decisions() -> int:
    """Beat backstop: one learn_decisions task per activation with decisions waiting
    (the decision itself schedules one after the undo window)."""
    from monitoring import triage

    ids = triage.activations_with_decisions_to_learn()
    for activation_id in ids:
        learn_decisions.delay(activation_id)
    return len(ids)


@shared_task(name="monitoring.renotify_escalations", soft_time_limit=25, time_limit=50)
def renotify_escalations() -> int:
    """Beat (every 30 s): remind the recipients of open escalations whose reminder is
    due. Idempotent: due rows are claimed with SKIP LOCKED and moved to their next
    due time, so two runs at once never send one reminder twice."""
    from monitoring.escalations import escalations_renotify_due

    return escalations_renotify_due()
