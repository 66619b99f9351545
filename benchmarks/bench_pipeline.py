"""Ingest pipeline benchmark: throughput per stage, then latency through a real worker.

    .venv/bin/python benchmarks/bench_pipeline.py [--posts 100000] [--batch 1000]
        [--rate 500] [--seconds 30] [--noop-enrichment] [--skip-latency] [--profile FILE]

Creates a throw-away test database on the embedded PostGIS (or DATABASE_URL),
then:
1. Throughput: 100k synthetic posts (benchmarks/pipeline_data.py: French and
   English, 30% reposts and near-copies, 15% geotagged) go through
   services.posts_ingest in batches of 1,000 in this one process. Prints posts/s
   overall and the time of each stage (validate, dedupe lookup, language,
   classify, geoparse, minhash, insert, cluster). With --noop-enrichment the
   language, classify and geoparse stages are replaced by no-ops, to see what
   the rest of the pipeline costs.
2. Latency: a producer thread enqueues 500 posts/s for 30 s (batches every
   100 ms) as `monitoring.ingest_batch` tasks to one real Celery worker
   process (solo pool, concurrency 1) over the embedded Redis, on a private
   Redis database and queue; a poller measures, per post, the time from
   receipt (the stamp the producer gives the batch) to visible in the queue
   (committed with its cluster). Prints p50/p95/max.
The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import functools
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "benchmarks"))

TEST_DB = "test_vost_bench_pipeline"
BROKER_DB = 14  # a Redis database of its own: no other worker takes these tasks


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=500, help="posts/s, latency run")
    parser.add_argument("--seconds", type=int, default=30, help="latency run length")
    parser.add_argument("--noop-enrichment", action="store_true")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--profile", help="write a cProfile of the throughput run")
    parser.add_argument(
        "--suggested-schema",
        action="store_true",
        help="first apply, to the throw-away database only, the index changes "
        "suggested for a migration (see SUGGESTED_SCHEMA)",
    )
    args = parser.parse_args()

    import devenv

    with devenv.services() as svc:
        os.environ.update(devenv.django_env(svc.env))
        os.environ.update(
            {
                "DJANGO_SETTINGS_MODULE": "vost.settings_test",
                "DJANGO_LOG_LEVEL": "warning",
            }
        )
        import django
        from django.conf import settings

        django.setup()
        from django.db import connection
        from django.test.utils import setup_test_environment

        setup_test_environment()
        settings.DATABASES["default"]["TEST"]["NAME"] = TEST_DB
        test_db = connection.creation.create_test_db(verbosity=0, keepdb=False)
        try:
            return run(args, test_db)
        finally:
            connection.close()
            connection.creation.destroy_test_db(test_db, verbosity=0)


# Index changes proposed for a migration, tried here on the throw-away database only:
# drop indexes that composite ones already cover (each one costs every insert), let
# the band lookup read (activation, band, cluster) from the index alone, give the
# repost linking an index, and drop the FK on ClusterBand.activation (implied by
# the cluster's) whose check runs at commit for every band row.
SUGGESTED_SCHEMA = [
    ("monitoring_post", "(activation_id)", "drop"),
    ("monitoring_post", "(lang)", "drop"),
    ("monitoring_post", "(lang varchar_pattern_ops)", "drop"),
    ("monitoring_post", "(posted_at)", "drop"),
    ("monitoring_post", "(received_at)", "drop"),
    ("monitoring_clusterband", "(activation_id)", "drop"),
    ("monitoring_clusterband", "(cluster_id)", "drop"),
    ("monitoring_clusterband", "(activation_id, band)", "drop"),
    (
        "CREATE INDEX clusterband_lookup_idx ON monitoring_clusterband "
        "(activation_id, band, cluster_id)",
        "",
        "sql",
    ),
    (
        "CREATE INDEX post_awaiting_original_idx ON monitoring_post "
        "(activation_id, platform, repost_of_external_id) "
        "WHERE repost_of_id IS NULL AND repost_of_external_id <> ''",
        "",
        "sql",
    ),
    ("monitoring_clusterband", "activation_id", "drop-fk"),
]


def apply_suggested_schema() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table, what, action in SUGGESTED_SCHEMA:
            if action == "sql":
                cursor.execute(table)
                continue
            if action == "drop-fk":
                cursor.execute(
                    "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass "
                    "AND contype = 'f' AND pg_get_constraintdef(oid) LIKE %s",
                    [table, f"FOREIGN KEY ({what})%"],
                )
                for (name,) in cursor.fetchall():
                    cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                continue
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = %s "
                "AND indexdef LIKE %s AND indexdef NOT LIKE '%%UNIQUE%%'",
                [table, f"%USING btree {what}"],
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP INDEX "{name}"')
    print("   (suggested schema applied to the throw-away database)")


# --- stage timing ------------------------------------------------------------------
class Stages:
    """Wraps pipeline functions to add up the time spent in each."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._undo: list[Callable[[], None]] = []

    def wrap(
        self, owner: Any, attribute: str, stage: str, replacement: Any = None
    ) -> None:
        original = getattr(owner, attribute)
        target = replacement or original

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return target(*args, **kwargs)
            finally:
                self.seconds[stage] += time.perf_counter() - start

        setattr(owner, attribute, timed)
        self._undo.append(lambda: setattr(owner, attribute, original))

    def restore(self) -> None:
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()


