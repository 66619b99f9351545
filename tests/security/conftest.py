"""The security tests' world: built once for the package, each test rolled back.

Thousands of requests run against one world (tests/security/world.py) created
inside a transaction that is rolled back when the package is done; every test runs
in a savepoint rolled back after it, so an allowed POST changes nothing the next
test sees. The cache is a local one, emptied per test, so that rate limits
counted over thousands of requests do not turn answers into 429s.
"""

from __future__ import annotations

from collections.abc import Iterator
from http.cookies import SimpleCookie
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client, override_settings

from tests.security.world import ANONYMOUS, PRINCIPALS, World, build_world

EXTRA = ("coordinator_of_a", "coordinator_of_both")

LOCAL_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "security-tests",
    }
}
# Tables written on any request whatever the answer (sessions, the audit trail of
# views, login throttling): left out of the "nothing changed" fingerprint.
VOLATILE_TABLES = ("django_session", "audit_", "axes_", "accounts_loginattempt")


@pytest.fixture(scope="package")
def world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: Any
) -> Iterator[World]:
    files = tmp_path_factory.mktemp("security-files")
    with (
        django_db_blocker.unblock(),
        override_settings(
            CACHES=LOCAL_CACHE,
            MEDIA_ROOT=str(files / "media"),
            PRIVATE_ROOT=str(files / "private"),
        ),
    ):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture(scope="package")
def sessions(world: World, django_db_blocker: Any) -> dict[str, SimpleCookie]:
    """One signed-in session per principal (past two-factor authentication: the
    matrix is about what a fully signed-in person may do), as its cookies."""
    from accounts import twofactor

    made: dict[str, SimpleCookie] = {ANONYMOUS: SimpleCookie()}
    with django_db_blocker.unblock():
        for name in (*PRINCIPALS[1:], *EXTRA):
            user = (
                world.users[name]
                if name in world.users
                else getattr(world, name)  # coordinator_of_a, coordinator_of_both
            )
            client = Client()
            client.force_login(user, backend=MODEL_BACKEND)
            session = client.session
            twofactor.mark_verified(session=session)
            session.save()
            made[name] = SimpleCookie(client.cookies)
    return made


@pytest.fixture
def client_for(sessions: dict[str, SimpleCookie]) -> Any:
    """client_for(principal, csrf=False) -> a fresh Client on that principal's session
    (fresh: a logout or a new CSRF cookie in one test does not leak into the next)."""

    def make(principal: str, *, csrf: bool = False) -> Client:
        client = Client(enforce_csrf_checks=csrf, HTTP_ACCEPT_LANGUAGE="en")
        client.cookies = SimpleCookie(sessions[principal])
        return client

    return make


@pytest.fixture
def rollback(world: World) -> None:
    """Each test runs in pytest-django's transaction (a savepoint inside the world's),
    undone after it; the local cache starts empty."""
    cache.clear()


WRITES_SQL = """
    SELECT relname, n_tup_ins + n_tup_upd + n_tup_del
    FROM pg_stat_xact_user_tables
    WHERE n_tup_ins + n_tup_upd + n_tup_del > 0
"""


@pytest.fixture(scope="package")
def fingerprint(world: World) -> Any:
    """fingerprint() -> {table: rows written so far in this transaction}, from
    PostgreSQL's own per-transaction counters (pg_stat_xact_user_tables): equal
    before and after a request means the request wrote no row at all (one cheap
    query, where hashing every table would cost thousands)."""

    def take() -> dict[str, int]:
        with connection.cursor() as cursor:
            cursor.execute(WRITES_SQL)
            return {
                table: count
                for table, count in cursor.fetchall()
                if not table.startswith(VOLATILE_TABLES)
            }

    return take


def changed(before: dict[str, int], after: dict[str, int]) -> list[str]:
    return sorted(
        t for t in before.keys() | after.keys() if before.get(t) != after.get(t)
    )
