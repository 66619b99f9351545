"""Cluster assignment against the LSH index kept in PostgreSQL (ClusterBand rows).

A batch costs a fixed handful of queries whatever its size: the band lookup and
the candidates' representative signatures (index probes only), the reposted
originals' clusters (unless the caller knows them), then COPY of the new
clusters and their bands and one UPDATE for the clusters that grew. The caller writes the posts' cluster ids (with the posts
themselves on ingest, by one UPDATE for leftovers) and holds the activation's
ingest lock, so two batches never grow the same cluster at once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.utils import timezone

from monitoring.models import Cluster
from monitoring.pipeline import neardup
from monitoring.post_store import allocate_ids, copy_rows, raw_cursor


@dataclass
class Item:
    """What clustering needs of one post (stored, or about to be stored with this id)."""

    post_id: int
    signature: np.ndarray  # NUM_PERM uint32; all neardup.EMPTY for a text with no words
    bands: np.ndarray  # BANDS int64
    posted_at: dt.datetime
    priority: float
    category: str
    repost_of_id: int | None = None
    lang: str = ""


def assign(
    *,
    activation_id: int,
    items: Sequence[Item],
    known_clusters: dict[int, int] | None = None,
) -> dict[int, int]:
    """Give each item a cluster, stored or new; returns post id → cluster id.

    Decisions are neardup.assign_batch's: a repost joins its original's cluster,
    else the best candidate sharing an LSH band if similar enough, else a new
    cluster (whose bands are indexed). New clusters and band rows are written,
    grown clusters updated. `known_clusters` (original post id → cluster id)
    spares the originals' lookup when the caller has it.
    """
    if not items:
        return {}
    sigs = np.stack([item.signature for item in items])
    keys = np.stack([item.bands for item in items])
    stored_by_band, stored_sigs = _candidates(activation_id, keys, sigs)
    originals = (
        known_clusters if known_clusters is not None else _original_clusters(items)
    )
    row_of = {item.post_id: index for index, item in enumerate(items)}
    join_row = [
        row_of.get(item.repost_of_id) if item.repost_of_id is not None else None
        for item in items
    ]
    join_stored = [
        originals.get(item.repost_of_id) if item.repost_of_id is not None else None
        for item in items
    ]
    targets, representatives = neardup.assign_batch(
        sigs,
        keys,
        stored_by_band=stored_by_band,
        stored_sigs=stored_sigs,
        join_stored=join_stored,
        join_row=join_row,
    )
    new_ids = _save_new(activation_id, items, keys, targets, representatives)
    result: dict[int, int] = {}
    grown: dict[int, list[Item]] = defaultdict(list)
    for item, target in zip(items, targets, strict=True):
        if target >= 0:
            result[item.post_id] = target
            grown[target].append(item)
        else:
            result[item.post_id] = new_ids[~target]
    _grow_stored(grown)
    return result


def _candidates(
    activation_id: int, keys: np.ndarray, sigs: np.ndarray
) -> tuple[dict[int, list[int]], dict[int, np.ndarray]]:
    """Stored clusters sharing a band with the batch (the most recent
    CANDIDATES_PER_BAND per band, listed oldest first), and their representatives'
    signatures: two queries.

    Both are written so that PostgreSQL can only probe indexes: joined in one
    query, the planner estimates thousands of candidates and hashes the whole
    post table instead, a cost that grows with the activation.
    """
    wanted = np.unique(keys[~np.all(sigs == neardup.EMPTY, axis=1)]).tolist()
    by_band: dict[int, list[int]] = defaultdict(list)
    stored_sigs: dict[int, np.ndarray] = {}
    if not wanted:
        return by_band, stored_sigs
    with raw_cursor() as cursor:
        cursor.execute(
            """
            SELECT k.band, b.cluster_id
            FROM unnest(%b::bigint[]) AS k(band)
            CROSS JOIN LATERAL (
                SELECT cluster_id FROM monitoring_clusterband
                WHERE activation_id = %s AND band = k.band
                ORDER BY cluster_id DESC LIMIT %s
            ) AS b
            ORDER BY b.cluster_id
            """,
            [wanted, activation_id, neardup.CANDIDATES_PER_BAND],
        )
        for band, cluster_id in cursor.fetchall():
            by_band[band].append(cluster_id)
        clusters = sorted({c for ids in by_band.values() for c in ids})
        if not clusters:
            return by_band, stored_sigs
        cursor.execute(
            """
            SELECT c.id, (
                SELECT p.minhash FROM monitoring_post AS p WHERE p.id = c.representative_id
            )
            FROM unnest(%b::bigint[]) AS k(id)
            CROSS JOIN LATERAL (
                SELECT id, representative_id FROM monitoring_cluster WHERE id = k.id LIMIT 1
            ) AS c
            """,
            [clusters],
        )
        for cluster_id, minhash in cursor.fetchall():
            if minhash is not None:
                stored_sigs[cluster_id] = neardup.from_bytes(minhash)
    return by_band, stored_sigs


def _original_clusters(items: Sequence[Item]) -> dict[int, int]:
    """Stored originals of the batch's reposts → their cluster."""
    ids = sorted({i.repost_of_id for i in items if i.repost_of_id is not None})
    if not ids:
        return {}
    with raw_cursor() as cursor:
        cursor.execute(
            "SELECT id, cluster_id FROM monitoring_post "
            "WHERE id = ANY(%b::bigint[]) AND cluster_id IS NOT NULL",
            [ids],
        )
        return dict(cursor.fetchall())