def instrument(noop: bool) -> Stages:
    from monitoring import neardup_store, services
    from monitoring.models import Category
    from monitoring.pipeline import classify, neardup

    stages = Stages()
    stages.wrap(services, "_validate_batch", "validate")
    stages.wrap(services, "_existing_keys", "dedupe lookup")
    stages.wrap(
        services,
        "detect_languages",
        "language",
        (lambda texts, hints: [(h or "fr")[:2] for h in hints]) if noop else None,
    )
    stages.wrap(
        classify,  # imported by services._enrich at call time
        "classify",
        "classify",
        (lambda texts, langs, **kw: [(Category.OTHER_RELEVANT.value, 0.3)] * len(texts))
        if noop
        else None,
    )
    stages.wrap(
        services,
        "geoparse",
        "geoparse",
        (lambda texts, **kw: [(None, "")] * len(texts)) if noop else None,
    )
    stages.wrap(neardup, "signatures", "minhash")
    stages.wrap(neardup, "band_keys", "minhash")
    stages.wrap(services, "_insert_posts", "insert")
    stages.wrap(neardup_store, "assign", "cluster")
    return stages


# --- runs --------------------------------------------------------------------------
def run(args: argparse.Namespace, test_db: str) -> int:

    from monitoring.models import Post
    from tests.factories import ActivationFactory

    load = os.getloadavg()
    print(
        f"VOST Hub ingest pipeline benchmark — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.node()}, {os.cpu_count()} CPUs, load average {load[0]:.2f}, "
        f"Python {platform.python_version()}, database {test_db}"
    )
    if args.suggested_schema:
        apply_suggested_schema()
    activation = ActivationFactory(slug="bench-pipeline")
    failures = 0
    if not args.skip_throughput:
        failures += throughput(args, activation)
    if not args.skip_latency:
        failures += latency(args, activation)
    print(f"posts stored: {Post.objects.count()}")
    return 1 if failures else 0


