"""Writes of the monitoring app: ingesting batches, clustering, polling sources.

Ingestion is idempotent and at-least-once: posts are unique per (activation,
platform, external id), a repeated batch only counts duplicates, clustering
takes unclustered rows with FOR UPDATE SKIP LOCKED, and a source's cursor moves
in the same transaction as the posts it led to. A worker killed mid-batch
therefore loses nothing (the task is redelivered) and doubles nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.gis.geos import GEOSGeometry, Point
from django.contrib.gis.geos.prepared import PreparedGeometry
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from activations.models import Activation, LogEntry
from activations.services import log as activation_log
from monitoring import neardup_store
from monitoring.models import (
    IngestBatch,
    Platform,
    Post,
    Rejection,
    Source,
)
from monitoring.pipeline import neardup
from monitoring.pipeline.classify import classify
from monitoring.pipeline.geoparse import geoparse
from monitoring.pipeline.language import detect_languages
from monitoring.pipeline.text import clean_text
from monitoring.pipeline.types import (
    MAX_RAW_BYTES,
    IngestResult,
    RawPost,
    RejectedRecord,
)
from vost.env import env_secret

logger = logging.getLogger(__name__)

CLUSTER_BATCH = 2000
EXCERPT_CHARS = 500
PAUSE_AFTER_FAILURES = 8


# --- validation ---------------------------------------------------------------
def _bounded_raw(raw: dict[str, Any]) -> dict[str, Any]:
    text = json.dumps(raw, ensure_ascii=False, default=str)
    if len(text) <= MAX_RAW_BYTES:
        return raw
    return {"truncated": True, "excerpt": text[:MAX_RAW_BYTES]}


def _validate(post: RawPost) -> str | None:
    """The reason the post cannot be used, or None (connectors fill these from untrusted data)."""
    external_id: Any = post.external_id
    posted_at: Any = post.posted_at
    if not isinstance(external_id, str) or not external_id.strip():
        return "missing id"
    if len(post.external_id) > 200:
        return "id too long"
    if post.platform not in Platform.values:
        return f"unknown platform {post.platform!r}"
    if not isinstance(posted_at, dt.datetime) or posted_at.tzinfo is None:
        return "missing or naive timestamp"
    if post.geo is not None:
        lon, lat = post.geo
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            return "coordinates out of range"
    return None


def _excerpt(post: RawPost) -> str:
    return json.dumps(post.raw or {"text": post.text}, ensure_ascii=False, default=str)[
        :EXCERPT_CHARS
    ]


# --- ingest -------------------------------------------------------------------
@dataclass
class _Prepared:
    post: RawPost
    text: str


def posts_ingest(
    *,
    activation: Activation,
    posts: Sequence[RawPost],
    source: Source | None = None,
    rejected: Iterable[RejectedRecord] = (),
    cursor: dict[str, Any] | None = None,
) -> IngestResult:
    """Normalise, deduplicate, enrich and store one batch, then cluster it.

    Bad records are rejected one by one with a reason; the rest lands. With
    `source` and `cursor`, the cursor is saved in the same transaction.
    """
    started = timezone.now()
    reasons = list(rejected)
    result = IngestResult(received=len(posts) + len(reasons))

    # 1. validate, and drop repeats inside the batch
    prepared: dict[tuple[str, str], _Prepared] = {}
    for post in posts:
        reason = _validate(post)
        if reason:
            reasons.append(RejectedRecord(reason, _excerpt(post)))
            continue
        key = (post.platform, post.external_id.strip())
        if key in prepared:
            result.duplicates += 1
            continue
        prepared[key] = _Prepared(post, clean_text(post.text))

    # 2. drop what is already stored (a replayed page, a repost seen twice)
    existing: set[tuple[str, str]] = set()
    by_platform: dict[str, list[str]] = defaultdict(list)
    for platform, external_id in prepared:
        by_platform[platform].append(external_id)
    for platform, ids in by_platform.items():
        existing.update(
            (platform, e)
            for e in Post.objects.filter(
                activation=activation, platform=platform, external_id__in=ids
            ).values_list("external_id", flat=True)
        )
    fresh = [p for key, p in prepared.items() if key not in existing]
    result.duplicates += len(prepared) - len(fresh)

    # 3. enrich: language, category and priority, place, area
    rows = _enrich(activation, fresh, source) if fresh else []

    with transaction.atomic():
        created = Post.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
        result.inserted = len(created)
        _link_reposts(activation)
        clustered = cluster_pending(activation=activation)
        if source is not None and cursor is not None:
            Source.objects.filter(pk=source.pk).update(cursor=cursor)
        result.rejected = len(reasons)
        result.reasons = reasons
        now = timezone.now()
        Rejection.objects.bulk_create(
            [
                Rejection(
                    activation=activation,
                    source=source,
                    reason=r.reason[:300],
                    excerpt=r.excerpt[:EXCERPT_CHARS],
                    created_at=now,
                    platform=source.platform if source else Platform.FILE,
                )
                for r in reasons
            ]
        )
        IngestBatch.objects.create(
            activation=activation,
            source=source,
            received=result.received,
            inserted=result.inserted,
            duplicates=result.duplicates,
            rejected=result.rejected,
            started_at=started,
            finished_at=now,
        )
    for record in reasons:
        logger.info(
            "rejected record for activation %s: %s", activation.pk, record.reason
        )
    logger.info(
        "ingested activation=%s source=%s received=%s inserted=%s duplicates=%s rejected=%s clustered=%s",
        activation.pk,
        source.pk if source else None,
        result.received,
        result.inserted,
        result.duplicates,
        result.rejected,
        clustered,
    )
    return result


def _area(activation: Activation) -> PreparedGeometry | None:
    return activation.area.prepared if activation.area else None


def _enrich(
    activation: Activation, fresh: list[_Prepared], source: Source | None
) -> list[Post]:
    texts = [p.text for p in fresh]
    langs = detect_languages(texts, [p.post.lang_hint for p in fresh])
    labels = classify(texts, langs, activation_id=activation.pk)
    need_geoparse = [
        i for i, p in enumerate(fresh) if p.post.geo is None and not p.post.area_wkt
    ]
    places = (
        geoparse([texts[i] for i in need_geoparse], area=activation.area)
        if need_geoparse
        else []
    )
    parsed = dict(zip(need_geoparse, places, strict=True))
    area = _area(activation)
    received = timezone.now()
    rows = []
    for index, item in enumerate(fresh):
        post = item.post
        category, priority = labels[index]
        location: Point | None = None
        location_source = ""
        place_name = post.place_hint[:200]
        if post.geo is not None:
            location, location_source = (
                Point(post.geo[0], post.geo[1], srid=4326),
                Post.LocationSource.PLATFORM,
            )
        elif post.area_wkt:
            try:
                location = GEOSGeometry(post.area_wkt, srid=4326).point_on_surface
                location_source = Post.LocationSource.OFFICIAL
            except (ValueError, TypeError):
                location = None
        elif index in parsed and parsed[index][0] is not None:
            location, place_name = parsed[index]
            location_source = Post.LocationSource.GEOPARSED
        if post.is_official:
            category = "official"
        sig = neardup.signature(item.text)
        rows.append(
            Post(
                activation=activation,
                source=source,
                platform=post.platform,
                external_id=post.external_id.strip(),
                url=post.url[:500],
                author_handle=post.author_handle[:200],
                author_name=post.author_name[:200],
                author_id=str(post.author_id)[:200],
                author_meta=post.author_meta,
                text=item.text,
                lang=langs[index],
                posted_at=post.posted_at,
                received_at=received,
                media=post.media[:10],
                location=location,
                location_source=location_source,
                place_name=place_name,
                in_area=(area.contains(location) if area and location else None),
                category=category,
                priority=priority,
                is_official=post.is_official,
                repost_of_external_id=post.repost_of_external_id[:200],
                minhash=neardup.to_bytes(sig) if sig is not None else None,
                raw=_bounded_raw(post.raw),
            )
        )
    return rows


def _link_reposts(activation: Activation) -> None:
    """Point reposts at their original when both are stored (whichever arrived first)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE monitoring_post AS r SET repost_of_id = o.id
            FROM monitoring_post AS o
            WHERE r.activation_id = %s AND r.repost_of_id IS NULL AND r.repost_of_external_id <> ''
              AND o.activation_id = r.activation_id AND o.platform = r.platform
              AND o.external_id = r.repost_of_external_id
            """,
            [activation.pk],
        )


# --- clustering -------------------------------------------------------------------
def cluster_pending(*, activation: Activation, limit: int = CLUSTER_BATCH) -> int:
    """Give every unclustered post of the activation a cluster; returns how many.

    Rows are taken with FOR UPDATE SKIP LOCKED, so concurrent workers share the
    work and never cluster a post twice. A repost joins its original's cluster;
    otherwise LSH bands find candidate clusters, confirmed by the estimated
    Jaccard similarity with the cluster's representative.
    """
    total = 0
    while True:
        with transaction.atomic():
            pending = list(
                Post.objects.select_for_update(skip_locked=True)
                .filter(activation=activation, cluster__isnull=True)
                .order_by("id")
                .only(
                    "id", "minhash", "posted_at", "priority", "category", "repost_of_id"
                )[:limit]
            )
            if not pending:
                return total
            neardup_store.assign(activation=activation, posts=pending)
            total += len(pending)
        if len(pending) < limit:
            return total


# --- sources ----------------------------------------------------------------------
def source_credentials(source: Source) -> str | None:
    """The secret named by the source (env var or NAME_FILE); never stored, never shown."""
    if not source.credentials_env:
        return None
    return env_secret(source.credentials_env)


def source_record_success(*, source: Source, usage: int = 0) -> None:
    now = timezone.now()
    month = now.date().replace(day=1)
    updates: dict[str, Any] = {
        "last_success_at": now,
        "consecutive_failures": 0,
        "last_error": "",
        "next_attempt_at": now + dt.timedelta(seconds=source.interval_seconds),
    }
    if usage:
        if source.usage_month != month:
            updates.update(usage_month=month, usage_count=usage)
        else:
            updates["usage_count"] = F("usage_count") + usage
    Source.objects.filter(pk=source.pk).update(**updates)


def source_record_failure(
    *,
    source: Source,
    error: str,
    retry_after: float | None = None,
    permanent: bool = False,
) -> None:
    """Count a failure; back off; pause the source (with a log entry) when it keeps failing."""
    now = timezone.now()
    failures = source.consecutive_failures + 1
    delay = (
        retry_after
        if retry_after is not None
        else min(60 * 2 ** min(failures, 6), 3600)
    )
    updates: dict[str, Any] = {
        "last_error_at": now,
        "last_error": error[:1000],
        "consecutive_failures": failures,
        "next_attempt_at": now + dt.timedelta(seconds=delay),
    }
    pause = permanent or failures >= PAUSE_AFTER_FAILURES
    if pause:
        updates.update(is_enabled=False, paused_reason=error[:300])
    Source.objects.filter(pk=source.pk).update(**updates)
    if pause:
        activation_log(
            activation=source.activation,
            kind=LogEntry.Kind.SYSTEM,
            text=_("Source “%(name)s” paused after %(n)s failures: %(error)s")
            % {"name": source.name, "n": failures, "error": error[:200]},
        )
    logger.warning("source %s failed (%s in a row): %s", source.pk, failures, error)


def sources_due(*, now: dt.datetime | None = None) -> list[int]:
    """Ids of enabled sources of open activations whose next attempt has come."""
    now = now or timezone.now()
    return list(
        Source.objects.filter(
            is_enabled=True,
            activation__status__in=[
                Activation.Status.ACTIVE,
                Activation.Status.STANDBY,
            ],
        )
        .exclude(platform__in=[Platform.FILE, Platform.REPLAY])
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .values_list("pk", flat=True)
    )


def source_poll(*, source: Source, max_pages: int = 5) -> IngestResult:
    """Fetch up to `max_pages` pages from the source's cursor and ingest each.

    Raises SourceTemporarilyUnavailable for the task to retry later; records
    configuration errors and pauses the source.
    """
    from monitoring.connectors import connector_for
    from monitoring.connectors.base import (
        SourceConfigError,
        SourceTemporarilyUnavailable,
    )

    total = IngestResult()
    if (
        source.monthly_cap
        and source.usage_month == timezone.now().date().replace(day=1)
        and source.usage_count >= source.monthly_cap
    ):
        source_record_failure(
            source=source, error=_("Monthly cap reached."), permanent=True
        )
        return total
    try:
        connector = connector_for(source=source, credentials=source_credentials(source))
        cursor = dict(source.cursor)
        for _page in range(max_pages):
            page = connector.fetch(cursor=cursor)
            total += posts_ingest(
                activation=source.activation,
                posts=page.posts,
                source=source,
                rejected=page.rejected,
                cursor=page.cursor or cursor,
            )
            source_record_success(source=source, usage=page.usage)
            cursor = page.cursor or cursor
            if not page.more:
                break
    except SourceConfigError as exc:
        source_record_failure(source=source, error=str(exc), permanent=True)
    except SourceTemporarilyUnavailable as exc:
        source_record_failure(
            source=source, error=str(exc), retry_after=exc.retry_after
        )
        raise
    return total
