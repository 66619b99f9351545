"""Cluster assignment against the LSH index kept in PostgreSQL (ClusterBand rows)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Case, F, Value, When
from django.db.models.functions import Greatest

from activations.models import Activation
from monitoring.models import Cluster, ClusterBand, Post
from monitoring.pipeline import neardup


@dataclass
class _NewCluster:
    representative: Post
    signature: np.ndarray | None
    members: list[Post] = field(default_factory=list)
    bands: list[int] = field(default_factory=list)


def assign(*, activation: Activation, posts: list[Post]) -> None:
    """Give each post (locked by the caller, unclustered) a cluster, old or new."""
    signatures = {
        p.pk: neardup.from_bytes(p.minhash) if p.minhash else None for p in posts
    }
    post_bands = {
        pk: neardup.bands(sig) for pk, sig in signatures.items() if sig is not None
    }

    # reposts follow their original when it is already clustered
    originals = dict(
        Post.objects.filter(
            pk__in=[p.repost_of_id for p in posts if p.repost_of_id],
            cluster__isnull=False,
        ).values_list("pk", "cluster_id")
    )

    # candidate clusters already stored, through the bands they share with this batch
    all_bands = {b for keys in post_bands.values() for b in keys}
    band_clusters: dict[int, set[int]] = defaultdict(set)
    for band, cluster_id in ClusterBand.objects.filter(
        activation=activation, band__in=all_bands
    ).values_list("band", "cluster_id"):
        band_clusters[band].add(cluster_id)
    candidate_ids = {c for ids in band_clusters.values() for c in ids}
    stored_signatures = {
        pk: neardup.from_bytes(sig)
        for pk, sig in Cluster.objects.filter(
            pk__in=candidate_ids, representative__minhash__isnull=False
        ).values_list("pk", "representative__minhash")
        if sig is not None
    }

    joined: dict[int, list[Post]] = defaultdict(list)  # existing cluster id -> posts
    new_clusters: list[_NewCluster] = []
    local_bands: dict[int, list[_NewCluster]] = defaultdict(list)
    for post in posts:
        if post.repost_of_id and post.repost_of_id in originals:
            joined[originals[post.repost_of_id]].append(post)
            continue
        sig = signatures[post.pk]
        if sig is None:
            new_clusters.append(_NewCluster(post, None, [post]))
            continue
        keys = post_bands[post.pk]
        best_score, best_stored, best_new = 0.0, None, None
        for cluster_id in {c for k in keys for c in band_clusters.get(k, ())}:
            other = stored_signatures.get(cluster_id)
            score = neardup.similarity(sig, other) if other is not None else 0.0
            if score > best_score:
                best_score, best_stored, best_new = score, cluster_id, None
        for candidate in {
            id(c): c for k in keys for c in local_bands.get(k, ())
        }.values():
            score = (
                neardup.similarity(sig, candidate.signature)
                if candidate.signature is not None
                else 0.0
            )
            if score > best_score:
                best_score, best_stored, best_new = score, None, candidate
        if best_score >= neardup.THRESHOLD and best_stored is not None:
            joined[best_stored].append(post)
        elif best_score >= neardup.THRESHOLD and best_new is not None:
            best_new.members.append(post)
        else:
            cluster = _NewCluster(post, sig, [post], keys)
            new_clusters.append(cluster)
            for key in keys:
                local_bands[key].append(cluster)

    _save_new(activation, new_clusters)
    _grow_existing(joined)


def _save_new(activation: Activation, clusters: list[_NewCluster]) -> None:
    if not clusters:
        return
    rows = Cluster.objects.bulk_create(
        [
            Cluster(
                activation=activation,
                representative_id=c.representative.pk,
                size=len(c.members),
                first_seen_at=min(m.posted_at for m in c.members),
                last_seen_at=max(m.posted_at for m in c.members),
                category=max(c.members, key=lambda m: m.priority).category,
                priority=max(m.priority for m in c.members),
            )
            for c in clusters
        ],
        batch_size=1000,
    )
    ClusterBand.objects.bulk_create(
        [
            ClusterBand(activation=activation, cluster_id=row.pk, band=band)
            for row, c in zip(rows, clusters, strict=True)
            for band in c.bands
        ],
        batch_size=5000,
        ignore_conflicts=True,
    )
    updates = []
    for row, c in zip(rows, clusters, strict=True):
        for member in c.members:
            member.cluster_id = row.pk
            updates.append(member)
    Post.objects.bulk_update(updates, ["cluster"], batch_size=2000)


def _grow_existing(joined: dict[int, list[Post]]) -> None:
    if not joined:
        return
    updates = []
    for cluster_id, members in joined.items():
        for member in members:
            member.cluster_id = cluster_id
            updates.append(member)
    Post.objects.bulk_update(updates, ["cluster"], batch_size=2000)
    ids = list(joined)
    Cluster.objects.filter(pk__in=ids).update(
        size=F("size")
        + Case(*[When(pk=k, then=Value(len(v))) for k, v in joined.items()]),
        last_seen_at=Greatest(
            F("last_seen_at"),
            Case(
                *[
                    When(pk=k, then=Value(max(m.posted_at for m in v)))
                    for k, v in joined.items()
                ]
            ),
        ),
        priority=Greatest(
            F("priority"),
            Case(
                *[
                    When(pk=k, then=Value(max(m.priority for m in v)))
                    for k, v in joined.items()
                ]
            ),
        ),
    )
