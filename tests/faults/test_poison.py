"""Poison messages do not block the queue; a malformed record loses nothing else.

Where a message that cannot succeed ends up (the Redis transport has no dead-letter
queue): the worker logs it at ERROR with its reason, and a task that ran and
failed keeps its FAILURE state and traceback in the result backend
(celery-task-meta-<id>, CELERY_RESULT_EXPIRES = 24 h); a poll that keeps failing
also leaves its last error and failure count on the source (shown on the sources
page and the API), and beat pauses the source after 8 failures in a row.
"""

from __future__ import annotations

import itertools
import json
import time

import pytest

from monitoring.connectors.mastodon import _parse_page
from monitoring.models import IngestBatch, Rejection, Source
from monitoring.pipeline.serialize import post_to_json
from monitoring.tasks import ingest_batch, poll_source
from tests.faults.support import (
    HASHTAG,
    expected_ids,
    live_statuses,
    send,
    stored_ids,
    wait_for,
)
from tests.monitoring.social_support import MASTODON, Answer
from vost.celery import app

pytestmark = [
    pytest.mark.faults,
    pytest.mark.realdata,
    pytest.mark.django_db(transaction=True),
]

BROKEN_TAG = "casse"


def _result(redis, task_id: str) -> dict:
    raw = redis.client().get(f"celery-task-meta-{task_id}")
    return json.loads(raw) if raw else {}


def test_poison_messages_are_bounded_recorded_and_do_not_block_the_queue(
    activation, source, instance, processes, recorded, start
):
    live, _port = instance
    statuses = live_statuses(recorded, 60, start=start, prefix="poison")
    good_batch = [post_to_json(p) for p in _parse_page(statuses[:30])[0].posts]
    redis = processes.redis
    broken = Source.objects.create(
        activation=activation,
        platform="mastodon",
        name="Mastodon #casse",
        params={"instance": MASTODON, "hashtag": BROKEN_TAG},
        interval_seconds=1,
    )
    live.broken[f"/api/v1/timelines/tag/{BROKEN_TAG}"] = Answer(
        500, {"error": "boom"}, headers={"Retry-After": "1"}
    )
    # given, at the head of the queue: a task nobody knows, a batch whose arguments
    # make the task raise, a poll of a source that always fails
    with app.connection_for_write(redis.url) as conn:
        app.send_task("monitoring.no_such_task", args=[1], connection=conn)
    bad_batch = send(redis, ingest_batch, good_batch, "not-an-activation-id")
    failing_poll = send(redis, poll_source, broken.pk)
    # and behind them, good work: a batch and a poll of a healthy source
    send(redis, ingest_batch, good_batch, activation.pk)
    live.publish(statuses[30:])
    send(redis, poll_source, source.pk)
    # when a worker takes the queue
    processes.worker()
    # then the good work lands while the failing poll is still being retried
    wait_for(
        lambda: len(stored_ids(activation.pk)) >= len(expected_ids(statuses)),
        120,
        "the good messages",
        processes.log_text,
    )
    assert set(stored_ids(activation.pk)) == expected_ids(statuses)
    assert _result(redis, failing_poll).get("status") != "FAILURE"
    # and the failing poll gives up after 1 + 5 tries, Retry-After apart
    wait_for(
        lambda: _result(redis, failing_poll).get("status") == "FAILURE",
        60,
        "the failing poll to give up",
        processes.log_text,
    )
    time.sleep(2)
    tries = [r for r in live.requests if BROKEN_TAG in r.path]
    assert len(tries) == 6
    assert min(b.at - a.at for a, b in itertools.pairwise(tries)) >= 0.9
    broken.refresh_from_db()
    assert broken.consecutive_failures == 6
    assert "HTTP 500" in broken.last_error
    assert broken.is_enabled  # beat tries it again later and pauses it after 8
    # the batch that cannot run failed once (no retry: it would fail the same way)
    failed = _result(redis, bad_batch)
    assert failed["status"] == "FAILURE"
    assert "not-an-activation-id" in failed["traceback"]
    # nothing is left in the queue or waiting for an acknowledgement
    client = redis.client()
    assert client.llen("celery") == 0
    assert client.hlen("unacked") == 0
    log = processes.log_text()
    assert "no_such_task" in log
    assert "unregistered task" in log.lower()
    assert "not-an-activation-id" in log
    assert f"source {broken.pk} temporarily unavailable" in log
    worker_alive = processes.started[0].poll() is None
    assert worker_alive


def test_malformed_records_and_a_broken_page_lose_nothing_else(
    activation, source, instance, processes, recorded, start
):
    live, _port = instance
    seed, *statuses = live_statuses(recorded, 41, start=start, prefix="bad")
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
    # given a page whose body is cut off, then a page with malformed records
    bad_records = [
        {
            "id": str(int(statuses[0]["id"]) + 1),
            "content": "<p>no account, no date</p>",
        },
        {
            **statuses[1],
            "id": str(int(statuses[1]["id"]) + 1),
            "created_at": "yesterday",
        },
        {"id": str(int(statuses[2]["id"]) + 1), "content": 42, "account": "nobody"},
    ]
    live.publish([*statuses[:20], *bad_records, *statuses[20:]])
    live.ahead = [Answer(200, body=b'[{"id": "1176", "content": "<p>cut')]
    send(processes.redis, poll_source, source.pk)
    # then the cut page is read again and every good status lands
    wait_for(
        lambda: len(stored_ids(activation.pk)) >= len(expected),
        120,
        "the good statuses",
        processes.log_text,
    )
    assert set(stored_ids(activation.pk)) == expected
    # and each malformed record is kept with its reason, once
    reasons = list(
        Rejection.objects.filter(activation=activation).values_list("reason", flat=True)
    )
    assert len(reasons) == len(bad_records), reasons
    assert IngestBatch.objects.filter(activation=activation).count() >= 2
    assert HASHTAG in Source.objects.get(pk=source.pk).cursor["key"]


def test_bytes_that_are_not_a_message_stop_one_worker_and_nothing_else(
    activation, source, instance, processes, recorded, start
):
    """Not something our producers send (they write JSON envelopes), but anyone with
    access to Redis could. Kombu's Redis transport cannot decode it and the worker
    stops ("Unrecoverable error"); the bytes were already popped, so the worker that
    the supervisor restarts (docker-compose: restart: unless-stopped) goes on."""
    statuses = live_statuses(recorded, 30, start=start, prefix="garbage")
    batch = [post_to_json(p) for p in _parse_page(statuses)[0].posts]
    redis = processes.redis
    # given garbage at the head of the queue and a good batch behind it
    redis.client().lpush("celery", b"\x00not json at all{")
    send(redis, ingest_batch, batch, activation.pk)
    # when a worker takes the queue, it stops on the garbage, with a clear log line
    first = processes.worker()
    first.wait(120)
    assert first.returncode != 0
    assert "Unrecoverable error: JSONDecodeError" in processes.log_text()
    assert stored_ids(activation.pk) == []
    # then the restarted worker lands the batch: nothing else was lost
    processes.worker()
    wait_for(
        lambda: set(stored_ids(activation.pk)) == expected_ids(statuses),
        120,
        "the batch behind the garbage",
        processes.log_text,
    )
    assert redis.client().llen("celery") == 0
