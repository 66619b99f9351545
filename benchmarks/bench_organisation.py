"""Organisation core benchmark: a busy activation, measured in-process.

    .venv/bin/python benchmarks/bench_organisation.py [--log-entries 50000] [--days 14]

Creates a throw-away test database (test_<name>) on the embedded PostGIS (or
DATABASE_URL), fills one activation with a 14-day roster of 4-hour shifts,
30 volunteers and 50,000 log entries, then measures:
- the coverage computation (72 h) and the log's first page with filters;
- the CSV export of the whole log (rows/s);
- 40 volunteers racing for 10 places on one shift (correctness and time);
- pages through Django's test client (dashboard, overview, roster, coverage,
  log, members), p50/p95 over 30 requests each, with their query counts.
The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))


def timed(fn, repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return statistics.median(samples), samples[
        min(len(samples) - 1, round(0.95 * (len(samples) - 1)))
    ]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--log-entries", type=int, default=50_000)
    parser.add_argument("--days", type=int, default=14)
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

        django.setup()
        from django.db import connection
        from django.test.utils import setup_test_environment

        setup_test_environment()
        test_db = connection.creation.create_test_db(verbosity=0, keepdb=False)
        try:
            return run(args, test_db)
        finally:
            connection.creation.destroy_test_db(test_db, verbosity=0)


def run(args: argparse.Namespace, test_db: str) -> int:
    from django.db import connection as conn
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from activations import selectors, services
    from activations.models import ActivationMember, LogEntry, Shift, ShiftAssignment
    from tests.factories import ActivationFactory, UserFactory, make_member

    print(
        f"VOST Hub organisation benchmark — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, database {test_db}"
    )

    # --- data ---------------------------------------------------------------
    t0 = time.perf_counter()
    activation = ActivationFactory(slug="bench")
    coordinator = make_member(activation, "coordinator", username="bench-coord").user
    volunteers = [
        make_member(activation, "volunteer", username=f"bench-vol{i}").user
        for i in range(30)
    ]
    start = timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(
        days=1
    )
    shifts = Shift.objects.bulk_create(
        [
            Shift(
                activation=activation,
                title="Veille",
                starts_at=start + dt.timedelta(hours=4 * i),
                ends_at=start + dt.timedelta(hours=4 * i + 4),
                headcount=3,
            )
            for i in range(args.days * 6)
        ]
    )
    assignments = []
    for index, shift in enumerate(shifts):
        for offset in range(2):
            user = volunteers[(index * 2 + offset) % len(volunteers)]
            assignments.append(
                ShiftAssignment(
                    shift=shift,
                    user=user,
                    source="signed_up",
                    period=(shift.starts_at, shift.ends_at),
                )
            )
    ShiftAssignment.objects.bulk_create(assignments)
    LogEntry.objects.bulk_create(
        (
            LogEntry(
                activation=activation,
                author=volunteers[i % 30],
                kind="note",
                at=timezone.now() - dt.timedelta(seconds=args.log_entries - i),
                text=f"Signalement {i}: route coupée à Lattes, eau sur la chaussée, secteur {i % 40}",
            )
            for i in range(args.log_entries)
        ),
        batch_size=5000,
    )
    with conn.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"data: {len(shifts)} shifts, {len(assignments)} assignments, {args.log_entries} log entries, "
        f"made in {time.perf_counter() - t0:.1f} s"
    )

    # --- selectors ---------------------------------------------------------------
    print("selectors (median / p95 over 20 runs):")
    p50, p95 = timed(lambda: selectors.coverage(activation=activation, hours=72), 20)
    print(f"  coverage 72 h             {p50:7.1f} / {p95:7.1f} ms")
    p50, p95 = timed(
        lambda: list(selectors.log_entries(activation=activation)[:50]), 20
    )
    print(f"  log first page            {p50:7.1f} / {p95:7.1f} ms")
    p50, p95 = timed(
        lambda: list(
            selectors.log_entries(activation=activation, query="secteur 17")[:50]
        ),
        20,
    )
    print(f"  log text filter           {p50:7.1f} / {p95:7.1f} ms")
    t0 = time.perf_counter()
    rows = sum(
        1
        for _ in selectors.log_csv_rows(
            activation=activation, entries=selectors.log_entries(activation=activation)
        )
    )
    elapsed = time.perf_counter() - t0
    print(
        f"  CSV export                {rows - 1} rows in {elapsed:.2f} s = {(rows - 1) / elapsed:,.0f} rows/s"
    )

    # --- a race for places ---------------------------------------------------------
    race_shift = Shift.objects.create(
        activation=activation,
        title="Course",
        headcount=10,
        starts_at=start + dt.timedelta(days=args.days + 2),
        ends_at=start + dt.timedelta(days=args.days + 2, hours=4),
    )
    racers = [UserFactory(username=f"racer{i}") for i in range(40)]
    ActivationMember.objects.bulk_create(
        [
            ActivationMember(activation=activation, user=u, role="volunteer")
            for u in racers
        ]
    )
    barrier = threading.Barrier(len(racers))
    won = []

    def race(user):
        barrier.wait()
        try:
            services.shift_assign(by=user, shift=race_shift, user=user)
            won.append(user)
        except Exception:  # noqa: S110 — refusals are the expected outcome
            pass
        finally:
            conn.close()

    t0 = time.perf_counter()
    threads = [threading.Thread(target=race, args=(u,)) for u in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - t0
    stored = ShiftAssignment.objects.filter(shift=race_shift).count()
    print(
        f"race: 40 volunteers, 10 places -> {len(won)} won, {stored} stored, in {elapsed * 1000:.0f} ms"
    )

    # --- pages -------------------------------------------------------------------
    client = Client()
    client.force_login(coordinator)
    pages = [("dashboard", reverse("home"))]
    for name, label in [
        ("activation-detail", "overview"),
        ("roster", "roster"),
        ("coverage", "coverage"),
        ("log", "log"),
        ("activation-members", "members"),
    ]:
        try:
            pages.append(
                (label, reverse(f"activations:{name}", args=[activation.slug]))
            )
        except Exception:
            print(f"  ({label}: no such page yet)")
    print("pages, as the coordinator (median / p95 over 30 requests, queries):")
    for label, url in pages:
        executed = []

        def count(execute, sql, params, many, context, executed=executed):
            executed.append(sql)
            return execute(sql, params, many, context)

        with conn.execute_wrapper(count):
            status = client.get(url).status_code
        p50, p95 = timed(lambda url=url: client.get(url), 30)
        print(
            f"  {label:<10} {status}  {p50:7.1f} / {p95:7.1f} ms  {len(executed):3d} queries"
        )
    ok = stored == 10 and len(won) == 10
    print("summary: " + ("race correct" if ok else "RACE INCORRECT"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