def throughput(args: argparse.Namespace, activation: Any) -> int:
    from django.db import connection
    from pipeline_data import make_posts

    from monitoring import services
    from monitoring.models import Cluster, ClusterBand, Post

    started = time.perf_counter()
    posts = make_posts(args.posts, seed=4, prefix="t")
    print(
        f"\n1. Throughput: {args.posts} posts generated in {time.perf_counter() - started:.1f} s"
    )

    # One-time costs (language models, gazetteer) are paid before the clock starts,
    # as a long-running worker pays them once.
    warm = make_posts(200, seed=99, prefix="warm")
    services.posts_ingest(activation=activation, posts=warm)

    stages = instrument(args.noop_enrichment)
    profiler = cProfile.Profile() if args.profile else None
    per_batch = []
    inserted = duplicates = 0
    started = time.perf_counter()
    try:
        if profiler:
            profiler.enable()
        for offset in range(0, len(posts), args.batch):
            batch_started = time.perf_counter()
            result = services.posts_ingest(
                activation=activation, posts=posts[offset : offset + args.batch]
            )
            per_batch.append(time.perf_counter() - batch_started)
            inserted += result.inserted
            duplicates += result.duplicates
        if profiler:
            profiler.disable()
    finally:
        stages.restore()
    elapsed = time.perf_counter() - started
    if profiler:
        profiler.dump_stats(args.profile)

    print(
        f"   {'no-op language/classify/geoparse; ' if args.noop_enrichment else ''}"
        f"{len(posts)} posts in {elapsed:.1f} s: {len(posts) / elapsed:,.0f} posts/s overall "
        f"(inserted {inserted}, duplicates {duplicates})"
    )
    first, last = per_batch[: len(per_batch) // 10], per_batch[-len(per_batch) // 10 :]
    print(
        f"   batch of {args.batch}: median {statistics.median(per_batch) * 1000:.0f} ms, "
        f"first tenth {statistics.mean(first) * 1000:.0f} ms, last tenth {statistics.mean(last) * 1000:.0f} ms"
    )
    accounted = 0.0
    print(f"   {'stage':<15}{'seconds':>9}{'share':>8}{'posts/s':>12}")
    for stage in (
        "validate",
        "dedupe lookup",
        "language",
        "classify",
        "geoparse",
        "minhash",
        "insert",
        "cluster",
    ):
        seconds = stages.seconds.get(stage, 0.0)
        accounted += seconds
        rate = f"{len(posts) / seconds:,.0f}" if seconds else "-"
        print(f"   {stage:<15}{seconds:>9.2f}{seconds / elapsed:>8.0%}{rate:>12}")
    other = elapsed - accounted
    print(
        f"   {'other':<15}{other:>9.2f}{other / elapsed:>8.0%}"
        "   (rows, links, locks, batch record, commit)"
    )
    clusters = Cluster.objects.filter(activation=activation).count()
    multi = Cluster.objects.filter(activation=activation, size__gt=1).count()
    print(
        f"   clusters: {clusters} ({multi} with more than one post), "
        f"{ClusterBand.objects.filter(activation=activation).count()} band rows; "
        f"unclustered posts: {Post.objects.filter(activation=activation, cluster__isnull=True).count()}"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('monitoring_post')), "
            "pg_size_pretty(pg_total_relation_size('monitoring_clusterband'))"
        )
        post_size, band_size = cursor.fetchone()
    print(f"   table sizes: posts {post_size}, cluster bands {band_size}")
    rate = len(posts) / elapsed
    target = 2000
    print(f"   target >= {target:,} posts/s: {'met' if rate >= target else 'NOT met'}")
    return 0


