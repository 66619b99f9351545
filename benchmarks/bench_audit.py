"""Audit trail benchmark: the cost of one audit row, and the coordinators' page
queries over a big trail.

    .venv/bin/python benchmarks/bench_audit.py [--events 1000000] [--records 2000]

In a throw-away test database (created, migrated, then dropped): one activation
(and a second one, whose events must never be read), `--events` audit rows
bulk-inserted by generate_series in SQL (90 % of them for the measured
activation, 20 actors, the six main actions, spread over 30 days). Then:

1. `--records` calls of audit.services.record inside one transaction (the
   INSERT a triage decision pays on top of its own), then `--records` in
   autocommit (a page view: INSERT and COMMIT): p50/p95 in ms.
2. The pages' queries through audit.selectors (first page, a page deep in the
   trail by cursor, filters by actor, by action and period, by object, and
   words of the summary), 20 runs each: p50/p95 in ms, and the plan of the
   first page (EXPLAIN ANALYZE).

Targets: record() in the caller's transaction p95 <= 5 ms; every page query p95 <= 200 ms. Loopback only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import devenv  # noqa: E402

DB_NAME = "test_vost_bench_audit"
ACTIONS = [
    "personal_data_view",
    "export",
    "decision",
    "verdict",
    "report_publication",
    "permission_change",
]


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return statistics.median(ordered) * 1000, p95 * 1000


def _fill(activation: Any, other: Any, events: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO audit_auditevent (at, actor_label, action, activation_id,
                organisation_id, object_type, object_id, summary, ip_address, request_id)
            SELECT now() - (i * interval '30 days' / %(n)s),
                   'volunteer' || (i %% 20),
                   (%(actions)s::text[])[1 + (i %% 6)],
                   CASE WHEN i %% 10 = 0 THEN %(other)s ELSE %(activation)s END,
                   CASE WHEN i %% 10 = 0 THEN %(other_team)s ELSE %(team)s END,
                   'monitoring.cluster', (i %% 50000)::text,
                   'decision=' || i || ' kind=relevant category=infrastructure',
                   ('192.0.2.' || (i %% 250))::inet, md5(i::text)
            FROM generate_series(1, %(n)s) AS i
            """,
            {
                "n": events,
                "actions": ACTIONS,
                "activation": activation.pk,
                "team": activation.lead_team_id,
                "other": other.pk,
                "other_team": other.lead_team_id,
            },
        )
        cursor.execute("ANALYZE audit_auditevent")


def run(args: argparse.Namespace) -> int:
    from django.db import connection, transaction

    from audit import selectors, services
    from audit.models import AuditEvent
    from audit.selectors import AuditFilters
    from tests.factories import ActivationFactory, UserFactory

    activation = ActivationFactory()
    other = ActivationFactory()
    actor = UserFactory()
    t0 = time.perf_counter()
    _fill(activation, other, args.events)
    print(f"{args.events:,} audit rows inserted in {time.perf_counter() - t0:.0f} s")

    # 1. one row, as a decision adds it (inside the decision's transaction: the
    #    INSERT alone) and as a page view adds it (autocommit: INSERT + COMMIT)
    def one(i: int) -> None:
        services.record(
            action=services.Action.DECISION,
            actor=actor,
            activation=activation,
            object_type="monitoring.cluster",
            object_id=i,
            summary=f"decision={i} kind=not_relevant category=",
        )

    inside: list[float] = []
    with transaction.atomic():
        for i in range(args.records):
            start = time.perf_counter()
            one(i)
            inside.append(time.perf_counter() - start)
    alone: list[float] = []
    for i in range(args.records):
        start = time.perf_counter()
        one(i)
        alone.append(time.perf_counter() - start)
    p50, p95 = _ms(inside)
    ok = p95 <= 5
    print(
        f"record() in the caller's transaction: p50 {p50:.2f} ms, p95 {p95:.2f} ms "
        "(target p95 <= 5 ms)"
    )
    p50, p95 = _ms(alone)
    print(f"record() with its own COMMIT:        p50 {p50:.2f} ms, p95 {p95:.2f} ms")

    # 2. the pages' queries
    events = selectors.audit_events(activation=activation)
    deep = selectors.audit_page(events, size=200)
    for _ in range(50):  # 10,000 events down
        deep = selectors.audit_page(events, cursor=deep.next_cursor, size=200)
    now = dt.datetime.now(dt.UTC)
    cases: dict[str, tuple[AuditFilters, str]] = {
        "first page": (AuditFilters(), ""),
        "page 10,000 events down": (AuditFilters(), deep.next_cursor),
        "actor": (AuditFilters(actor="volunteer7"), ""),
        "action + last 7 days": (
            AuditFilters(action="export", since=now - dt.timedelta(days=7)),
            "",
        ),
        "object": (
            AuditFilters(object_type="monitoring.cluster", object_id="4242"),
            "",
        ),
        "words of the summary": (AuditFilters(q="decision=123456"), ""),
    }
    for name, (filters, cursor) in cases.items():
        timings = []
        rows = 0
        for _ in range(20):
            start = time.perf_counter()
            page = selectors.audit_page(
                selectors.audit_filter(events, filters=filters), cursor=cursor
            )
            rows = len(page.events)
            timings.append(time.perf_counter() - start)
        p50, p95 = _ms(timings)
        ok = ok and p95 <= 200
        print(f"{name:28s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  ({rows} rows)")
    first = selectors.audit_filter(events, filters=AuditFilters())[:51]
    sql, params = first.query.sql_with_params()
    with connection.cursor() as db:
        db.execute("EXPLAIN ANALYZE " + sql, params)
        print("plan of the first page:")
        for (line,) in db.fetchall():
            print("   ", line)
    total = AuditEvent.objects.count()
    print(f"{total:,} rows in the trail at the end")
    print(f"targets: {'MET' if ok else 'NOT MET'}")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=2000)
    args = parser.parse_args()
    with devenv.services() as svc:
        env = devenv.django_env(svc.env)
        env.update(
            {
                "DJANGO_DEBUG": "false",
                "DJANGO_SECURE_SSL_REDIRECT": "false",
                "DJANGO_LOG_LEVEL": "warning",
                "DJANGO_SETTINGS_MODULE": "vost.settings_test",
            }
        )
        os.environ.update(env)
        import django

        django.setup()
        from django.conf import settings
        from django.db import connection

        settings.DATABASES["default"]["TEST"]["NAME"] = DB_NAME
        print(
            f"VOST Hub audit benchmark - {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
            f"{platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
        )
        connection.creation.create_test_db(verbosity=0, keepdb=False, serialize=False)
        try:
            return run(args)
        finally:
            connection.close()
            connection.creation.destroy_test_db(DB_NAME, verbosity=0)
            print(f"database {DB_NAME} dropped")


if __name__ == "__main__":
    raise SystemExit(main())
