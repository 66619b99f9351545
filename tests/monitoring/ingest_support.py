"""Helpers for the ingest pipeline tests: posts to feed it, and the invariants to check."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection

from monitoring.models import Cluster, ClusterBand, Post
from monitoring.pipeline.types import RawPost

T0 = dt.datetime(2026, 10, 14, 16, 0, tzinfo=dt.UTC)
INSIDE = (3.88, 43.61)  # in tests.factories.AREA
OUTSIDE = (-1.55, 47.22)  # Nantes

LONG_REPORT = (
    "Inondation avenue de la Mer à Lattes, l'eau monte très vite, au moins 50 cm "
    "dans les maisons, les pompiers évacuent le quartier du Lez"
)


def raw_post(external_id: str, text: str = LONG_REPORT, **fields: Any) -> RawPost:
    values: dict[str, Any] = {
        "platform": "x",
        "external_id": external_id,
        "text": text,
        "posted_at": T0 + dt.timedelta(seconds=len(external_id)),
        "author_handle": f"user_{external_id}",
        "raw": {"id": external_id, "text": text},
        "lang_hint": "fr",
    }
    values.update(fields)
    return RawPost(**values)


def batch(prefix: str, count: int, **fields: Any) -> list[RawPost]:
    """`count` distinct posts (unrelated texts), ids <prefix>0…"""
    return [
        raw_post(
            f"{prefix}{i}",
            text=f"Message numéro {i} {prefix} : "
            + " ".join(f"mot{(i * 7 + k) % 997}x{i}" for k in range(12)),
            **fields,
        )
        for i in range(count)
    ]


def assert_consistent(activation_id: int) -> None:
    """Every post stored once and clustered; sizes match members; no band twice."""
    posts = Post.objects.filter(activation_id=activation_id)
    assert not posts.filter(cluster__isnull=True).exists()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.id, c.size, count(p.id) FROM monitoring_cluster c
            LEFT JOIN monitoring_post p ON p.cluster_id = c.id
            WHERE c.activation_id = %s GROUP BY c.id, c.size
            HAVING c.size <> count(p.id)
            """,
            [activation_id],
        )
        assert cursor.fetchall() == []
        cursor.execute(
            """
            SELECT platform, external_id FROM monitoring_post WHERE activation_id = %s
            GROUP BY platform, external_id HAVING count(*) > 1
            """,
            [activation_id],
        )
        assert cursor.fetchall() == []
        cursor.execute(
            """
            SELECT cluster_id, band FROM monitoring_clusterband WHERE activation_id = %s
            GROUP BY cluster_id, band HAVING count(*) > 1
            """,
            [activation_id],
        )
        assert cursor.fetchall() == []
    assert not Cluster.objects.filter(
        activation_id=activation_id, representative__isnull=True
    ).exists()
    assert (
        ClusterBand.objects.filter(activation_id=activation_id)
        .exclude(cluster__activation_id=activation_id)
        .count()
        == 0
    )
