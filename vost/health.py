"""Liveness and readiness checks of the parts the hub cannot work without."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import redis
from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ComponentStatus:
    name: str
    ok: bool
    latency_ms: float
    detail: str = ""


@dataclass(frozen=True)
class Readiness:
    components: list[ComponentStatus] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.components)


def _timed(name: str, check: Callable[[], str]) -> ComponentStatus:
    started = time.perf_counter()
    try:
        detail = check()
        ok = True
    except Exception as exc:  # a probe reports every failure, it never raises
        logger.warning("readiness: %s is down: %s", name, exc)
        detail, ok = f"{type(exc).__name__}: {exc}"[:200], False
    return ComponentStatus(
        name, ok, round((time.perf_counter() - started) * 1000, 1), detail
    )


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT postgis_lib_version()")
        (version,) = cursor.fetchone()
    return f"postgis {version}"


def _check_redis() -> str:
    client = redis.Redis.from_url(
        str(settings.REDIS_URL), socket_timeout=1.0, socket_connect_timeout=1.0
    )
    try:
        client.ping()
    finally:
        client.close()
    return "pong"


def _check_worker() -> str:
    from vost.celery import app

    replies = app.control.ping(timeout=settings.READYZ_WORKER_TIMEOUT, limit=1)
    if not replies:
        raise RuntimeError(
            f"no Celery worker answered within {settings.READYZ_WORKER_TIMEOUT:g} s"
        )
    return ", ".join(sorted(name for reply in replies for name in reply))


def readiness_check() -> Readiness:
    """Check database (with PostGIS), Redis and a Celery worker; never raises."""
    return Readiness(
        [
            _timed("database", _check_database),
            _timed("redis", _check_redis),
            _timed("worker", _check_worker),
        ]
    )
