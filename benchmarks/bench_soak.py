"""Soak benchmark: 200 volunteers triaging while posts arrive at 500 posts/s.

    .venv/bin/python benchmarks/bench_soak.py [--duration 600] [--volunteers 200]
        [--rate 500] [--items 5000] [--workers 5] [--ingest-workers 1] [...]

Everything of benchmarks/bench_triage.py (a throw-away database, its volunteers
claiming and deciding over HTTP against gunicorn, counters polled, the queue pages
sampled as a team lead, the double-assignment checks), plus, for the same
--duration, ingestion: a producer process enqueues `monitoring.ingest_batch` tasks
(the path of the stream connector and of file imports) of realistic posts
(benchmarks/pipeline_data.py: French/English flood reports, 30 % reposts and
near-copies) at --rate posts/s, in batches every 0.5 s, on a Redis database of the
benchmark's own, to --ingest-workers real Celery worker processes (prefork, one
child each) writing to the same database. The polling connectors are not in the
loop (their HTTP parsing is measured by bench_x_parse and the fault tests).

Prints the triage latencies (p50/p95/p99 per request kind, with the targets claim
p95 <= 100 ms and queue pages p95 <= 200 ms), posts ingested per second achieved,
the backlog at the end (tasks still queued, posts sent but not stored), errors
(HTTP 5xx or failed requests, failed ingest tasks), and the CPU used by gunicorn,
PostgreSQL, the workers and the clients. Exits 1 on any error or double assignment.
Loopback only; the machine is shared: run the full 10 minutes when it is quiet.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import multiprocessing
import os
import platform
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "scripts"))
import bench_triage  # noqa: E402
import devenv  # noqa: E402

DB_NAME = "vost_bench_soak"
BROKER_DB = 14
BATCH_EVERY = 0.5  # seconds


@dataclass
class Ingestion:
    sent: int = 0
    batches: int = 0
    late_ticks: int = 0
    send_errors: list[str] = field(default_factory=list)
    started: float = 0.0
    ended: float = 0.0
    cpu: float = 0.0  # seconds used by the producer process


def start_workers(
    count: int, env: dict[str, str], nice: int = 0
) -> list[subprocess.Popen[bytes]]:
    log = (ROOT / "var" / "bench_soak_worker.log").open("wb")
    return [
        subprocess.Popen(
            [
                *(["nice", "-n", str(nice)] if nice else []),
                str(ROOT / ".venv" / "bin" / "celery"),
                "-A",
                "vost",
                "worker",
                "--concurrency=1",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=WARNING",
                "-n",
                f"soak{index}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for index in range(count)
    ]


def stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    for proc in workers:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in workers:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def group_cpu(pids: list[int]) -> float:
    """CPU seconds of these processes and their children."""
    total = 0.0
    wanted = set(pids)
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(proc.name) in wanted or int(stat[1]) in wanted:
            total += (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
    return total


def stored(activation_id: int, prefix: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM monitoring_post WHERE activation_id = %s "
            "AND external_id LIKE %s",
            [activation_id, f"{prefix}%"],
        )
        return int(cursor.fetchone()[0])


def produce_in_process(
    args: argparse.Namespace,
    activation_id: int,
    broker_url: str,
    stop: Any,
    results: Any,
) -> None:
    """`produce` in a process of its own (forked before the volunteers start): making
    and serialising posts holds the interpreter lock, and in the clients' process
    it would add its pauses to the volunteers' measured latencies. The database
    connection inherited from the parent is never used here."""
    out = Ingestion()
    try:
        produce(args, activation_id, broker_url, stop, out)
    finally:
        out.cpu = time.process_time()
        results.put(out)


def produce(
    args: argparse.Namespace,
    activation_id: int,
    broker_url: str,
    stop: Any,
    out: Ingestion,
) -> None:
    """Enqueue `rate` posts/s in batches until `stop`; posts are made ahead of time."""
    from pipeline_data import make_posts

    from monitoring.pipeline.serialize import post_to_json
    from monitoring.tasks import ingest_batch
    from vost.celery import app

    per_batch = max(1, round(args.rate * BATCH_EVERY))
    chunk_posts = per_batch * 40  # 20 s of posts made at a time
    made = 0
    pending: list[dict[str, Any]] = []
    with app.connection_for_write(broker_url) as broker:
        out.started = time.monotonic()
        tick = 0
        while not stop.is_set():
            if len(pending) < per_batch:
                fresh = make_posts(chunk_posts, seed=11 + made, prefix=f"s{made}-")
                pending += [post_to_json(p) for p in fresh]
                made += chunk_posts
            target = out.started + tick * BATCH_EVERY
            delay = target - time.monotonic()
            if delay > 0:
                if stop.wait(delay):
                    break
            else:
                out.late_ticks += 1
            batch, pending = pending[:per_batch], pending[per_batch:]
            try:
                ingest_batch.apply_async(
                    (batch, activation_id, None, dt.datetime.now(dt.UTC).isoformat()),
                    connection=broker,
                )
                out.sent += len(batch)
                out.batches += 1
            except Exception as exc:
                out.send_errors.append(f"{type(exc).__name__}: {exc}")
            tick += 1
        out.ended = time.monotonic()


@contextlib.contextmanager
def shared_services() -> Iterator[Any]:
    """devenv.services(), but an embedded PostgreSQL or Redis that was already
    running (other people's tests use it) is left running at exit: devenv adopts
    a service whose starter has exited (`devenv.py env` exits at once) and would
    stop it."""
    running = {
        name: bool(port) and not devenv.port_is_free(port)
        for name in ("pg", "redis")
        for port in [devenv.read_int(devenv.VAR / name / "port")]
    }
    with devenv.services() as svc:
        if svc.postgres is not None and running["pg"]:
            svc.postgres.started_here = False
        if svc.redis is not None and running["redis"]:
            svc.redis.adopted_pid = 0
        yield svc


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=600.0, help="seconds")
    parser.add_argument("--volunteers", type=int, default=200)
    parser.add_argument("--rate", type=int, default=500, help="posts/s ingested")
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--ramp", type=float, default=30.0)
    parser.add_argument("--think", type=float, default=20.0)
    parser.add_argument("--poll", type=float, default=4.0)
    parser.add_argument("--sample-every", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=5, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--ingest-workers", type=int, default=1)
    parser.add_argument(
        "--ingest-nice",
        type=int,
        default=0,
        help="run the ingest workers at this nice level (10: what the README "
        "advises, requests first)",
    )
    parser.add_argument("--jit-off", action="store_true")
    parser.add_argument(
        "--drain", type=float, default=60.0, help="seconds to wait for the backlog"
    )
    args = parser.parse_args()

    with shared_services() as svc:
        env = devenv.django_env(svc.env)
        broker_url = env["REDIS_URL"].rsplit("/", 1)[0] + f"/{BROKER_DB}"
        bench_triage.BROKER_URL = broker_url
        broker = bench_triage.redis_client(broker_url)
        keys_before = set(broker.keys("*"))
        env.update(
            {
                "DJANGO_DEBUG": "false",
                "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
                "DJANGO_SECURE_SSL_REDIRECT": "false",
                "DJANGO_SESSION_COOKIE_SECURE": "false",
                "DJANGO_CSRF_COOKIE_SECURE": "false",
                "VOST_STATIC_MANIFEST": "false",
                "DJANGO_LOG_LEVEL": "warning",
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
                "DJANGO_SETTINGS_MODULE": "vost.settings",
                "CELERY_BROKER_URL": broker_url,
                "CELERY_RESULT_BACKEND": broker_url,
            }
        )
        os.environ.update(env)
        import django

        django.setup()
        from django.conf import settings
        from django.db import connection

        settings.DATABASES["default"]["TEST"]["NAME"] = DB_NAME
        print(
            f"VOST Hub soak benchmark — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
            f"{platform.node()}, {os.cpu_count()} CPUs, Python "
            f"{platform.python_version()}, load average "
            f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}"
        )
        connection.creation.create_test_db(verbosity=0, keepdb=False, serialize=False)
        try:
            return run(args, env, broker_url)
        finally:
            connection.close()
            connection.creation.destroy_test_db(DB_NAME, verbosity=0)
            created = set(broker.keys("*")) - keys_before
            if created:
                broker.delete(*created)
            print(f"database {DB_NAME} dropped, {len(created)} broker keys removed")


def make_data(args: argparse.Namespace) -> Any:
    return bench_triage.make_data(args)


def run(args: argparse.Namespace, env: dict[str, str], broker_url: str) -> int:
    from django.db import connection

    from activations.models import Activation

    fixture = make_data(args)
    activation = Activation.objects.get(slug=fixture.slug)
    database_url = bench_triage.with_database(env["DATABASE_URL"], DB_NAME)
    worker_env = {**env, "DATABASE_URL": database_url}
    workers = start_workers(args.ingest_workers, worker_env, args.ingest_nice)
    port = devenv.free_port()
    web = subprocess.Popen(
        bench_triage.gunicorn_command(args, port),
        cwd=ROOT,
        env={**env, "DATABASE_URL": database_url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    ingestion = Ingestion()
    forked = multiprocessing.get_context("fork")
    stop, results = forked.Event(), forked.Queue()
    try:
        base = f"http://127.0.0.1:{port}"
        if not bench_triage.wait_http(base + "/healthz", 300):
            raise SystemExit("gunicorn did not come up within 300 s")
        bench_triage.warm_up(base, fixture, args.workers * args.threads)
        # the workers have loaded the pipeline once a first batch has landed
        from pipeline_data import make_posts

        from monitoring.pipeline.serialize import post_to_json
        from monitoring.tasks import ingest_batch
        from vost.celery import app

        with app.connection_for_write(broker_url) as conn:
            warm = [post_to_json(p) for p in make_posts(50, seed=99, prefix="warm-")]
            ingest_batch.apply_async(
                (warm, activation.pk, None, dt.datetime.now(dt.UTC).isoformat()),
                connection=conn,
            )
        deadline = time.monotonic() + 240
        while stored(activation.pk, "warm-") < 50:
            if time.monotonic() > deadline:
                raise SystemExit(
                    "the ingest worker did not start (var/bench_soak_worker.log)"
                )
            time.sleep(0.5)
        print(
            f"load: {args.volunteers} volunteers (think {args.think:.0f} s, ramp "
            f"{args.ramp:.0f} s, counters every {args.poll:.0f} s) on gunicorn "
            f"{args.workers}x{args.threads}; ingestion {args.rate} posts/s in batches "
            f"every {BATCH_EVERY} s to {args.ingest_workers} worker process(es); "
            f"{args.duration:.0f} s"
        )
        worker_pids = [w.pid for w in workers]
        before = bench_triage.cpu_split(web.pid)
        workers_before = group_cpu(worker_pids)
        producer = forked.Process(
            target=produce_in_process,
            args=(args, activation.pk, broker_url, stop, results),
            daemon=True,
        )
        producer.start()
        records, started, ended = bench_triage.run_load(args, base, fixture)
        stop.set()
        ingestion = results.get(timeout=60)
        producer.join(30)
        after = bench_triage.cpu_split(web.pid)
        workers_after = group_cpu(worker_pids)
        stored_at_end = stored(activation.pk, "s")
        queued_at_end = int(bench_triage.redis_client(broker_url).llen("celery"))
        drain_started = time.monotonic()
        while (
            stored(activation.pk, "s") < ingestion.sent
            and time.monotonic() - drain_started < args.drain
        ):
            time.sleep(1)
        drained = stored(activation.pk, "s")
        drain_time = time.monotonic() - drain_started
    except BaseException:
        stop.set()
        sys.stderr.write(bench_triage.stop(web).decode(errors="replace")[-3000:])
        stop_workers(workers)
        raise
    stderr = bench_triage.stop(web)
    stop_workers(workers)
    status = bench_triage.report(
        args, records, started, ended, fixture, stderr.decode(errors="replace")
    )
    elapsed = ingestion.ended - ingestion.started
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), coalesce(sum(rejected), 0) FROM monitoring_ingestbatch "
            "WHERE activation_id = %s",
            [activation.pk],
        )
        batches_done, rejected = cursor.fetchone()
    failed_log = (ROOT / "var" / "bench_soak_worker.log").read_text(errors="replace")
    failed_tasks = failed_log.count("raised unexpected")
    print("ingestion:")
    print(
        f"  sent {ingestion.sent} posts in {ingestion.batches} batches over "
        f"{elapsed:.1f} s = {ingestion.sent / elapsed:.0f} posts/s offered "
        f"(target {args.rate}); producer late on {ingestion.late_ticks} ticks"
    )
    print(
        f"  stored during the run: {stored_at_end} = "
        f"{stored_at_end / elapsed:.0f} posts/s achieved; backlog at the end: "
        f"{ingestion.sent - stored_at_end} posts ({queued_at_end} batches queued)"
    )
    print(
        f"  after {drain_time:.0f} s of draining: {drained} of {ingestion.sent} stored"
        f"{' (all)' if drained >= ingestion.sent else ''}; {batches_done} batches "
        f"recorded, {rejected} records rejected; failed tasks {failed_tasks}; "
        f"send errors {len(ingestion.send_errors)}"
    )
    used = {name: after[name] - before.get(name, 0.0) for name in after}
    used["ingest workers"] = workers_after - workers_before
    used["producer"] = ingestion.cpu
    print(
        "  CPU used during the run: "
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in used.items())
        + f" = {sum(used.values()) / (ended - started):.2f} of {os.cpu_count()} cores"
    )
    errors = failed_tasks + len(ingestion.send_errors)
    return 1 if status or errors else status


if __name__ == "__main__":
    sys.exit(main())
