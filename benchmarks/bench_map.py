"""Operational map benchmark: 100,000 located items, over HTTP and in Chromium.

    .venv/bin/python benchmarks/bench_map.py [--items 100000] [--requests 400]
        [--clients 4] [--workers 3] [--page-loads 10]

1. Creates a throw-away database (dropped at the end) holding one activation with
   --items map items (and their queue clusters), spread like a real flood: most
   around a dozen towns of the Hérault, the rest scattered over the department,
   mixed categories, verification statuses and platforms, 2 % urgent.
2. Serves the app with gunicorn (DEBUG off) on a free loopback port.
3. Map data endpoint (the page's only data request, per viewport): --requests
   requests from --clients concurrent clients as a volunteer, over random
   viewports from the whole department (zoom 8) down to a street (zoom 17), with
   and without filters; the same for a liaison (verified items only). Prints
   p50/p95/p99, the modes answered (clusters or items) and response sizes, raw and
   gzip-compressed.
4. Page: opens the map page --page-loads times in headless Chromium (Debian's
   chromium driven by Playwright) at 1280x800 and measures from navigation start
   until the markers of the first data answer are drawn (the page sets
   data-state="ready"), plus a pan and a zoom.

Targets (issue 6): data endpoint p95 <= 150 ms with server-side clustering per
viewport; page rendered in <= 1.5 s. Loopback only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import os
import platform
import random
import secrets
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "benchmarks"))
import devenv  # noqa: E402
from bench_triage import (  # noqa: E402
    cpu_split,
    percentile,
    stop,
    wait_http,
    with_database,
)

DB_NAME = "vost_bench_map"
TOWNS = [  # lon, lat, weight
    (3.8767, 43.6108, 30),  # Montpellier
    (3.2150, 43.3442, 10),  # Béziers
    (3.6971, 43.4035, 8),  # Sète
    (3.4357, 43.3108, 6),  # Agde
    (3.9306, 43.5680, 6),  # Lattes
    (3.9533, 43.5630, 5),  # Pérols
    (3.9200, 43.5406, 5),  # Palavas
    (3.4281, 43.6047, 4),  # Clermont-l'Hérault
    (3.3700, 43.4600, 4),  # Pézenas
    (3.8650, 43.9650, 3),  # Ganges
    (3.4200, 43.7100, 3),  # Lodève
    (4.1350, 43.6760, 4),  # Lunel
]
CATEGORIES = [
    "request",
    "injured_dead",
    "infrastructure",
    "caution",
    "displaced",
    "rumour",
    "official",
    "other_relevant",
]
VERIFICATIONS = ["verified"] * 4 + ["unchecked"] * 3 + ["in_progress", "false"]
PLATFORMS = ["x", "mastodon", "bluesky", "rss"]
HERAULT = (2.54, 43.21, 4.19, 43.97)


def make_data(items: int) -> dict[str, Any]:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.gis.geos import Point
    from django.contrib.sessions.backends.cached_db import SessionStore
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from activations.models import ActivationMember
    from mapping.models import MapItem
    from mapping.sync import mercator
    from monitoring.models import Cluster
    from tests.factories import ActivationFactory

    rng = random.Random(6)
    activation = ActivationFactory(slug="bench-map", title="Benchmark map")
    users = {}
    for role in ("volunteer", "liaison"):
        user = User.objects.create(
            username=f"bench-{role}",
            email=f"bench-{role}@example.org",
            password=make_password(None),
            language="en",
        )
        ActivationMember.objects.create(activation=activation, user=user, role=role)
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        users[role] = str(store.session_key)
    now = timezone.now()
    count = items
    weights = [w for *_, w in TOWNS]
    for start in range(0, items, 10_000):
        count = min(10_000, items - start)
        clusters = Cluster.objects.bulk_create(
            [
                Cluster(
                    activation=activation,
                    size=1,
                    first_seen_at=now,
                    last_seen_at=now,
                    status="done",
                    decision="relevant",
                )
                for _ in range(count)
            ],
            batch_size=5000,
        )
        rows = []
        for cluster in clusters:
            if rng.random() < 0.85:
                lon0, lat0, _w = rng.choices(TOWNS, weights=weights)[0]
                lon, lat = rng.gauss(lon0, 0.02), rng.gauss(lat0, 0.015)
            else:
                lon = rng.uniform(HERAULT[0], HERAULT[2])
                lat = rng.uniform(HERAULT[1], HERAULT[3])
            mx, my = mercator(lon, lat)
            rows.append(
                MapItem(
                    activation=activation,
                    cluster=cluster,
                    location=Point(lon, lat, srid=4326),
                    mx=mx,
                    my=my,
                    category=rng.choice(CATEGORIES),
                    verification=rng.choice(VERIFICATIONS),
                    urgent=rng.random() < 0.02,
                    platform=rng.choice(PLATFORMS),
                    observed_at=now - dt.timedelta(minutes=rng.randint(0, 72 * 60)),
                    summary="Rue inondée, l'eau monte vite, voitures bloquées",
                    author_handle=f"@w{cluster.pk}",
                )
            )
        MapItem.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"slug": activation.slug, "sessions": users, "count": count}


def existing_data() -> dict[str, Any] | None:
    """The data a --keep-db run left, with fresh sessions; None if there is none."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.cached_db import SessionStore

    from accounts.models import User
    from mapping.models import MapItem

    count = MapItem.objects.filter(activation__slug="bench-map").count()
    if not count:
        return None
    sessions = {}
    for role in ("volunteer", "liaison"):
        user = User.objects.get(username=f"bench-{role}")
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions[role] = str(store.session_key)
    return {"slug": "bench-map", "sessions": sessions, "count": count}


