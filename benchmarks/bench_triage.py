"""Triage benchmark: 100 volunteers claiming and deciding at once, over HTTP.

    .venv/bin/python benchmarks/bench_triage.py [--items 5000] [--volunteers 100]
        [--duration 90] [--ramp 30] [--think 20] [--poll 4] [--workers 5] [--threads 1] [--jit-off]

1. Creates a throw-away database (dropped at the end) holding one activation with
   ~5,000 open queue items (bulk insert: clusters and their posts, mixed
   languages, priorities and categories, half of them located), 100 volunteers
   (API tokens and browser sessions; languages fr+en, en only or none; a few with
   the verification skill), a team lead and an idle volunteer for the pages.
2. Prints the plan of the "Next" query (EXPLAIN ANALYZE) on the full queue.
3. Serves the app with gunicorn (DEBUG off; 5 sync workers by default: they used
   less CPU per request here than 4 x 4 gthread) on a free loopback port.
4. 100 client threads loop for --duration seconds (or until the queue is empty):
   POST api triage next -> GET the item's detail (copies, related items) -> read
   (uniform 0.5x..1.5x --think, 20 s by default; volunteers join over --ramp s) -> POST decide (60 % not
   relevant, 35 % relevant with a category, 5 % skip); each "browser" also polls
   the workspace counters (htmx) every --poll seconds. Under the same load, three
   samplers load the workspace page as the team lead (queue table) and as a
   volunteer, and the API queue list, every --sample-every s (2 by default).
5. Checks that no item was ever held by two volunteers at once (from the
   clients' own records: interval between the claim's answer and the decide
   request), that no item has two non-skip decisions, and that every decision
   was made by the volunteer the item was given to.

Prints p50/p95/p99 latencies and throughput; exits 1 on a double assignment or a
server error. Targets: claim p95 <= 100 ms, queue page p95 <= 200 ms. Loopback only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
import devenv  # noqa: E402

DB_NAME = "vost_bench_triage"
BROKER_URL = ""  # set in main(): a Redis database of the benchmark's own
CATEGORIES = [
    "request",
    "injured_dead",
    "infrastructure",
    "caution",
    "displaced",
    "rumour",
    "official",
    "other_relevant",
    "sympathy",
]
TEXTS = [
    "Rue de la République inondée, l'eau monte vite, voitures bloquées",
    "Flooded street near the station, cars stuck, people on roofs",
    "Coupure de courant quartier Antigone depuis 20 minutes",
    "Le pont de Lattes serait fermé, quelqu'un confirme ?",
    "Evacuation en cours à Pérols, gymnase ouvert pour l'accueil",
    "Pensées pour les sinistrés, courage à tous",
    "Road to the airport closed by police, use the A709",
    "Arbre tombé sur la route, attention en descendant vers Palavas",
]


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def wait_http(url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def gunicorn_command(args: argparse.Namespace, port: int) -> list[str]:
    """The benchmarks' gunicorn (also used by bench_soak): ``args.workers`` processes
    of ``args.threads`` threads serving wsgi_app() on the loopback ``port``."""
    return [
        str(ROOT / ".venv/bin/gunicorn"),
        "benchmarks.bench_triage:wsgi_app()",
        "--preload",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--worker-class",
        "gthread" if args.threads > 1 else "sync",
        "--backlog",
        "2048",
        "--keep-alive",
        "75",  # longer than a volunteer's pause: no reset of an idle connection
        "--log-level",
        "warning",
    ]


def wsgi_app() -> Any:
    """gunicorn's entry point (with --preload): vost.wsgi's application with the URL
    map (and scikit-learn, which the monitoring services import) loaded once in the
    master, so that no worker spends seconds importing on its first request."""
    from django.core.wsgi import get_wsgi_application
    from django.db import connections
    from django.urls import get_resolver

    application = get_wsgi_application()
    get_resolver().url_patterns  # noqa: B018  (imports every view)
    connections.close_all()  # none may be shared with the forked workers
    return application


def redis_client(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


# --- data --------------------------------------------------------------------------
@dataclass
class Fixture:
    slug: str
    volunteers: list[tuple[int, str, str]]  # user id, API token, session key
    lead: tuple[int, str, str]
    idle: tuple[int, str, str]  # a volunteer who only looks at the page


def make_data(args: argparse.Namespace) -> Fixture:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.gis.geos import Point
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from activations.models import ActivationMember, VolunteerLanguage, VolunteerProfile
    from monitoring.models import Cluster, Platform, Post, Source
    from tests.factories import ActivationFactory

    rng = random.Random(42)
    activation = ActivationFactory(slug="bench-triage", title="Benchmark triage")
    source = Source.objects.create(
        activation=activation, platform=Platform.MASTODON, name="Bench"
    )
    people = User.objects.bulk_create(
        [
            User(
                username=f"bench-vol{i}",
                email=f"bench-vol{i}@example.org",
                password=make_password(None),  # unusable: sessions are made below
                language="en",
                timezone="Europe/Paris",
            )
            for i in range(args.volunteers + 2)
        ]
    )
    lead, idle, *volunteers = people
    ActivationMember.objects.bulk_create(
        [
            ActivationMember(
                activation=activation,
                user=user,
                role="team_lead" if user is lead else "volunteer",
            )
            for user in people
        ]
    )
    profiles = VolunteerProfile.objects.bulk_create(
        [
            VolunteerProfile(
                user=user,
                skills=["monitoring", "verification"]
                if i % 10 == 0
                else ["monitoring"],
                training_level="confirmed",
            )
            for i, user in enumerate(people)
        ]
    )
    languages = []
    for i, profile in enumerate(profiles):
        # a third read fr+en, a third English only, a third have no languages set
        codes = [("fr", "en"), ("en",), ()][i % 3]
        languages += [
            VolunteerLanguage(profile=profile, language=c, level="fluent")
            for c in codes
        ]
    VolunteerLanguage.objects.bulk_create(languages)
    from accounts.services import api_token_create

    keys = {
        user.pk: api_token_create(
            user=user, name="triage benchmark", scopes=["read", "write"]
        ).key
        for user in people
    }

    def session_for(user: Any) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return str(store.session_key)

    who = {u.pk: (u.pk, keys[u.pk], session_for(u)) for u in people}

    now = timezone.now()
    clusters = Cluster.objects.bulk_create(
        [
            Cluster(
                activation=activation,
                size=1 + (i % 4 == 0) * rng.randint(1, 5),
                first_seen_at=now - dt.timedelta(seconds=rng.randint(0, 3 * 3600)),
                last_seen_at=now,
                category=rng.choice(CATEGORIES),
                priority=round(rng.random(), 3),
                lang=rng.choices(["fr", "en", ""], weights=[70, 25, 5])[0],
            )
            for i in range(args.items)
        ],
        batch_size=2000,
    )
    posts = []
    for i, cluster in enumerate(clusters):
        located = i % 2 == 0
        posts.append(
            Post(
                activation=activation,
                source=source,
                platform=Platform.MASTODON,
                external_id=f"bench-{i}",
                url=f"https://mastodon.example/@w{i}/{i}",
                author_handle=f"@w{i}@mastodon.example",
                author_name=f"Witness {i}",
                author_meta={"followers_count": rng.randint(0, 5000)},
                text=f"{rng.choice(TEXTS)} (#{i})",
                lang=cluster.lang,
                posted_at=cluster.first_seen_at,
                received_at=cluster.first_seen_at,
                location=Point(
                    3.88 + rng.uniform(-0.05, 0.05),
                    43.61 + rng.uniform(-0.05, 0.05),
                    srid=4326,
                )
                if located
                else None,
                location_source="geoparsed" if located else "",
                place_name="Montpellier" if located else "",
                in_area=True if located else None,
                category=cluster.category,
                priority=cluster.priority,
                cluster=cluster,
            )
        )
    Post.objects.bulk_create(posts, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE monitoring_cluster c SET representative_id = p.id "
            "FROM monitoring_post p WHERE p.cluster_id = c.id AND c.activation_id = %s",
            [activation.pk],
        )
        cursor.execute("ANALYZE")
    return Fixture(
        slug=activation.slug,
        volunteers=[who[u.pk] for u in volunteers],
        lead=who[lead.pk],
        idle=who[idle.pk],
    )


def explain_next(slug: str, user_id: int) -> str:
    """EXPLAIN ANALYZE of the query item_claim_next runs (rolled back)."""
    from django.db import connection, transaction
    from django.db.models import Exists
    from django.utils import timezone

    from accounts.models import User
    from activations.models import Activation
    from monitoring import triage

    activation = Activation.objects.get(slug=slug)
    user = User.objects.get(pk=user_id)
    reader = triage.reader_for(activation=activation, user=user)
    now = timezone.now()
    queryset = (
        triage._for_reader(triage._available(activation, now), reader)
        .filter(~Exists(triage._recent_skips(user, now)))
        .order_by("-priority", "first_seen_at", "pk")
        .select_for_update(skip_locked=True, of=("self",))[:1]
    )
    with transaction.atomic():
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    return plan


# --- load ------------------------------------------------------------------------
@dataclass
class Records:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[int, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    # (cluster id, user id, held from, held until) on the client's clock
    holds: list[tuple[int, int, float, float]] = field(default_factory=list)
    decided: dict[int, int] = field(default_factory=dict)  # cluster -> user
    errors: list[str] = field(default_factory=list)
    empty: int = 0

    def add(self, name: str, ms: float, status: int) -> None:
        with self.lock:
            self.latencies[name].append(ms)
            self.statuses[name][status] += 1


def timed(records: Records, name: str, call: Any) -> Any:
    t0 = time.perf_counter()
    try:
        response = call()
    except Exception as exc:  # connection refused/reset: a failure to report
        with records.lock:
            records.errors.append(f"{name}: {exc!r}")
            records.statuses[name][0] += 1
        return None
    records.add(name, (time.perf_counter() - t0) * 1000, response.status_code)
    if response.status_code >= 500:
        with records.lock:
            records.errors.append(f"{name}: HTTP {response.status_code}")
    return response


def run_load(
    args: argparse.Namespace, base: str, fixture: Fixture
) -> tuple[Records, float, float]:
    """The volunteers and the page samplers, released together by a barrier."""
    import requests
    from django.urls import reverse

    slug = fixture.slug
    next_url = base + reverse("api-triage-next", args=[slug])
    list_url = base + reverse("api-triage-item-list", args=[slug])
    page_url = base + reverse("monitoring:triage", args=[slug])
    counts_url = base + reverse("monitoring:triage-counts", args=[slug])
    records = Records()
    start_barrier = threading.Barrier(len(fixture.volunteers) + 3 + 1)
    stop = threading.Event()

    def browser(session_key: str) -> requests.Session:
        session = requests.Session()
        session.cookies.set("sessionid", session_key, domain="127.0.0.1")
        session.headers["Accept-Language"] = "en"
        return session

    def api(token: str) -> requests.Session:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {token}"
        session.headers["Accept-Language"] = "en"
        return session

    def volunteer(index: int, user_id: int, token: str, session_key: str) -> None:
        rng = random.Random(index)
        client, page = api(token), browser(session_key)
        next_poll = time.perf_counter() + rng.uniform(0, args.poll or 1)

        def pause(seconds: float) -> None:
            nonlocal next_poll
            until = time.perf_counter() + seconds
            while not stop.is_set() and (now := time.perf_counter()) < until:
                if args.poll and now >= next_poll:
                    next_poll = now + args.poll
                    timed(
                        records,
                        "counts poll (htmx)",
                        lambda: page.get(
                            counts_url, headers={"HX-Request": "true"}, timeout=30
                        ),
                    )
                else:
                    time.sleep(min(until, next_poll if args.poll else until) - now)

        start_barrier.wait()
        # volunteers join over --ramp seconds, as a shift starts (a load test's
        # spawn rate): 100 people do not press "Next" in the same millisecond
        pause(args.ramp * index / max(1, len(fixture.volunteers)))
        while not stop.is_set():
            response = timed(
                records,
                "claim (API next)",
                lambda: client.post(next_url, json={}, timeout=30),
            )
            if response is None or response.status_code != 200:
                pause(1)
                continue
            got = time.perf_counter()
            item = response.json()["item"]
            if item is None:
                with records.lock:
                    records.empty += 1
                pause(2)
                continue
            # what the volunteer reads: the post, its copies, related items
            detail_url = base + reverse(
                "api-triage-item-detail", args=[slug, item["id"]]
            )
            timed(
                records,
                "item detail (API)",
                lambda url=detail_url: client.get(url, timeout=30),
            )
            pause(rng.uniform(0.5, 1.5) * args.think)
            roll = rng.random()
            if roll < 0.05:
                body = {"kind": "skip"}
            elif roll < 0.40:
                body = {"kind": "relevant", "category": rng.choice(CATEGORIES)}
            else:
                body = {"kind": "not_relevant"}
            body["token"] = item["token"]
            decide_url = base + reverse("api-triage-decide", args=[slug, item["id"]])
            sent = time.perf_counter()
            decided = timed(
                records,
                "decide (API)",
                lambda url=decide_url, body=body: client.post(
                    url, json=body, timeout=30
                ),
            )
            with records.lock:
                records.holds.append((item["id"], user_id, got, sent))
                closed = decided is not None and decided.status_code == 201
                if closed and body["kind"] != "skip":
                    records.decided[item["id"]] = user_id

    def sampler(name: str, session: requests.Session, url: str) -> None:
        start_barrier.wait()
        while not stop.is_set():
            timed(records, name, lambda: session.get(url, timeout=30))
            stop.wait(args.sample_every)

    threads = [
        threading.Thread(target=volunteer, args=(i, *who), daemon=True)
        for i, who in enumerate(fixture.volunteers)
    ]
    threads += [
        threading.Thread(
            target=sampler,
            args=("queue page, team lead (HTML)", browser(fixture.lead[2]), page_url),
            daemon=True,
        ),
        threading.Thread(
            target=sampler,
            args=("queue page, volunteer (HTML)", browser(fixture.idle[2]), page_url),
            daemon=True,
        ),
        threading.Thread(
            target=sampler,
            args=("queue list (API, team lead)", api(fixture.lead[1]), list_url),
            daemon=True,
        ),
    ]
    for thread in threads:
        thread.start()
    start_barrier.wait()
    started = time.perf_counter()
    deadline = started + args.duration
    while time.perf_counter() < deadline:
        time.sleep(0.5)
        with records.lock:
            if records.empty >= len(fixture.volunteers):
                break  # everybody found the queue empty
    stop.set()
    for thread in threads:
        thread.join(60)
    return records, started, time.perf_counter()


def check(records: Records, slug: str) -> list[str]:
    """Every way an item could have been given to two people."""
    from django.db.models import Count

    from monitoring.models import Cluster, TriageDecision

    problems = []
    by_item: dict[int, list[tuple[int, float, float]]] = defaultdict(list)
    for cluster_id, user_id, start, end in records.holds:
        by_item[cluster_id].append((user_id, start, end))
    for cluster_id, holds in by_item.items():
        holds.sort(key=lambda h: h[1])
        for index, (user_id, start, _end) in enumerate(holds):
            for other_id, _start, other_end in holds[:index]:
                if other_id != user_id and start < other_end:
                    problems.append(
                        f"item {cluster_id} held by users {other_id} and {user_id} "
                        "at the same time"
                    )
    twice = (
        TriageDecision.objects.filter(activation__slug=slug, undone_at__isnull=True)
        .exclude(kind="skip")
        .values("cluster_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    problems += [f"item {row['cluster_id']} decided {row['n']} times" for row in twice]
    stored = dict(
        Cluster.objects.filter(activation__slug=slug, status="done").values_list(
            "pk", "decided_by_id"
        )
    )
    for cluster_id, user_id in records.decided.items():
        if stored.get(cluster_id) != user_id:
            problems.append(
                f"item {cluster_id}: decided by {user_id} (answer 201) but stored "
                f"as {stored.get(cluster_id)}"
            )
    if len(stored) != len(records.decided):
        problems.append(
            f"{len(stored)} items decided in the database, {len(records.decided)} "
            "decisions answered 201"
        )
    return problems


def single_client(fixture: Fixture, *, jit_off: bool, repeat: int = 20) -> None:
    """Server time of each request without load (in-process test client), with its
    query count: what the latencies under load are made of."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    slug = fixture.slug
    host = {"HTTP_HOST": "127.0.0.1", "HTTP_ACCEPT_LANGUAGE": "en"}
    volunteer = Client(**host, HTTP_AUTHORIZATION=f"Token {fixture.volunteers[-1][1]}")
    lead_api = Client(**host, HTTP_AUTHORIZATION=f"Token {fixture.lead[1]}")
    lead_page, idle_page = Client(**host), Client(**host)
    lead_page.cookies["sessionid"] = fixture.lead[2]
    idle_page.cookies["sessionid"] = fixture.idle[2]
    samples: dict[str, list[float]] = defaultdict(list)
    queries: dict[str, int] = {}
    if jit_off:
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")

    def measure(name: str, call: Any) -> Any:
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            response = call()
            samples[name].append((time.perf_counter() - t0) * 1000)
        queries[name] = len(captured.captured_queries)
        if response.status_code >= 300:
            raise SystemExit(f"{name}: HTTP {response.status_code}")
        return response

    def json_post(client: Client, url: str, body: dict[str, Any]) -> Any:
        return client.post(url, body, content_type="application/json")

    for _ in range(repeat):
        item = measure(
            "claim (API next)",
            lambda: json_post(volunteer, reverse("api-triage-next", args=[slug]), {}),
        ).json()["item"]
        measure(
            "item detail (API)",
            lambda item=item: volunteer.get(
                reverse("api-triage-item-detail", args=[slug, item["id"]])
            ),
        )
        measure(
            "decide (API)",
            lambda item=item: json_post(
                volunteer,
                reverse("api-triage-decide", args=[slug, item["id"]]),
                {"token": item["token"], "kind": "not_relevant"},
            ),
        )
        measure(
            "counts (API)",
            lambda: volunteer.get(reverse("api-triage-counts", args=[slug])),
        )
        measure(
            "counts poll (htmx)",
            lambda: idle_page.get(
                reverse("monitoring:triage-counts", args=[slug]),
                HTTP_HX_REQUEST="true",
            ),
        )
        measure(
            "queue page, team lead (HTML)",
            lambda: lead_page.get(reverse("monitoring:triage", args=[slug])),
        )
        measure(
            "queue page, volunteer (HTML)",
            lambda: idle_page.get(reverse("monitoring:triage", args=[slug])),
        )
        measure(
            "queue list (API, team lead)",
            lambda: lead_api.get(reverse("api-triage-item-list", args=[slug])),
        )
    print(f"one client, no load (in-process, {repeat} requests each):")
    print(f"  {'request':<32} {'p50':>8} {'p95':>8}  queries")
    for name, values in samples.items():
        print(
            f"  {name:<32} {statistics.median(values):6.1f}ms "
            f"{percentile(values, 95):6.1f}ms  {queries[name]:>4}"
        )


