"""Helpers shared by the tests of the monitoring pages and API (not a test module)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.utils import timezone

from activations.models import Activation, LogEntry
from monitoring import services
from monitoring.models import Cluster, IngestBatch, Platform, Post, Rejection, Source
from monitoring.pipeline.types import IngestResult, RawPost, RejectedRecord

FAKE_SECRET = "sk-test-0123456789abcdefSECRETvalue"
INSIDE = (3.88, 43.61)  # (lon, lat) in tests.factories.AREA
OUTSIDE = (-1.55, 47.22)  # Nantes


def unique_text(prefix: str = "") -> str:
    """A text sharing no words with any other (so it forms its own cluster)."""
    words = " ".join(uuid.uuid4().hex[:10] for _ in range(6))
    return f"{prefix} {words}".strip()


def raw_post(n: int, **fields: Any) -> RawPost:
    """A RawPost with a language hint (no detector needed) and a unique text."""
    values: dict[str, Any] = {
        "platform": Platform.MASTODON,
        "external_id": f"post-{n}",
        "text": unique_text(),
        "posted_at": timezone.now() - dt.timedelta(minutes=n),
        "url": f"https://mastodon.example/@someone/{n}",
        "author_handle": f"@someone{n}@mastodon.example",
        "author_name": f"Someone {n}",
        "lang_hint": "fr",
    }
    values.update(fields)
    return RawPost(**values)


def ingest(
    activation: Activation,
    posts: list[RawPost],
    *,
    source: Source | None = None,
    rejected: list[RejectedRecord] | None = None,
) -> IngestResult:
    return services.posts_ingest(
        activation=activation, posts=posts, source=source, rejected=rejected or []
    )


def make_source(activation: Activation, **fields: Any) -> Source:
    values: dict[str, Any] = {
        "platform": Platform.RSS,
        "name": f"Feed {uuid.uuid4().hex[:6]}",
        "params": {"url": "https://www.example.org/feed.xml"},
    }
    values.update(fields)
    return Source.objects.create(activation=activation, **values)


def monitoring_state() -> dict[str, list[dict[str, Any]]]:
    """Every row the monitoring pages could change, to prove a refusal changed nothing."""
    state: dict[str, list[dict[str, Any]]] = {}
    for model in (Source, Post, Cluster, IngestBatch, Rejection, LogEntry):
        rows = []
        for row in model.objects.order_by("pk").values():
            rows.append({k: str(v) for k, v in row.items()})
        state[model._meta.label] = rows
    return state