def collect_static(env: dict[str, str]) -> None:
    """The page needs Leaflet and its script: served by WhiteNoise from STATIC_ROOT."""
    subprocess.run(
        [
            str(ROOT / ".venv/bin/python"),
            "manage.py",
            "collectstatic",
            "--noinput",
            "-v0",
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )


def viewport(rng: random.Random) -> dict[str, str]:
    """A random view of 1280x700 px somewhere in the department, zoom 8 to 17."""
    zoom = rng.choice([8, 9, 10, 11, 12, 13, 14, 15, 16, 17])
    lon0, lat0, _w = rng.choice(TOWNS)
    if zoom <= 9:
        lon0, lat0 = 3.35, 43.6
    span_lon = 1280 * 360 / (256 * 2**zoom)
    span_lat = 700 * 360 / (256 * 2**zoom) * 0.72  # cos(43.6°)
    lon = lon0 + rng.uniform(-0.3, 0.3) * min(span_lon, 0.5)
    lat = lat0 + rng.uniform(-0.3, 0.3) * min(span_lat, 0.4)
    params = {
        "bbox": f"{lon - span_lon / 2:.5f},{lat - span_lat / 2:.5f},"
        f"{lon + span_lon / 2:.5f},{lat + span_lat / 2:.5f}",
        "zoom": str(zoom),
    }
    if rng.random() < 0.3:
        params["hours"] = str(rng.choice([6, 24, 48]))
    if rng.random() < 0.2:
        params["category"] = rng.choice(CATEGORIES)
    return params


def data_load(
    base: str, slug: str, session: str, requests: int, clients: int, seed: int
) -> tuple[list[float], list[int], list[int], dict[str, int]]:
    from urllib.parse import urlencode

    latencies: list[float] = []
    sizes: list[int] = []
    gzipped: list[int] = []
    modes: dict[str, int] = {}
    lock = threading.Lock()
    per_client = requests // clients

    def client(index: int) -> None:
        import json

        rng = random.Random(seed + index)
        opener = urllib.request.build_opener()
        opener.addheaders = [("Cookie", f"sessionid={session}")]
        for _ in range(per_client):
            url = f"{base}/a/{slug}/map/data/?{urlencode(viewport(rng))}"
            t0 = time.perf_counter()
            with opener.open(url, timeout=30) as response:
                body = response.read()
                status = response.status
            elapsed = (time.perf_counter() - t0) * 1000
            if status != 200:
                raise SystemExit(f"HTTP {status} for {url}")
            mode = json.loads(body)["mode"]
            with lock:
                latencies.append(elapsed)
                sizes.append(len(body))
                gzipped.append(len(gzip.compress(body, 6)))
                modes[mode] = modes.get(mode, 0) + 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, sizes, gzipped, modes


def page_loads(
    base: str, slug: str, session: str, loads: int
) -> list[dict[str, float]]:
    sys.path.insert(0, str(ROOT / "tests"))
    from playwright.sync_api import sync_playwright

    from tests.conftest import _chromium_path

    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=_chromium_path(),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
        # Tiles come from the Internet: not part of the measurement, not reachable here.
        context.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on(
            "console",
            lambda m: problems.append(m.text) if m.type == "error" else None,
        )
        page.on(
            "response",
            lambda r: (
                problems.append(f"{r.status} {r.url}") if r.status >= 400 else None
            ),
        )
        for _ in range(loads):
            t0 = time.perf_counter()
            page.goto(f"{base}/a/{slug}/map/")
            try:
                page.wait_for_selector("#opmap[data-state=ready]", timeout=30_000)
            except Exception:
                print("  the page did not draw its markers:", problems[:10])
                raise
            ready = (time.perf_counter() - t0) * 1000
            nav = page.evaluate(
                "() => { const n = performance.getEntriesByType('navigation')[0];"
                " return {dom: n.domContentLoadedEventEnd}; }"
            )
            markers = page.locator(".opmap-marker").count()
            t1 = time.perf_counter()
            page.evaluate(
                "() => { document.querySelector('#opmap').dataset.state = 'moving'; }"
            )
            page.mouse.move(700, 450)
            page.mouse.wheel(0, -400)  # zoom in
            page.wait_for_selector("#opmap[data-state=ready]", timeout=30_000)
            zoom = (time.perf_counter() - t1) * 1000
            results.append(
                {
                    "ready_ms": ready,
                    "dom_ms": nav["dom"],
                    "markers": markers,
                    "zoom_ms": zoom,
                }
            )
        browser.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--page-loads", type=int, default=10)
    parser.add_argument(
        "--keep-db",
        action="store_true",
        help=f"keep the database {DB_NAME} (and reuse it on the next run)",
    )
    args = parser.parse_args()

    with devenv.services() as svc:
        env = devenv.django_env(svc.env)
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
            }
        )
        os.environ.update(env)
        import django

        django.setup()
        from django.conf import settings
        from django.db import connection

        settings.DATABASES["default"]["TEST"]["NAME"] = DB_NAME
        print(
            f"VOST Hub map benchmark — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
            f"{platform.node()}, {os.cpu_count()} CPUs, Python "
            f"{platform.python_version()}, load average "
            f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}"
        )
        connection.creation.create_test_db(
            verbosity=0, keepdb=args.keep_db, serialize=False
        )
        try:
            t0 = time.perf_counter()
            fixture = existing_data() if args.keep_db else None
            if fixture is None:
                fixture = make_data(args.items)
                print(
                    f"data: {args.items:,} map items made in "
                    f"{time.perf_counter() - t0:.0f} s"
                )
            else:
                print(f"data: reusing {fixture['count']:,} map items")
            connection.close()
            collect_static(env)
            return run(args, env, fixture)
        finally:
            connection.close()
            if not args.keep_db:
                connection.creation.destroy_test_db(DB_NAME, verbosity=0)
                print(f"database {DB_NAME} dropped")