# --- main ------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--volunteers", type=int, default=100)
    parser.add_argument("--duration", type=float, default=90.0, help="seconds")
    parser.add_argument(
        "--sample-every",
        type=float,
        default=2.0,
        help="seconds between two loads of each sampled page (a team lead "
        "refreshing the queue table)",
    )
    parser.add_argument(
        "--ramp",
        type=float,
        default=30.0,
        help="seconds over which the volunteers start (0: all at once)",
    )
    parser.add_argument(
        "--think",
        type=float,
        default=20.0,
        help="mean seconds between claim and decide",
    )
    parser.add_argument(
        "--jit-off",
        action="store_true",
        help="serve with PostgreSQL's JIT compiler off (options=-c jit=off)",
    )
    parser.add_argument(
        "--poll", type=float, default=4.0, help="counters poll period (0: none)"
    )
    parser.add_argument("--workers", type=int, default=5, help="gunicorn workers")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="gunicorn threads per worker (1: sync workers, else gthread)",
    )
    args = parser.parse_args()

    global BROKER_URL
    with devenv.services() as svc:
        env = devenv.django_env(svc.env)
        BROKER_URL = env["REDIS_URL"].rsplit("/", 1)[0] + "/15"
        broker = redis_client(BROKER_URL)
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
                # decisions enqueue the classifier task after commit, as in
                # production: on a Redis database of the benchmark's own, so that
                # no running worker takes it (its keys are removed at the end)
                "CELERY_BROKER_URL": BROKER_URL,
            }
        )
        os.environ.update(env)
        import django

        django.setup()
        from django.conf import settings
        from django.db import connection

        settings.DATABASES["default"]["TEST"]["NAME"] = DB_NAME
        print(
            f"VOST Hub triage benchmark — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
            f"{platform.node()}, {os.cpu_count()} CPUs, Python "
            f"{platform.python_version()}, load average "
            f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}"
        )
        t0 = time.perf_counter()
        connection.creation.create_test_db(verbosity=0, keepdb=False, serialize=False)
        try:
            print(
                f"database {DB_NAME} created and migrated in {time.perf_counter() - t0:.0f} s"
            )
            return run(args, env, svc)
        finally:
            connection.close()
            connection.creation.destroy_test_db(DB_NAME, verbosity=0)
            created = set(broker.keys("*")) - keys_before
            if created:
                broker.delete(*created)
            print(f"database {DB_NAME} dropped, {len(created)} broker keys removed")


