"""A 429 storm from a platform, seen by a real worker polling a loopback instance.

tests/monitoring/test_mastodon.py and test_x.py prove that one 429 becomes
SourceTemporarilyUnavailable with the right retry_after, and that source_poll
records the failure. What they cannot show, and this does: what the real task
does next, over time, against a server that keeps refusing. Every request the
platform receives is counted and timed.
"""

from __future__ import annotations

import itertools
import logging
import time

import pytest
from django.utils import timezone

from monitoring.models import Source
from monitoring.tasks import poll_source
from tests.faults.support import (
    expected_ids,
    live_statuses,
    send,
    stored_ids,
    wait_for,
)
from tests.monitoring.social_support import Answer

logger = logging.getLogger(__name__)

pytestmark = [
    pytest.mark.faults,
    pytest.mark.realdata,
    pytest.mark.django_db(transaction=True),
]

STORM = 4
RETRY_AFTER = 2
SLACK = 0.15  # clocks of two processes, the server's own latency


def _gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(times)]


def test_a_429_storm_is_waited_out_then_everything_lands(
    activation, source, instance, processes, recorded, start
):
    live, _port = instance
    seed, *statuses = live_statuses(recorded, 121, start=start, prefix="storm")
    expected = expected_ids([seed, *statuses])
    processes.worker()
    live.publish([seed])
    send(processes.redis, poll_source, source.pk)
    wait_for(
        lambda: len(stored_ids(activation.pk)) == 1,
        120,
        "the first poll",
        processes.log_text,
    )
    # given 120 new statuses, and a platform answering the next polls with 429
    live.publish(statuses)
    live.ahead = [
        Answer(
            429,
            {"error": "Too many requests"},
            headers={"Retry-After": str(RETRY_AFTER)},
        )
        for _ in range(STORM)
    ]
    before = len(live.timeline_requests())
    send(processes.redis, poll_source, source.pk)
    # then, while it lasts, the source shows it is rate-limited and when it will retry
    wait_for(
        lambda: Source.objects.get(pk=source.pk).consecutive_failures >= 1,
        60,
        "the first refusal to be recorded",
        processes.log_text,
    )
    limited = Source.objects.get(pk=source.pk)
    assert "HTTP 429" in limited.last_error
    assert limited.is_enabled
    wait_left = (limited.next_attempt_at - timezone.now()).total_seconds()
    assert 0 < wait_left <= RETRY_AFTER + 1
    # and in the end every status lands, with the failures cleared
    wait_for(
        lambda: len(stored_ids(activation.pk)) >= len(expected),
        120,
        "ingestion after the storm",
        processes.log_text,
    )
    time.sleep(1)
    ids = stored_ids(activation.pk)
    assert len(ids) == len(set(ids)) == len(expected)
    recovered = Source.objects.get(pk=source.pk)
    assert recovered.consecutive_failures == 0
    assert recovered.last_error == ""
    # the platform saw exactly the refused polls, then the pages: no hot loop
    requests = live.timeline_requests()[before:]
    refused = [r for r in requests if r.status == 429]
    assert len(refused) == STORM
    assert requests[STORM].status == 200
    assert len(requests) <= STORM + 5, [
        (round(r.at - requests[0].at, 2), r.status, r.params) for r in requests
    ]
    # and each retry came after the Retry-After the platform asked for
    times = [r.at for r in requests[: STORM + 1]]
    gaps = _gaps(times)
    assert min(gaps) >= RETRY_AFTER - SLACK, gaps
    logger.warning(
        "gaps between the polls of the storm: %s", [round(g, 2) for g in gaps]
    )


def test_without_retry_after_the_retries_back_off_exponentially(
    activation, source, instance, processes, recorded, start
):
    live, _port = instance
    seed, *statuses = live_statuses(recorded, 41, start=start, prefix="backoff")
    expected = expected_ids([seed, *statuses])
    processes.worker()
    live.publish([seed])
    send(processes.redis, poll_source, source.pk)
    wait_for(
        lambda: len(stored_ids(activation.pk)) == 1,
        120,
        "the first poll",
        processes.log_text,
    )
    # given a platform that fails three polls without saying how long to wait
    live.publish(statuses)
    live.ahead = [Answer(503, {"error": "unavailable"}) for _ in range(3)]
    before = len(live.timeline_requests())
    send(processes.redis, poll_source, source.pk)
    wait_for(
        lambda: len(stored_ids(activation.pk)) >= len(expected),
        120,
        "ingestion after the failures",
        processes.log_text,
    )
    requests = live.timeline_requests()[before:]
    assert [r.status for r in requests[:4]] == [503, 503, 503, 200]
    gaps = _gaps([r.at for r in requests[:4]])
    # 2 s, 4 s, 8 s (plus up to a quarter of jitter): it grows, it never spins
    assert gaps[0] >= 2 - SLACK
    assert gaps[1] >= 4 - SLACK
    assert gaps[2] >= 8 - SLACK
    assert all(gap <= 2 ** (n + 1) * 1.25 + 3 for n, gap in enumerate(gaps))
    logger.warning("gaps between the failed polls: %s", [round(g, 2) for g in gaps])
