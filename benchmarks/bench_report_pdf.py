"""Situation report benchmark: compose a report over 500 verified items and render its PDF.

    .venv/bin/python benchmarks/bench_report_pdf.py [--items 500] [--runs 3]
        [--save var/bench_report.pdf] [--keep-db]

1. Creates a throw-away database (dropped at the end) holding one exercise
   activation with --items verified map items in the last 6 hours (spread over a
   dozen towns of the Hérault like benchmarks/bench_map.py, mixed categories, 3 %
   urgent), as many again in the 6 hours before (for the trends) plus unverified
   ones, 20 escalations, 10 rumours, 2 sources (one paused) and 6 shifts.
2. Times, --runs times each: the composition (``reports.services.report_compose``:
   every section's data and the SVG map) and the PDF rendering
   (``reports.rendering.report_pdf``, WeasyPrint, A4) in French.
3. Prints the times (median and worst), the PDF's pages and size.

Target (issue 7): compose + PDF of a 500-item report <= 10 s on this machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "benchmarks"))
import devenv  # noqa: E402
from bench_map import CATEGORIES, HERAULT, TOWNS  # noqa: E402

DB_NAME = "vost_bench_reports"
TARGET_S = 10.0


def make_data(items: int) -> tuple[int, int]:
    """The activation's and the team lead's ids."""
    from django.contrib.gis.geos import Point
    from django.utils import timezone

    from activations.models import ActivationMember, ShiftAssignment
    from mapping.models import MapItem
    from mapping.sync import mercator
    from monitoring.models import Cluster, Escalation, Platform, Source
    from tests.factories import (
        ActivationFactory,
        ShiftFactory,
        make_member,
        square,
    )
    from verification.models import Rumour

    rng = random.Random(7)
    now = timezone.now()
    activation = ActivationFactory(
        slug="bench-report",
        title="Crue éclair de l'Hérault (benchmark)",
        kind="exercise",
        area=square(3.4, 43.6, 0.55),
        activated_at=now - dt.timedelta(hours=6),
    )
    lead = make_member(activation, ActivationMember.Role.TEAM_LEAD).user
    liaison = make_member(activation, ActivationMember.Role.LIAISON).user
    weights = [w for *_, w in TOWNS]
    total = items * 2 + items // 2
    clusters = Cluster.objects.bulk_create(
        [
            Cluster(
                activation=activation,
                size=1,
                first_seen_at=now,
                last_seen_at=now,
                status="done",
                decision="relevant",
                priority=rng.random(),
            )
            for _ in range(total)
        ]
    )
    rows = []
    for index, cluster in enumerate(clusters):
        if rng.random() < 0.85:
            lon0, lat0, _w = rng.choices(TOWNS, weights=weights)[0]
            lon, lat = rng.gauss(lon0, 0.02), rng.gauss(lat0, 0.015)
        else:
            lon = rng.uniform(HERAULT[0], HERAULT[2])
            lat = rng.uniform(HERAULT[1], HERAULT[3])
        if index < items:  # this period, verified
            minutes, verification = rng.randint(1, 359), "verified"
        elif index < 2 * items:  # the previous period, verified
            minutes, verification = rng.randint(361, 719), "verified"
        else:
            minutes, verification = (
                rng.randint(1, 359),
                rng.choice(["unchecked", "in_progress", "false"]),
            )
        mx, my = mercator(lon, lat)
        rows.append(
            MapItem(
                activation=activation,
                cluster=cluster,
                location=Point(lon, lat, srid=4326),
                mx=mx,
                my=my,
                category=rng.choice(CATEGORIES),
                verification=verification,
                urgent=rng.random() < 0.03,
                platform="mastodon",
                observed_at=now - dt.timedelta(minutes=minutes),
                place_name="Montpellier",
                summary="Rue inondée, l'eau monte vite, voitures bloquées",
            )
        )
    MapItem.objects.bulk_create(rows, batch_size=2000)
    for i in range(20):
        esc = Escalation.objects.create(
            activation=activation,
            cluster=clusters[i],
            raised_by=lead,
            summary=f"Personnes bloquées sur un toit ({i})",
        )
        raised = now - dt.timedelta(minutes=rng.randint(10, 350))
        Escalation.objects.filter(pk=esc.pk).update(
            created_at=raised,
            status="acknowledged",
            acknowledged_at=raised + dt.timedelta(minutes=rng.randint(1, 25)),
            acknowledged_by=liaison,
        )
    for i in range(10):
        Rumour.objects.create(
            activation=activation,
            number=i + 1,
            claim=f"Le barrage de Salagou aurait cédé ({i})",
            first_seen_at=now - dt.timedelta(hours=rng.randint(1, 5)),
            status=rng.choice(["detected", "verifying", "debunked"]),
            created_by=lead,
        )
    Source.objects.create(
        activation=activation,
        platform=Platform.X,
        name="X",
        is_enabled=False,
        paused_reason="Quota",
    )
    Source.objects.create(
        activation=activation, platform=Platform.MASTODON, name="Mastodon"
    )
    for h in range(0, 6):
        shift = ShiftFactory(
            activation=activation,
            starts_at=now - dt.timedelta(hours=6 - h),
            ends_at=now - dt.timedelta(hours=5 - h),
        )
        if h != 3:
            ShiftAssignment.objects.create(
                shift=shift,
                user=lead,
                source="assigned",
                period=(shift.starts_at, shift.ends_at),
                checked_in_at=shift.starts_at,
                checked_out_at=shift.ends_at,
            )
    return activation.pk, lead.pk


def run(activation_id: int, lead_id: int, runs: int, save: str | None) -> int:
    from django.db import transaction

    from accounts.models import User
    from activations.models import Activation
    from reports import services
    from reports.rendering import report_pdf

    activation = Activation.objects.get(pk=activation_id)
    lead = User.objects.get(pk=lead_id)
    composes, pdfs, totals = [], [], []
    pdf = b""
    report = None
    for _ in range(runs):
        sid = transaction.savepoint()
        with transaction.atomic():
            t0 = time.perf_counter()
            report = services.report_compose(activation=activation, by=lead)
            t1 = time.perf_counter()
            pdf = report_pdf(report=report, language="fr")
            t2 = time.perf_counter()
        composes.append(t1 - t0)
        pdfs.append(t2 - t1)
        totals.append(t2 - t0)
        transaction.savepoint_rollback(sid)
    if report is None:
        raise SystemExit("--runs must be at least 1")
    try:  # pypdf is optional
        import io

        from pypdf import PdfReader

        pages = str(len(PdfReader(io.BytesIO(pdf)).pages))
    except ImportError:
        pages = "?"
    print(
        f"report: {report.data['counts']['total']} verified items in the period "
        f"({report.data['counts']['total_previous']} before), {report.map_svg.count('<circle')} map marks"
    )
    print(
        f"compose (data + SVG map): median {statistics.median(composes):.2f} s, worst {max(composes):.2f} s"
    )
    print(
        f"PDF (WeasyPrint, fr):      median {statistics.median(pdfs):.2f} s, worst {max(pdfs):.2f} s"
    )
    print(
        f"compose + PDF:             median {statistics.median(totals):.2f} s, worst {max(totals):.2f} s (target <= {TARGET_S:.0f} s)"
    )
    print(
        "each run (compose + PDF; the first includes loading WeasyPrint and fonts): "
        + ", ".join(f"{t:.2f} s" for t in totals)
    )
    print(f"PDF: {len(pdf) / 1024:.0f} KiB, {pages} pages")
    if save:
        Path(save).write_bytes(pdf)
        print(f"PDF saved to {save}")
    ok = max(totals) <= TARGET_S
    print("RESULT:", "OK" if ok else "OVER TARGET")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--save", help="write the last PDF there")
    parser.add_argument(
        "--keep-db", action="store_true", help=f"keep the database {DB_NAME}"
    )
    args = parser.parse_args()
    with devenv.services() as svc:
        env = devenv.django_env(svc.env)
        env.update(
            {"DJANGO_SETTINGS_MODULE": "vost.settings", "DJANGO_LOG_LEVEL": "warning"}
        )
        os.environ.update(env)
        import django

        django.setup()
        from django.conf import settings
        from django.db import connection
        from django.utils import translation

        settings.DATABASES["default"]["TEST"]["NAME"] = DB_NAME
        print(
            f"VOST Hub report benchmark - {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
            f"{platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
        )
        connection.creation.create_test_db(
            verbosity=0, keepdb=args.keep_db, serialize=False
        )
        try:
            translation.activate("en")
            t0 = time.perf_counter()
            activation_id, lead_id = make_data(args.items)
            print(
                f"data: {args.items * 2 + args.items // 2} map items made in {time.perf_counter() - t0:.1f} s"
            )
            from django.db import transaction

            with transaction.atomic():
                code = run(activation_id, lead_id, args.runs, args.save)
                transaction.set_rollback(True)
            return code
        finally:
            connection.close()
            if not args.keep_db:
                connection.creation.destroy_test_db(DB_NAME, verbosity=0)
                print(f"database {DB_NAME} dropped")


if __name__ == "__main__":
    raise SystemExit(main())