def run(args: argparse.Namespace, env: dict[str, str], svc: Any) -> int:
    t0 = time.perf_counter()
    fixture = make_data(args)
    print(
        f"data: {args.items} queue items, {args.volunteers} volunteers + a team lead "
        f"and an idle volunteer, made in {time.perf_counter() - t0:.1f} s"
    )
    plan = explain_next(fixture.slug, fixture.volunteers[0][0])
    print("plan of the Next query (EXPLAIN ANALYZE, full queue):")
    print("\n".join(f"    {line}" for line in plan.splitlines()))

    port = devenv.free_port()
    web_env = {
        **env,
        "DATABASE_URL": with_database(env["DATABASE_URL"], DB_NAME)
        + ("?options=-c%20jit%3Doff" if args.jit_off else ""),
    }
    web = subprocess.Popen(
        gunicorn_command(args, port),
        cwd=ROOT,
        env=web_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        # a worker loads the URL map (and scikit-learn with it) on its first request
        if not wait_http(base + "/healthz", 300):
            raise SystemExit("gunicorn did not come up within 300 s")
        warm_up(base, fixture, args.workers * args.threads)
        print(
            f"load: gunicorn {args.workers} workers x {args.threads} threads; "
            f"{args.volunteers} volunteers (API token + browser session), think "
            f"{args.think:.1f} s mean, starting over {args.ramp:.0f} s, counters polled "
            f"every {args.poll:.0f} s; "
            f"at most {args.duration:.0f} s; PostgreSQL JIT "
            f"{'off' if args.jit_off else 'as configured'}"
        )
        before = cpu_split(web.pid)
        records, started, ended = run_load(args, base, fixture)
        after = cpu_split(web.pid)
    except BaseException:
        sys.stderr.write(stop(web).decode(errors="replace")[-3000:])
        raise
    stderr = stop(web)
    status = report(
        args, records, started, ended, fixture, stderr.decode(errors="replace")
    )
    total = sum(len(v) for v in records.latencies.values())
    used = {name: after[name] - before.get(name, 0.0) for name in after}
    print(
        "  CPU used during the run: "
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in used.items())
        + f" = {sum(used.values()) / (ended - started):.2f} of {os.cpu_count()} "
        f"cores; per request: gunicorn {used['gunicorn'] / total * 1000:.1f} ms, "
        f"PostgreSQL {used['PostgreSQL'] / total * 1000:.1f} ms"
    )
    plan = explain_next(fixture.slug, fixture.volunteers[1][0])
    print("plan of the Next query after the run (decisions and skips stored):")
    print("\n".join(f"    {line}" for line in plan.splitlines()))
    single_client(fixture, jit_off=args.jit_off)
    return status


