"""Crash safety with real worker processes: SIGKILL mid-batch, bad records, concurrency.

The workers are separate `celery -A vost worker --pool=solo -c 1` processes on a
private Redis database and queue, pointed at the pytest database through the
environment (tests/monitoring/worker_settings.py shortens the Redis visibility
timeout so a killed worker's task comes back within seconds).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection, connections

from monitoring import post_store, services
from monitoring.models import IngestBatch, Post, Rejection
from monitoring.pipeline.serialize import post_to_json
from monitoring.tasks import ingest_batch
from tests.monitoring.ingest_support import (
    LONG_REPORT,
    assert_consistent,
    batch,
    raw_post,
)
from vost.celery import app

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).resolve().parents[2]
BROKER_DB = 13  # a Redis database of its own: no other worker takes these tasks


def _broker_url() -> str:
    return settings.REDIS_URL.rsplit("/", 1)[0] + f"/{BROKER_DB}"


def _database_url() -> str:
    db = connection.settings_dict
    return (
        f"postgis://{quote(db['USER'], safe='')}:{quote(db['PASSWORD'], safe='')}"
        f"@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )


@pytest.fixture
def broker() -> Iterator[tuple[Any, str]]:
    """A connection to the private broker database (emptied) and a queue name."""
    import redis

    url = _broker_url()
    redis.Redis.from_url(url).flushdb()
    with app.connection_for_write(url) as conn:
        yield conn, f"crash-test-{os.getpid()}"
    redis.Redis.from_url(url).flushdb()


@pytest.fixture
def start_worker(
    broker: tuple[Any, str],
) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    """start_worker() -> a worker process on the test queue; all are stopped at the end."""
    _conn, queue = broker
    started: list[subprocess.Popen[bytes]] = []
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.monitoring.worker_settings",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": _broker_url(),
        "CELERY_RESULT_BACKEND": _broker_url(),
        "PYTHONPATH": str(REPO),
    }

    def start() -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [
                str(REPO / ".venv" / "bin" / "celery"),
                "-A",
                "vost",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "-Q",
                queue,
                "--loglevel=WARNING",
            ],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _send(broker: tuple[Any, str], payload: list[Any], activation_id: int) -> str:
    conn, queue = broker
    received_at = dt.datetime.now(dt.UTC).isoformat()
    ingest_batch.apply_async(
        (payload, activation_id, None, received_at), queue=queue, connection=conn
    )
    return received_at


def _wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def _count(activation_id: int, prefix: str) -> int:
    return Post.objects.filter(
        activation_id=activation_id, external_id__startswith=prefix
    ).count()


def _ingest_lock_held(activation_id: int) -> bool:
    classid, objid = post_store.lock_key(activation_id)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND classid = %s AND objid = %s",
            [classid, objid],
        )
        return cursor.fetchone() is not None


def test_a_worker_killed_mid_batch_loses_and_doubles_nothing(
    activation, broker, start_worker
):
    # given a worker that has loaded everything (a small batch landed)
    first = start_worker()
    _send(broker, [post_to_json(p) for p in batch("warm", 5)], activation.pk)
    _wait_for(lambda: _count(activation.pk, "warm") == 5, 180, "the warm-up batch")
    # and a large batch with reposts and near-copies of one another
    posts = batch("big", 6000)
    posts += [
        raw_post(
            f"big-rt{i}", text=f"RT @x: {LONG_REPORT}", repost_of_external_id="big-o"
        )
        for i in range(50)
    ]
    posts.append(raw_post("big-o"))
    payload = [post_to_json(p) for p in posts]
    # when the worker is SIGKILLed while the batch's transaction is open
    _send(broker, payload, activation.pk)
    _wait_for(
        lambda: _ingest_lock_held(activation.pk), 180, "the batch's write to start"
    )
    os.kill(first.pid, signal.SIGKILL)
    first.wait(10)
    # then nothing of it was committed
    assert _count(activation.pk, "big") == 0
    # when another worker starts, the task comes back (acks_late) and lands once
    start_worker()
    _wait_for(lambda: _count(activation.pk, "big") == len(posts), 240, "the redelivery")
    time.sleep(2)  # anything that would land twice would have by now
    assert _count(activation.pk, "big") == len(posts)
    assert_consistent(activation.pk)
    assert (
        IngestBatch.objects.filter(activation=activation, received=len(posts)).count()
        == 1
    )
    original = Post.objects.get(external_id="big-o")
    assert original.cluster.size == 51
    assert Post.objects.filter(repost_of=original).count() == 50


def test_a_batch_with_malformed_records_lands_the_rest_on_a_real_worker(
    activation, broker, start_worker
):
    # given a batch with malformed records among good ones
    good = [post_to_json(p) for p in batch("m", 20)]
    bad = [
        None,
        "text",
        {"external_id": "no-date", "platform": "x", "text": "t"},
        {**good[0], "external_id": "", "text": "no id"},
        {**good[0], "external_id": "bad-geo", "geo": [1]},
        {**good[0], "external_id": "naive", "posted_at": "2026-10-14T16:00:00"},
    ]
    start_worker()
    # when a real worker takes it
    _send(broker, [*good[:10], *bad, *good[10:]], activation.pk)
    _wait_for(
        lambda: IngestBatch.objects.filter(activation=activation).exists(),
        180,
        "the batch",
    )
    # then the good records are stored, each bad one has its reason
    assert _count(activation.pk, "m") == 20
    assert Rejection.objects.filter(activation=activation).count() == len(bad)
    assert IngestBatch.objects.get(activation=activation).rejected == len(bad)
    assert_consistent(activation.pk)


def test_overlapping_batches_ingested_concurrently_double_nothing(activation):
    # given three batches that overlap, with near-copies spread over them
    posts = batch("c", 900)
    copies = [raw_post(f"c-copy{i}", text=LONG_REPORT + f" #{i}") for i in range(30)]
    batches = [
        posts[:500] + copies[:10],
        posts[300:800] + copies[5:20],
        posts[600:] + copies[15:] + posts[:50],
    ]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(batches))

    def ingest(items: list[Any]) -> None:
        try:
            barrier.wait()
            services.posts_ingest(activation=activation, posts=items)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    # when they are ingested at the same time by three threads (three connections)
    threads = [threading.Thread(target=ingest, args=(b,)) for b in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    # then every post is stored once, clustered, and cluster sizes add up
    assert errors == []
    assert _count(activation.pk, "c") == len(posts) + len(copies)
    assert_consistent(activation.pk)
    copy_clusters = set(
        Post.objects.filter(external_id__startswith="c-copy").values_list(
            "cluster_id", flat=True
        )
    )
    assert len(copy_clusters) == 1  # the ingest lock made them see each other
    inserted = IngestBatch.objects.filter(activation=activation).values_list(
        "inserted", flat=True
    )
    assert sum(inserted) == len(posts) + len(copies)
