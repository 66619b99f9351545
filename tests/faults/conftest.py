"""Fixtures of the fault tests: real processes on loopback, each bounded in time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.faults.support import (
    HASHTAG,
    Cluster,
    LiveInstance,
    Processes,
    RedisServer,
    recorded_statuses,
    serve,
    start_cluster,
    stop_cluster,
)
from tests.monitoring.social_support import MASTODON


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def instance() -> Iterator[tuple[LiveInstance, int]]:
    live = LiveInstance()
    with serve(live) as port:
        yield live, port


@pytest.fixture
def processes(
    redis_server: RedisServer, instance: tuple[LiveInstance, int], tmp_path: Path
) -> Iterator[Processes]:
    procs = Processes(redis=redis_server, platform_port=instance[1], folder=tmp_path)
    yield procs
    procs.stop_all()


@pytest.fixture
def recorded(shared_data: Path) -> list[dict[str, Any]]:
    statuses = recorded_statuses(shared_data)
    if len(statuses) < 10:
        pytest.skip("too few recorded Mastodon statuses in ../shared/data")
    return statuses


@pytest.fixture
def source(activation: Any) -> Any:
    """A Mastodon hashtag source of the activation, polled every second."""
    from monitoring.models import Source

    return Source.objects.create(
        activation=activation,
        platform="mastodon",
        name="Mastodon #inondation",
        params={"instance": MASTODON, "hashtag": HASHTAG},
        interval_seconds=1,
    )


@pytest.fixture
def start() -> dt.datetime:
    """Where the replayed statuses' times begin: a few minutes ago."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=30)


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    """A throwaway PostGIS cluster with a migrated database `vost` (about 25 s once)."""
    made = start_cluster()
    yield made
    stop_cluster(made)