def _proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a process (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_split(web_pid: int) -> dict[str, float]:
    """CPU seconds so far of gunicorn (master and workers), of the PostgreSQL
    backends serving the benchmark's database, and of this process (the clients)."""
    from django.db import connection

    workers = [web_pid]
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                stat = (proc / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == web_pid:
                workers.append(int(proc.name))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s "
            "AND pid <> pg_backend_pid()",
            [connection.settings_dict["NAME"]],
        )
        backends = [row[0] for row in cursor.fetchall()]
    times = os.times()
    return {
        "gunicorn": sum(_proc_cpu(pid) for pid in workers),
        "PostgreSQL": sum(_proc_cpu(pid) for pid in backends),
        "clients": times.user + times.system,
    }


def stop(web: subprocess.Popen[bytes]) -> bytes:
    """Stop gunicorn (its own process group) and return what it wrote on stderr."""
    os.killpg(web.pid, signal.SIGTERM)
    try:
        return web.communicate(timeout=40)[1]
    except subprocess.TimeoutExpired:
        os.killpg(web.pid, signal.SIGKILL)
        return web.communicate()[1]


def warm_up(base: str, fixture: Fixture, count: int) -> None:
    """Send every kind of request `count` times from as many threads, so that each
    gunicorn worker has loaded its code paths, templates and database connections.
    The idle volunteer claims and skips (a skip closes nothing: the checks ignore it)."""
    from concurrent.futures import ThreadPoolExecutor

    import requests
    from django.urls import reverse

    slug = fixture.slug
    lead_token = {"Authorization": f"Token {fixture.lead[1]}"}
    idle_token = {"Authorization": f"Token {fixture.idle[1]}"}

    def page(session_key: str, name: str, **headers: str) -> None:
        requests.get(
            base + reverse(name, args=[slug]),
            cookies={"sessionid": session_key},
            headers=headers,
            timeout=60,
        )

    def cycle() -> None:
        item = requests.post(
            base + reverse("api-triage-next", args=[slug]),
            json={},
            headers=idle_token,
            timeout=60,
        ).json()["item"]
        if item is not None:
            requests.post(
                base + reverse("api-triage-decide", args=[slug, item["id"]]),
                json={"token": item["token"], "kind": "skip"},
                headers=idle_token,
                timeout=60,
            )

    tasks = [
        lambda: page(fixture.lead[2], "monitoring:triage"),
        lambda: page(fixture.idle[2], "monitoring:triage"),
        lambda: page(
            fixture.idle[2], "monitoring:triage-counts", **{"HX-Request": "true"}
        ),
        lambda: requests.get(
            base + reverse("api-triage-item-list", args=[slug]),
            headers=lead_token,
            timeout=60,
        ),
        cycle,
    ]
    with ThreadPoolExecutor(count) as pool:
        for future in [pool.submit(task) for _ in range(count) for task in tasks]:
            future.result()


def report(
    args: argparse.Namespace,
    records: Records,
    started: float,
    ended: float,
    fixture: Fixture,
    server_log: str,
) -> int:
    from monitoring.models import Cluster, TriageDecision

    elapsed = ended - started
    decisions = TriageDecision.objects.filter(activation__slug=fixture.slug)
    done = Cluster.objects.filter(activation__slug=fixture.slug, status="done").count()
    print(f"results over {elapsed:.1f} s:")
    print(f"  {'request':<32} {'count':>6} {'p50':>8} {'p95':>8} {'p99':>8}  statuses")
    for name in sorted(records.latencies):
        values = records.latencies[name]
        statuses = ", ".join(
            f"{code}: {n}" for code, n in sorted(records.statuses[name].items())
        )
        print(
            f"  {name:<32} {len(values):>6} {statistics.median(values):6.1f}ms "
            f"{percentile(values, 95):6.1f}ms {percentile(values, 99):6.1f}ms  {statuses}"
        )
    total = sum(len(v) for v in records.latencies.values())
    print(
        f"  {total} requests ({total / elapsed:.0f} req/s); {decisions.count()} "
        f"decisions ({decisions.exclude(kind='skip').count()} closing an item), "
        f"{done / elapsed:.1f} items decided per second; {done} of {args.items} done"
    )
    problems = check(records, fixture.slug)
    claim_p95 = percentile(records.latencies["claim (API next)"], 95)
    page_p95 = max(
        percentile(records.latencies[name], 95)
        for name in records.latencies
        if "queue page" in name or "queue list" in name
    )
    print("summary:")
    print(
        f"  claim p95 {claim_p95:.1f} ms (target <= 100 ms: "
        f"{'met' if claim_p95 <= 100 else 'MISSED'}); slowest queue page p95 "
        f"{page_p95:.1f} ms (target <= 200 ms: {'met' if page_p95 <= 200 else 'MISSED'})"
    )
    print(
        f"  double assignments: {len(problems)}; holds checked: {len(records.holds)}; "
        f"server errors / failed requests: {len(records.errors)}"
    )
    for problem in (problems + records.errors)[:20]:
        print(f"  !! {problem}")
    if records.errors and server_log.strip():
        print("  gunicorn stderr (last lines):")
        for line in server_log.strip().splitlines()[-10:]:
            print(f"    {line}")
    return 1 if problems or records.errors else 0


if __name__ == "__main__":
    sys.exit(main())
