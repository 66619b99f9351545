"""Foundation benchmark: start/stop of `make run`, and request latency under gunicorn.

    .venv/bin/python benchmarks/bench_foundation.py [--starts 3] [--requests 600]

1. Runs `make run` N times on a free port (install checks included, the
   embedded PostGIS and Redis started and stopped each time), timing until /healthz answers, then sends SIGINT and
   times the shutdown, and checks that no process of the run is left behind.
2. Serves the app with gunicorn (DEBUG off, 2 workers) plus one Celery worker
   against the embedded PostGIS and Redis, and sends a bounded number of
   requests from 8 client threads to /healthz, /readyz and the login page,
   printing p50/p95/p99 latency and throughput. Loopback only.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import devenv  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python")
# Measure the embedded default (private PostGIS + Redis), not services from the shell.
EMBEDDED_ENV = {
    k: v
    for k, v in os.environ.items()
    if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "DJANGO_DEBUG"}
}


def wait_http(url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def descendants(pid: int) -> set[int]:
    """Every process whose session id is `pid` (devenv starts children in new sessions,
    so also follow parent links)."""
    found: set[int] = set()
    children: dict[int, list[int]] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(proc.name))
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def embedded_postgres_pids() -> list[int]:
    marker = str((ROOT / "var" / "pg").resolve() / "data").encode()
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if marker in (proc / "cmdline").read_bytes():
                    pids.append(int(proc.name))
            except OSError:
                continue
    return pids


def bench_starts(count: int) -> list[dict[str, float]]:
    results = []
    for attempt in range(count):
        port = devenv.free_port()
        started = time.monotonic()
        # The whole `make run`, install checks included, in its own process group so
        # that SIGINT reaches it as Ctrl-C in a terminal would.
        proc = subprocess.Popen(
            ["make", "-s", "run", f"PORT={port}"],
            cwd=ROOT,
            env=EMBEDDED_ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        if not wait_http(f"http://127.0.0.1:{port}/healthz", 120):
            proc.kill()
            raise SystemExit("make run did not come up within 120 s")
        up = time.monotonic() - started
        time.sleep(2)
        tree = descendants(proc.pid)
        stop_started = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(60)
        stop = time.monotonic() - stop_started
        time.sleep(0.5)
        left = [pid for pid in tree if Path(f"/proc/{pid}").exists()]
        left += embedded_postgres_pids()  # started by pg_ctl, so not a descendant
        results.append(
            {
                "attempt": attempt + 1,
                "start_s": up,
                "stop_s": stop,
                "processes": len(tree),
                "left_behind": len(left),
            }
        )
        print(
            f"  start {attempt + 1}: up in {up:.1f} s, stopped in {stop:.1f} s, "
            f"{len(tree)} processes, {len(left)} left behind"
        )
    return results


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))
    return ordered[index]


def bench_http(requests: int) -> dict[str, dict[str, float]]:
    for name in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    with devenv.services() as svc:
        env = devenv.django_env(svc.env)
        env.update(
            {
                "DJANGO_DEBUG": "false",
                "DJANGO_SECURE_SSL_REDIRECT": "false",
                "DJANGO_SESSION_COOKIE_SECURE": "false",
                "DJANGO_CSRF_COOKIE_SECURE": "false",
                "VOST_STATIC_MANIFEST": "false",
                "DJANGO_LOG_LEVEL": "warning",
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            }
        )
        devenv.prepare_app(env)
        port = devenv.free_port()
        web = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "vost.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        worker = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/celery"),
                "-A",
                "vost",
                "worker",
                "-l",
                "warning",
                "--concurrency",
                "1",
                "-n",
                f"bench{port}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            if not wait_http(base + "/readyz", 60):
                raise SystemExit("gunicorn/worker did not become ready")
            results = {}
            for path in ("/healthz", "/readyz", "/accounts/login/"):
                url = base + path

                def one(_: int, url: str = url) -> float:
                    t0 = time.perf_counter()
                    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
                        response.read()
                    return (time.perf_counter() - t0) * 1000

                for i in range(20):  # warm-up
                    one(i)
                t0 = time.perf_counter()
                with ThreadPoolExecutor(8) as pool:
                    latencies = list(pool.map(one, range(requests)))
                elapsed = time.perf_counter() - t0
                results[path] = {
                    "p50_ms": statistics.median(latencies),
                    "p95_ms": percentile(latencies, 95),
                    "p99_ms": percentile(latencies, 99),
                    "rps": requests / elapsed,
                }
                r = results[path]
                print(
                    f"  {path:<18} p50 {r['p50_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms  "
                    f"p99 {r['p99_ms']:6.1f} ms  {r['rps']:7.1f} req/s"
                )
            return results
        finally:
            for proc in (web, worker):
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(30)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--requests", type=int, default=600)
    args = parser.parse_args()
    print(
        f"VOST Hub foundation benchmark — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(
        f"1. `make run` start/stop ({args.starts} runs, services and venv already installed)"
    )
    starts = bench_starts(args.starts)
    print(
        f"2. HTTP under gunicorn (2 workers), {args.requests} requests per path, 8 client threads"
    )
    bench_http(args.requests)
    warm = [s["start_s"] for s in starts[1:]] or [starts[0]["start_s"]]
    print("summary:")
    print(
        f"  second and later starts: median {statistics.median(warm):.1f} s (goal < 30 s)"
    )
    print(
        f"  stops: max {max(s['stop_s'] for s in starts):.1f} s; processes left behind: "
        f"{sum(s['left_behind'] for s in starts)}"
    )
    return 0 if all(s["left_behind"] == 0 for s in starts) else 1


if __name__ == "__main__":
    sys.exit(main())
