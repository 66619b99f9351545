"""Bulk SQL for the ingest pipeline: key lookups, id allocation and COPY of posts.

The ORM costs about a millisecond per post here (model instances, one huge
INSERT with tens of thousands of placeholders, then an UPDATE per post to set
its cluster); COPY of ready-made rows, with ids and clusters allocated
beforehand, keeps the whole write of a 1,000-post batch to a few queries.
Callers hold the activation's ingest lock (see `lock_activation`), so the keys
checked here cannot be taken by another writer before the COPY.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from django.db import connection

# pg_advisory_xact_lock(namespace, activation id); the namespace is "VOST" in ASCII.
_LOCK_NAMESPACE = 0x564F5354

POST_COLUMNS = (
    "id",
    "activation_id",
    "source_id",
    "platform",
    "external_id",
    "url",
    "author_handle",
    "author_name",
    "author_id",
    "author_meta",
    "text",
    "lang",
    "posted_at",
    "received_at",
    "media",
    "location",
    "location_source",
    "place_name",
    "in_area",
    "category",
    "priority",
    "is_official",
    "repost_of_external_id",
    "repost_of_id",
    "cluster_id",
    "minhash",
    "raw",
)


@contextmanager
def raw_cursor() -> Iterator[psycopg.Cursor[Any]]:
    """A psycopg cursor on Django's connection (so inside its current transaction)
    that binds parameters server-side: big arrays travel as arrays (binary with %b),
    not as SQL literals of hundreds of kilobytes to build and parse."""
    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None  # noqa: S101 (ensure_connection made it)
    with psycopg.Cursor(raw) as cursor:
        yield cursor


def lock_activation(activation_id: int) -> None:
    """Serialise the writes of one activation's batches until the transaction ends.

    Taken before anything is written, so two workers ingesting overlapping
    batches never wait on each other's rows in a different order (no deadlock),
    and the second one sees the first one's posts and clusters: near-copies
    arriving in concurrent batches still join one cluster.
    """
    with raw_cursor() as cursor:
        # JIT compilation costs tens of milliseconds and pays off only on analytic
        # queries: off for the rest of this transaction (is_local=true).
        cursor.execute(
            "SELECT set_config('jit', 'off', true), pg_advisory_xact_lock(%s::int, %s::int)",
            [_LOCK_NAMESPACE, activation_id],
        )


def lock_key(activation_id: int) -> tuple[int, int]:
    """(classid, objid) of the lock as pg_locks shows it (for tests and monitoring)."""
    return _LOCK_NAMESPACE, activation_id


def existing_keys(
    activation_id: int, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], tuple[int, int | None]]:
    """(platform, external id) → (post id, cluster id) for the keys already stored."""
    platforms, external_ids = _split(keys)
    if not platforms:
        return {}
    with raw_cursor() as cursor:
        cursor.execute(
            """
            SELECT k.platform, k.external_id, p.id, p.cluster_id
            FROM unnest(%s::text[], %s::text[]) AS k(platform, external_id)
            CROSS JOIN LATERAL (
                -- LIMIT 1 keeps this a probe of the unique index per key; as a plain
                -- join the planner may hash the activation's whole post table
                SELECT id, cluster_id FROM monitoring_post
                WHERE activation_id = %s AND platform = k.platform
                  AND external_id = k.external_id
                LIMIT 1
            ) AS p
            """,
            [platforms, external_ids, activation_id],
        )
        return {(row[0], row[1]): (row[2], row[3]) for row in cursor.fetchall()}


def allocate_ids(table: str, count: int) -> list[int]:
    """`count` fresh primary keys from the table's identity sequence, in order."""
    if count == 0:
        return []
    with raw_cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_rows(
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    binary_types: Sequence[str] | None = None,
) -> None:
    """COPY the rows (Python values, adapted by psycopg) into `table`; in the binary
    format when the columns' types are given (less to format and to parse)."""
    options = " (FORMAT BINARY)" if binary_types else ""
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN{options}"
    with raw_cursor() as cursor, cursor.copy(sql) as copy:
        if binary_types:
            copy.set_types(list(binary_types))
        for row in rows:
            copy.write_row(row)


def link_waiting_reposts(
    activation_id: int, originals: dict[tuple[str, str], int]
) -> int:
    """Point stored reposts that were waiting for one of these originals at it."""
    platforms, external_ids = _split(originals)
    if not platforms:
        return 0
    with raw_cursor() as cursor:
        cursor.execute(
            """
            UPDATE monitoring_post AS r SET repost_of_id = o.id
            FROM unnest(%s::text[], %s::text[], %s::bigint[]) AS o(platform, external_id, id)
            WHERE r.activation_id = %s AND r.repost_of_id IS NULL
              AND r.repost_of_external_id <> ''
              AND r.platform = o.platform AND r.repost_of_external_id = o.external_id
            """,
            [platforms, external_ids, list(originals.values()), activation_id],
        )
        return cursor.rowcount


def batch_already_recorded(
    *,
    activation_id: int,
    source_id: int | None,
    received_at: dt.datetime,
    received: int,
) -> bool:
    """Whether a batch received at this exact time, with this size, has landed already
    (a task redelivered after its commit): it must not be counted twice."""
    with raw_cursor() as cursor:
        cursor.execute(
            """
            SELECT 1 FROM monitoring_ingestbatch
            WHERE activation_id = %s AND source_id IS NOT DISTINCT FROM %s
              AND finished_at >= %s AND started_at = %s AND received = %s
            LIMIT 1
            """,
            [activation_id, source_id, received_at, received_at, received],
        )
        return cursor.fetchone() is not None


def _split(keys: Iterable[tuple[str, str]]) -> tuple[list[str], list[str]]:
    platforms: list[str] = []
    external_ids: list[str] = []
    for platform, external_id in keys:
        platforms.append(platform)
        external_ids.append(external_id)
    return platforms, external_ids


def set_clusters(clusters: dict[int, int]) -> None:
    """Write post id → cluster id for posts already stored (one UPDATE)."""
    if not clusters:
        return
    ids = sorted(clusters)
    with raw_cursor() as cursor:
        cursor.execute(
            """
            UPDATE monitoring_post AS p SET cluster_id = v.cluster_id
            FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, cluster_id)
            WHERE p.id = v.id
            """,
            [ids, [clusters[i] for i in ids]],
        )
