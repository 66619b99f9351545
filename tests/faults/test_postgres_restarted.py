"""Restart PostgreSQL while volunteers decide: committed, or a clear 503; never half.

A throwaway cluster (tests/faults/conftest.py `cluster`: initdb, PostGIS, migrate;
about 25 s, so a real restart rather than a cut proxy) serves a gunicorn process
with the real settings. Six volunteers claim and decide over HTTP; PostgreSQL is
restarted (`pg_ctl restart -m fast`: sessions cut, in-flight transactions rolled
back) in the middle. Every answer is a success or the 503 page; in the database,
every decision has its audit event and its closed item, and every closed item
its decision; the app reconnects by itself.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.faults.support import REPO, Cluster, RedisServer, free_port, wait_for_port

logger = logging.getLogger(__name__)

pytestmark = [pytest.mark.faults]

DATABASE = "vost_triage"
VOLUNTEERS = 6
ITEMS = 250
UNAVAILABLE = "The service is briefly unavailable (the database cannot be reached)."

SETUP = """
import json
from django.test import Client
from tests.factories import ActivationFactory, make_item, make_member
activation = ActivationFactory()
users = [make_member(activation, "volunteer").user for _ in range({volunteers})]
for i in range({items}):
    make_item(activation, text=f"Rue inondée numéro {{i}}, l'eau monte vite")
cookies = []
for user in users:
    client = Client()
    client.force_login(user)
    cookies.append(client.cookies["sessionid"].value)
print(json.dumps({{"slug": activation.slug, "cookies": cookies,
                  "users": [u.pk for u in users]}}))
