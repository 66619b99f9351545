"""Background work of the campaigns: scheduled publication and the watch digest."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="campaigns.publish_due", soft_time_limit=50, time_limit=60)
def publish_due() -> int:
    """Beat, every minute: one publishing task per due post (a duplicate finds the
    post already claimed and does nothing)."""
    from campaigns import services

    ids = services.scheduled_posts_due()
    for post_id in ids:
        publish_post.delay(post_id)
    return len(ids)


@shared_task(name="campaigns.publish_post", soft_time_limit=100, time_limit=120)
def publish_post(post_id: int) -> str:
    """Publish one scheduled post; safe to repeat (the service re-checks the
    approval and the post's state under lock)."""
    from campaigns import services

    post = services.scheduled_post_publish(post_id=post_id)
    return post.status if post is not None else "missing"


@shared_task(name="campaigns.watch_digest", soft_time_limit=300, time_limit=360)
def watch_digest() -> int:
    """Beat, daily: the digest of every open watch activation to its coordinators."""
    from campaigns import watch

    return watch.watch_digests_send()