def _save_new(
    activation_id: int,
    items: Sequence[Item],
    keys: np.ndarray,
    targets: list[int],
    representatives: list[int],
) -> list[int]:
    """Store the batch's new clusters and their representatives' bands (COPY);
    returns their ids, in order."""
    if not representatives:
        return []
    members: list[list[Item]] = [[] for _ in representatives]
    for item, target in zip(items, targets, strict=True):
        if target < 0:
            members[~target].append(item)
    ids = allocate_ids("monitoring_cluster", len(representatives))
    now = timezone.now()
    rows = []
    bands: list[tuple[int, int, int]] = []
    for cluster_id, row, group in zip(ids, representatives, members, strict=True):
        top = max(group, key=lambda m: m.priority)
        rows.append(
            (
                cluster_id,
                activation_id,
                items[row].post_id,
                len(group),
                min(m.posted_at for m in group),
                max(m.posted_at for m in group),
                top.category,
                top.priority,
                Cluster.Status.NEW.value,
                items[row].lang,
                now,
                now,
            )
        )
        if not neardup.is_empty(items[row].signature):
            bands.extend((activation_id, cluster_id, key) for key in keys[row].tolist())
    copy_rows(
        "monitoring_cluster",
        (
            "id",
            "activation_id",
            "representative_id",
            "size",
            "first_seen_at",
            "last_seen_at",
            "category",
            "priority",
            "status",
            "lang",
            "created_at",
            "updated_at",
        ),
        rows,
        binary_types=(
            "int8",
            "int8",
            "int8",
            "int4",
            "timestamptz",
            "timestamptz",
            "varchar",
            "float8",
            "varchar",
            "varchar",
            "timestamptz",
            "timestamptz",
        ),
    )
    copy_rows(
        "monitoring_clusterband",
        ("activation_id", "cluster_id", "band"),
        bands,
        binary_types=("int8", "int8", "int8"),
    )
    return ids


def _grow_stored(grown: dict[int, list[Item]]) -> None:
    """Add the new members to stored clusters: size, last seen, and priority (with the
    category of the most urgent member while nobody has started triaging it)."""
    if not grown:
        return
    ids = sorted(grown)  # a fixed order: concurrent updates cannot deadlock
    sizes, last_seen, priorities, categories = [], [], [], []
    for cluster_id in ids:
        members = grown[cluster_id]
        top = max(members, key=lambda m: m.priority)
        sizes.append(len(members))
        last_seen.append(max(m.posted_at for m in members))
        priorities.append(top.priority)
        categories.append(top.category)
    with raw_cursor() as cursor:
        cursor.execute(
            """
            UPDATE monitoring_cluster AS c SET
              size = c.size + g.n,
              last_seen_at = GREATEST(c.last_seen_at, g.last_seen),
              category = CASE WHEN g.priority > c.priority AND c.status = 'new'
                              THEN g.category ELSE c.category END,
              priority = GREATEST(c.priority, g.priority),
              updated_at = now()
            FROM unnest(%s::bigint[], %s::int[], %s::timestamptz[], %s::float8[], %s::text[])
              AS g(id, n, last_seen, priority, category)
            WHERE c.id = g.id
            """,
            [ids, sizes, last_seen, priorities, categories],
        )