"""


@dataclass
class Attempt:
    at: float
    cluster: int
    user: int
    status: int
    unavailable: bool


@pytest.fixture
def app(cluster: Cluster, redis_server: RedisServer, tmp_path: Path) -> Iterator[Any]:
    cluster.psql(f"DROP DATABASE IF EXISTS {DATABASE}", "postgres")
    cluster.psql(f"CREATE DATABASE {DATABASE} TEMPLATE vost", "postgres")
    env = {"REDIS_URL": redis_server.url}
    setup = json.loads(
        cluster.manage(
            "shell",
            "-c",
            SETUP.format(volunteers=VOLUNTEERS, items=ITEMS),
            database=DATABASE,
            extra=env,
        )
        .strip()
        .splitlines()[-1]
    )
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        [
            str(REPO / ".venv" / "bin" / "gunicorn"),
            "vost.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--timeout",
            "60",
        ],
        cwd=REPO,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "vost.settings_test",
            "DATABASE_URL": cluster.url(DATABASE),
            "DJANGO_DEBUG": "false",  # as in production: error pages, not tracebacks
            **env,
        },
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        assert wait_for_port(port, 60, server), (tmp_path / "gunicorn.log").read_text()
        yield {
            **setup,
            "base": f"http://127.0.0.1:{port}",
            "log": tmp_path / "gunicorn.log",
        }
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(5)


def _volunteer(
    app: dict[str, Any], index: int, stop: threading.Event, out: list[Attempt]
) -> None:
    base, slug = app["base"], app["slug"]
    session = requests.Session()
    session.headers["Accept-Language"] = "en"
    session.cookies.set("sessionid", app["cookies"][index])
    user = app["users"][index]
    while not stop.is_set():
        try:
            page = session.post(
                f"{base}/a/{slug}/triage/next/",
                headers={"X-CSRFToken": session.cookies.get("csrftoken", "")},
                timeout=20,
            )
            if page.status_code == 403 or "csrftoken" not in session.cookies:
                workspace = session.get(f"{base}/a/{slug}/triage/", timeout=20)
                if "csrftoken" not in session.cookies:
                    logger.warning(
                        "no CSRF cookie for volunteer %s: %s %s %s",
                        index,
                        workspace.status_code,
                        workspace.url,
                        re.sub(r"\s+", " ", workspace.text)[:800],
                    )
                    time.sleep(1)
                continue
            found = re.search(r"/triage/(\d+)/decide/", page.text)
            token = re.search(r'name="token" value="([^"]+)"', page.text)
            if page.status_code != 200 or not found or not token:
                if len(out) < 3:
                    logger.warning(
                        "no item for volunteer %s: %s %s %s",
                        index,
                        page.status_code,
                        page.url,
                        re.sub(r"\s+", " ", page.text)[:1500],
                    )
                out.append(
                    Attempt(
                        time.monotonic(),
                        0,
                        user,
                        page.status_code,
                        UNAVAILABLE in page.text,
                    )
                )
                time.sleep(0.2)
                continue
            cluster_id = int(found.group(1))
            answer = session.post(
                f"{base}/a/{slug}/triage/{cluster_id}/decide/",
                data={
                    "token": token.group(1),
                    "kind": "not_relevant",
                    "csrfmiddlewaretoken": session.cookies["csrftoken"],
                },
                allow_redirects=False,
                timeout=20,
            )
            out.append(
                Attempt(
                    time.monotonic(),
                    cluster_id,
                    user,
                    answer.status_code,
                    UNAVAILABLE in answer.text,
                )
            )
        except requests.RequestException as exc:
            logger.warning("volunteer %s: %s", index, exc)
            out.append(Attempt(time.monotonic(), 0, user, 0, False))
            time.sleep(0.2)


def test_each_decision_is_committed_whole_or_reported_unavailable(app, cluster):
    attempts: list[Attempt] = []
    stop = threading.Event()
    threads = [
        threading.Thread(target=_volunteer, args=(app, i, stop, attempts))
        for i in range(VOLUNTEERS)
    ]
    for thread in threads:
        thread.start()
    # given volunteers deciding for a while
    deadline = time.monotonic() + 90
    while len([a for a in attempts if a.status == 302]) < 20:
        assert time.monotonic() < deadline, "the volunteers could not decide"
        time.sleep(0.2)
    decided_before = len([a for a in attempts if a.status == 302])
    # when PostgreSQL restarts under them
    restart_started = time.monotonic()
    cluster.pg_ctl("restart", "-m", "fast")
    restarted = time.monotonic()
    time.sleep(6)
    stop.set()
    for thread in threads:
        thread.join(30)
    # then every answer was a success or the clear 503, and nothing crashed
    assert decided_before > 0, [(a.status, a.cluster) for a in attempts[:10]]
    by_status: dict[int, int] = {}
    for attempt in attempts:
        by_status[attempt.status] = by_status.get(attempt.status, 0) + 1
    logger.warning(
        "answers by status: %s; restart took %.1f s",
        by_status,
        restarted - restart_started,
    )
    assert set(by_status) <= {200, 302, 503}, by_status
    unavailable = [a for a in attempts if a.status == 503]
    assert all(a.unavailable for a in unavailable), "a 503 without the message"
    assert unavailable, "the restart must have been noticed by someone"
    # and the app reconnected: decisions succeed after the restart
    assert any(a.status == 302 and a.at > restarted for a in attempts)
    # and in the database, nothing is half-saved
    db = DATABASE
    decisions = {
        (int(c), int(u))
        for c, u in (
            line.split("|")
            for line in cluster.psql(
                "SELECT cluster_id, user_id FROM monitoring_triagedecision", db
            ).splitlines()
        )
    }
    for attempt in attempts:
        if attempt.status == 302 and attempt.cluster:
            assert (attempt.cluster, attempt.user) in decisions, attempt
    lost_or_kept = [(a.cluster, a.user) in decisions for a in unavailable if a.cluster]
    logger.warning(
        "decide requests answered 503: %s (saved anyway: %s)",
        len(lost_or_kept),
        sum(lost_or_kept),
    )
    half = cluster.psql(
        """
        SELECT
          (SELECT count(*) FROM monitoring_triagedecision d
             JOIN monitoring_cluster c ON c.id = d.cluster_id
            WHERE c.status <> 'done' OR c.decision <> d.kind
               OR c.decided_by_id <> d.user_id),
          (SELECT count(*) FROM monitoring_cluster c WHERE c.status = 'done'
              AND NOT EXISTS (SELECT 1 FROM monitoring_triagedecision d
                              WHERE d.cluster_id = c.id)),
          (SELECT count(*) FROM monitoring_triagedecision d WHERE NOT EXISTS (
              SELECT 1 FROM audit_auditevent e WHERE e.action = 'decision'
                 AND e.summary LIKE 'decision=' || d.id || ' %')),
          (SELECT count(*) FROM audit_auditevent e WHERE e.action = 'decision'
              AND NOT EXISTS (SELECT 1 FROM monitoring_triagedecision d
                 WHERE e.summary LIKE 'decision=' || d.id || ' %'))
        """,
        db,
    )
    assert half == "0|0|0|0", (
        "decisions without their item closed | closed items without a decision | "
        f"decisions without an audit event | audit events without a decision: {half}"
    )
    assert int(cluster.psql("SELECT count(*) FROM monitoring_triagedecision", db)) >= (
        len([a for a in attempts if a.status == 302])
    )


def test_the_503_is_a_fragment_for_htmx_and_a_page_otherwise(rf):
    from django.db import InterfaceError, OperationalError
    from django.utils import translation

    from vost.unavailable import DatabaseUnavailableMiddleware, server_error

    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    htmx = rf.get("/a/x/triage/counts/", HTTP_HX_REQUEST="true")
    fragment = middleware.process_exception(htmx, OperationalError("gone"))
    assert fragment.status_code == 503
    assert fragment["Retry-After"] == "5"
    assert fragment.content.decode().startswith('<p class="error-text" role="alert">')
    assert UNAVAILABLE in fragment.content.decode()
    # raised in a middleware (the session, the user): handler500 answers the same
    page = rf.get("/a/x/triage/")
    try:
        raise InterfaceError("connection already closed")
    except InterfaceError:
        with translation.override("en"):
            answer = server_error(page)
    assert answer.status_code == 503
    assert "<h1>Service briefly unavailable</h1>" in answer.content.decode()
    # anything else is still the ordinary 500, and not the middleware's business
    assert middleware.process_exception(page, ValueError("bug")) is None
    try:
        raise ValueError("bug")
    except ValueError:
        assert server_error(page).status_code == 500
