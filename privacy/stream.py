"""Listening to a platform's deletion events and handing them to the worker.

``mastodon_listen`` reads an instance's public stream (Server-Sent Events,
``/api/v1/streaming/public``) and queues the Celery task
``privacy.honour_deletions`` for each small batch of ``delete`` events; the
management command ``listen_deletions`` runs it (one process per instance,
reconnecting with a backoff). Jetstream and X compliance files go through
``privacy.deletions`` and the same task.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict

import requests

from privacy.deletions import mastodon_sse
from privacy.services.erasure import Deletion

logger = logging.getLogger(__name__)

FLUSH_EVERY = 20  # deletions per task
READ_TIMEOUT = 90  # seconds without a byte (Mastodon sends a heartbeat every ~15 s)


def queue_deletions(deletions: Iterable[Deletion]) -> int:
    """Queue the erasure of these deletions (one task); returns how many."""
    from privacy import tasks

    batch = [asdict(d) for d in deletions]
    if batch:
        tasks.honour_deletions.delay(batch)
    return len(batch)


def mastodon_listen(
    *,
    instance: str,
    token: str | None = None,
    session: requests.Session | None = None,
    max_events: int | None = None,
    sink: Callable[[list[Deletion]], int] = queue_deletions,
) -> int:
    """Read one connection of the instance's public stream until it ends (or
    `max_events` deletions); returns how many deletions were handed to `sink`."""
    session = session or requests.Session()
    host = instance.split("://", 1)[-1].split("/", 1)[0].lower()
    headers = {"Accept": "text/event-stream", "User-Agent": "VOSTHub/1.0"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    handed = 0
    pending: list[Deletion] = []
    with session.get(
        f"{instance.rstrip('/')}/api/v1/streaming/public",
        headers=headers,
        stream=True,
        timeout=(5, READ_TIMEOUT),
        allow_redirects=False,
    ) as response:
        response.raise_for_status()
        lines = response.iter_lines(decode_unicode=True)
        for deletion in mastodon_sse((line or "" for line in lines), host=host):
            pending.append(deletion)
            if len(pending) >= FLUSH_EVERY:
                handed += sink(pending)
                pending = []
            if max_events is not None and handed + len(pending) >= max_events:
                break
    if pending:
        handed += sink(pending)
    logger.info("Mastodon %s stream: %s deletion(s) handed over", host, handed)
    return handed


def mastodon_listen_forever(*, instance: str, token: str | None = None) -> None:
    """Reconnect a dropped stream with exponential backoff (up to 5 minutes)."""
    backoff = 1.0
    while True:
        started = time.monotonic()
        try:
            mastodon_listen(instance=instance, token=token)
        except requests.RequestException as exc:
            logger.warning("Mastodon stream %s dropped: %s", instance, exc)
        if time.monotonic() - started > 60:
            backoff = 1.0
        time.sleep(backoff)
        backoff = min(backoff * 2, 300.0)