def run(args: argparse.Namespace, env: dict[str, str], fixture: dict[str, Any]) -> int:
    port = devenv.free_port()
    web_env = {**env, "DATABASE_URL": with_database(env["DATABASE_URL"], DB_NAME)}
    web = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "benchmarks.bench_triage:wsgi_app()",
            "--preload",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=web_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    status = 0
    try:
        base = f"http://127.0.0.1:{port}"
        if not wait_http(base + "/healthz", 300):
            raise SystemExit("gunicorn did not come up within 300 s")
        slug, sessions = fixture["slug"], fixture["sessions"]
        data_load(base, slug, sessions["volunteer"], 4 * args.workers, 1, 0)  # warm
        before = cpu_split(web.pid)
        t0 = time.perf_counter()
        print(
            f"map data endpoint: {args.requests} viewports, {args.clients} concurrent "
            f"clients, gunicorn {args.workers} sync workers"
        )
        print(
            f"  {'viewer':<10} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}  "
            f"{'size p95':>9} {'gzip p95':>9} {'gzip max':>9}  modes"
        )
        worst = 0.0
        for role in ("volunteer", "liaison"):
            lat, sizes, gz, modes = data_load(
                base, slug, sessions[role], args.requests, args.clients, 7
            )
            p95 = percentile(lat, 95)
            worst = max(worst, p95)
            print(
                f"  {role:<10} {percentile(lat, 50):7.1f}ms {p95:7.1f}ms "
                f"{percentile(lat, 99):7.1f}ms {max(lat):7.1f}ms  "
                f"{percentile(sizes, 95) / 1024:7.1f}kB {percentile(gz, 95) / 1024:7.1f}kB "
                f"{max(gz) / 1024:7.1f}kB  {modes}"
            )
        elapsed = time.perf_counter() - t0
        after = cpu_split(web.pid)
        used = {name: after[name] - before.get(name, 0.0) for name in after}
        print(
            "  CPU: "
            + ", ".join(f"{n} {s:.1f} s" for n, s in used.items())
            + f" over {elapsed:.0f} s"
        )
        print(
            f"page in headless Chromium (1280x800, {args.page_loads} loads, volunteer):"
        )
        loads = page_loads(base, slug, sessions["volunteer"], args.page_loads)
        ready = [r["ready_ms"] for r in loads]
        print(
            f"  markers drawn: p50 {percentile(ready, 50):.0f} ms, p95 "
            f"{percentile(ready, 95):.0f} ms, max {max(ready):.0f} ms "
            f"(DOMContentLoaded p50 {percentile([r['dom_ms'] for r in loads], 50):.0f} ms); "
            f"{loads[0]['markers']} markers for {args.items:,} items; zoom-in redraw p50 "
            f"{percentile([r['zoom_ms'] for r in loads], 50):.0f} ms"
        )
        page_p95 = percentile(ready, 95)
        print("summary:")
        print(
            f"  data endpoint p95 {worst:.1f} ms (target <= 150 ms: "
            f"{'met' if worst <= 150 else 'MISSED'}); page p95 {page_p95:.0f} ms "
            f"(target <= 1500 ms: {'met' if page_p95 <= 1500 else 'MISSED'})"
        )
        status = 0 if worst <= 150 and page_p95 <= 1500 else 1
    finally:
        err = stop(web).decode(errors="replace")
        if "Traceback" in err:
            print(err[-3000:])
            status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
