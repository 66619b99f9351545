"""Restart Redis (broker, results, cache) in the middle of ingestion.

A live hashtag keeps publishing; a real beat process dispatches polls every second
and a real worker runs them. Redis is stopped (SIGTERM, like `docker restart`; its
append-only file is on, as in docker-compose.yml) while posts are flowing, left down
for a few seconds, and started again on the same port and data folder.
"""

from __future__ import annotations

import logging
import time

import pytest

from monitoring.models import IngestBatch
from monitoring.tasks import poll_source
from tests.faults.support import (
    expected_ids,
    live_statuses,
    send,
    stored_ids,
    wait_for,
)
from tests.monitoring.ingest_support import assert_consistent

logger = logging.getLogger(__name__)

pytestmark = [
    pytest.mark.faults,
    pytest.mark.realdata,
    pytest.mark.django_db(transaction=True),
]

DOWN_SECONDS = 5


def test_ingestion_resumes_after_a_redis_restart_and_nothing_is_lost(
    activation, source, instance, processes, recorded, start
):
    live, _port = instance
    seed, *statuses = live_statuses(recorded, 301, start=start, prefix="redis")
    expected = expected_ids([seed, *statuses])
    # given a worker and beat, and a source that has read the hashtag once
    worker = processes.worker()
    live.publish([seed])
    send(processes.redis, poll_source, source.pk)
    wait_for(
        lambda: len(stored_ids(activation.pk)) == 1,
        120,
        "the first poll",
        processes.log_text,
    )
    beat = processes.beat()
    # and 300 statuses published over 12 s, read by the polls beat dispatches
    live.delay = 0.3
    live.publish(statuses, per_second=25)
    wait_for(
        lambda: len(stored_ids(activation.pk)) >= 60, 60, "ingestion to be flowing"
    )
    # when Redis stops mid-ingestion and comes back on the same port a little later
    processes.redis.stop()
    stopped_with = len(stored_ids(activation.pk))
    time.sleep(DOWN_SECONDS)
    processes.redis.start()
    restarted = time.monotonic()
    # then the worker and beat reconnect by themselves and everything lands once
    assert stopped_with < len(expected), "Redis must stop mid-ingestion"
    took = wait_for(
        lambda: len(stored_ids(activation.pk)) >= len(expected),
        180,
        "ingestion to resume",
    )
    time.sleep(3)
    ids = stored_ids(activation.pk)
    assert len(ids) == len(set(ids)) == len(expected)
    assert set(ids) == expected
    assert_consistent(activation.pk)
    assert sum(
        IngestBatch.objects.filter(activation=activation).values_list(
            "inserted", flat=True
        )
    ) == len(expected)
    assert worker.poll() is None, "the worker survived the restart"
    assert beat.poll() is None, "beat survived the restart"
    after = [r for r in live.timeline_requests() if r.at > restarted]
    assert after, "polls were dispatched again after the restart"
    logger.warning(
        "%s of %s stored when Redis stopped; all stored %.1f s after it restarted",
        stopped_with,
        len(expected),
        took,
    )