# --- latency through a real worker -------------------------------------------------
@contextlib.contextmanager
def worker_process(
    broker_url: str, queue: str, database_url: str
) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "vost.settings_test",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "CELERY_RESULT_BACKEND": broker_url,
        "DJANGO_LOG_LEVEL": "warning",
    }
    log = open(ROOT / "var" / "bench_pipeline_worker.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "celery"),
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
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def latency(args: argparse.Namespace, activation: Any) -> int:
    from django.conf import settings
    from django.db import connection
    from pipeline_data import make_posts

    from monitoring.pipeline.serialize import post_to_json
    from monitoring.tasks import ingest_batch
    from vost.celery import app

    print(
        f"\n2. Latency: {args.rate} posts/s for {args.seconds} s into one worker process "
        "(solo pool, concurrency 1)"
    )
    redis_url = settings.REDIS_URL
    broker_url = redis_url.rsplit("/", 1)[0] + f"/{BROKER_DB}"
    queue = f"bench-pipeline-{os.getpid()}"
    db = settings.DATABASES["default"]
    database_url = (
        f"postgis://{quote(db['USER'], safe='')}:{quote(db['PASSWORD'], safe='')}"
        f"@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )
    interval = 0.1
    per_tick = max(1, round(args.rate * interval))
    total = per_tick * round(args.seconds / interval)
    posts = make_posts(total, seed=7, prefix="l")
    payloads = [post_to_json(p) for p in posts]
    receipt: dict[str, float] = {}
    visible: dict[str, float] = {}

    with (
        worker_process(broker_url, queue, database_url),
        app.connection_for_write(broker_url) as broker,
    ):
        # wait until the worker has loaded its models: a first batch lands
        warm = [post_to_json(p) for p in make_posts(50, seed=98, prefix="warm-l")]
        ingest_batch.apply_async(
            (warm, activation.pk, None, dt.datetime.now(dt.UTC).isoformat()),
            queue=queue,
            connection=broker,
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM monitoring_post WHERE external_id LIKE 'warm-l%%'"
                )
                if cursor.fetchone()[0] >= 50:
                    break
            time.sleep(0.2)
        else:
            print("   the worker did not start (see var/bench_pipeline_worker.log)")
            return 1

        stop = threading.Event()

        def poll() -> None:
            from django.db import connection as poll_connection

            last_id = 0
            while not stop.is_set():
                with poll_connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT id, external_id FROM monitoring_post "
                        "WHERE id > %s AND activation_id = %s AND cluster_id IS NOT NULL "
                        "AND external_id LIKE 'l%%' ORDER BY id",
                        [last_id, activation.pk],
                    )
                    rows = cursor.fetchall()
                now = time.time()
                for post_id, external_id in rows:
                    visible.setdefault(external_id, now)
                    last_id = max(last_id, post_id)
                time.sleep(0.02)
            poll_connection.close()

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        started = time.monotonic()
        for tick, offset in enumerate(range(0, total, per_tick)):
            target = started + tick * interval
            delay = target - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            chunk = payloads[offset : offset + per_tick]
            stamp = time.time()
            for item in chunk:
                receipt[item["external_id"]] = stamp
            ingest_batch.apply_async(
                (
                    chunk,
                    activation.pk,
                    None,
                    dt.datetime.fromtimestamp(stamp, dt.UTC).isoformat(),
                ),
                queue=queue,
                connection=broker,
            )
        produced = time.monotonic() - started
        deadline = time.monotonic() + 60
        while (
            sum(1 for k in receipt if k in visible) < total
            and time.monotonic() < deadline
        ):
            time.sleep(0.1)
        stop.set()
        poller.join()

    missing = sorted(set(receipt) - set(visible), key=lambda k: int(k[1:]))
    if missing:
        print(f"   not visible after 60 s: {len(missing)} posts, e.g. {missing[:3]}")
    delays = sorted(visible[k] - receipt[k] for k in visible if k in receipt)
    if not delays:
        print("   nothing became visible")
        return 1
    p50 = delays[len(delays) // 2]
    p95 = delays[min(len(delays) - 1, round(0.95 * (len(delays) - 1)))]
    print(
        f"   produced {total} posts in {produced:.1f} s ({total / produced:,.0f} posts/s); "
        f"visible: {len(delays)}/{total}"
    )
    print(
        f"   receipt → visible in the queue: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
        f"max {delays[-1] * 1000:.0f} ms (poll every 20 ms)"
    )
    ok = len(delays) == total and p95 <= 2.0
    print(f"   target p95 <= 2 s at {args.rate} posts/s: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
