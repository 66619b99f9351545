"""SIGKILL a Celery worker while it polls a slow platform: nothing lost, nothing doubled.

tests/monitoring/test_crash_safety.py kills a worker inside one ingest_batch
transaction. Here the worker dies between pages of a poll (pages already stored,
the cursor moved with them, the task unacknowledged): the next worker gets the task
back (acks_late + reject_on_worker_lost, visibility timeout 4 s in
tests/faults/worker_settings.py) and resumes from the cursor.
"""

from __future__ import annotations

import logging
import os
import signal
import time

import pytest

from monitoring.models import IngestBatch, Source
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


def test_a_worker_killed_between_pages_loses_and_doubles_nothing(
    activation, source, instance, processes, recorded, start
):
    live, _port = instance
    processes.fast_redelivery = True
    seed, *statuses = live_statuses(recorded, 201, start=start, prefix="kill")
    expected = expected_ids([seed, *statuses])
    # given a worker that has read the hashtag once (the cursor is set)
    first = processes.worker()
    live.publish([seed])
    send(processes.redis, poll_source, source.pk)
    wait_for(
        lambda: len(stored_ids(activation.pk)) == 1,
        120,
        "the first poll",
        processes.log_text,
    )
    # and 200 new statuses (5 pages of 40) served slowly
    live.publish(statuses)
    live.delay = 1.5
    served_before = len(live.timeline_requests())
    send(processes.redis, poll_source, source.pk)
    # when the worker is SIGKILLed after two pages, in the middle of the poll
    wait_for(
        lambda: len(live.timeline_requests()) >= served_before + 2,
        60,
        "two pages to be served",
    )
    os.kill(first.pid, signal.SIGKILL)
    first.wait(10)
    landed = stored_ids(activation.pk)
    assert 1 < len(landed) < len(expected), "the kill must come mid-poll"
    cursor_at_kill = Source.objects.get(pk=source.pk).cursor
    assert cursor_at_kill.get("next_min_id"), "the cursor moved with the landed pages"
    # when another worker starts
    live.delay = 0.2
    processes.worker()
    # then the unacknowledged task comes back and the poll finishes from the cursor
    took = wait_for(
        lambda: len(stored_ids(activation.pk)) >= len(expected),
        120,
        "the redelivery",
        processes.log_text,
    )
    time.sleep(3)  # a second delivery would have landed by now
    ids = stored_ids(activation.pk)
    assert len(ids) == len(set(ids)) == len(expected)
    assert set(ids) == expected
    assert_consistent(activation.pk)
    assert sum(
        IngestBatch.objects.filter(activation=activation).values_list(
            "inserted", flat=True
        )
    ) == len(expected)
    # the resumed poll started at the cursor: pages already stored were not re-read
    resumed = [
        r for r in live.timeline_requests()[served_before + 2 :] if "min_id" in r.params
    ]
    assert resumed, "the task was redelivered"
    assert int(resumed[0].params["min_id"]) >= int(cursor_at_kill["next_min_id"])
    logger.warning(
        "redelivered and finished %.1f s after the second worker started", took
    )
