"""Writes of the monitoring app: ingesting batches, clustering, polling sources.

Ingestion is idempotent and at-least-once: posts are unique per (activation,
platform, external id), a repeated batch only counts duplicates, and a batch's
posts, their clusters, the source's cursor and the batch record land in one
transaction taken under the activation's ingest lock. A worker killed
mid-batch therefore loses nothing (the task is redelivered) and doubles nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.contrib.gis.geos import GEOSException, GEOSGeometry, Point
from django.contrib.gis.geos.prepared import PreparedGeometry
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from activations.models import Activation, LogEntry
from activations.services import log as activation_log
from monitoring import neardup_store, post_store
from monitoring.models import (
    Category,
    IngestBatch,
    Platform,
    Post,
    Rejection,
    Source,
)
from monitoring.pipeline import neardup
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
MAX_MEDIA = 10

_Key = tuple[str, str]  # (platform, external id)
_PLATFORMS = frozenset(Platform.values)
_COLUMN = {name: index for index, name in enumerate(post_store.POST_COLUMNS)}


# --- validation ---------------------------------------------------------------
def _plain(value: str) -> str:
    """A string PostgreSQL stores: no NUL, no lone surrogate (JSON escapes make both)."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    try:
        value.encode()
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode()
    return value


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_without_nul(str(k)): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_without_nul(v) for v in value]
    return value


def _json(value: Any) -> str:
    """JSON text that jsonb accepts (it refuses \\u0000 and lone surrogates)."""
    if not value:
        return "[]" if isinstance(value, list) else "{}"
    text = json.dumps(value, ensure_ascii=False, default=str)
    if "\\u0000" in text:
        text = json.dumps(_without_nul(value), ensure_ascii=False, default=str)
    return _plain(text)


def _bounded_raw(raw: Any) -> str:
    """The raw payload as JSON text, at most MAX_RAW_BYTES of UTF-8 (else an excerpt)."""
    text = _json(raw if isinstance(raw, dict) else {"value": raw})
    if len(text) <= MAX_RAW_BYTES // 4 or len(text.encode()) <= MAX_RAW_BYTES:
        return text
    excerpt = text.encode()[: MAX_RAW_BYTES - 200].decode("utf-8", "ignore")
    return json.dumps({"truncated": True, "excerpt": excerpt}, ensure_ascii=False)


def _validate(post: RawPost) -> str | None:
    """The reason the post cannot be used, or None (connectors fill these from untrusted data)."""
    external_id: Any = post.external_id
    posted_at: Any = post.posted_at
    text: Any = post.text
    if not isinstance(external_id, str) or not external_id.strip():
        return "missing id"
    if len(external_id.strip()) > 200:
        return "id too long"
    if _plain(external_id) != external_id:
        return "invalid characters in id"
    if post.platform not in _PLATFORMS:
        return f"unknown platform {post.platform!r}"
    if not isinstance(posted_at, dt.datetime) or posted_at.tzinfo is None:
        return "missing or naive timestamp"
    if not isinstance(text, str):
        return "text is not a string"
    if post.geo is not None:
        try:
            lon, lat = float(post.geo[0]), float(post.geo[1])
        except (TypeError, ValueError, IndexError):
            return "invalid coordinates"
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            return "coordinates out of range"
    return None


def _excerpt(post: RawPost) -> str:
    try:
        return json.dumps(
            post.raw or {"text": post.text}, ensure_ascii=False, default=str
        )[:EXCERPT_CHARS]
    except (TypeError, ValueError):
        return repr(post)[:EXCERPT_CHARS]


@dataclass(slots=True)
class _Prepared:
    post: RawPost
    key: _Key
    text: str


def _validate_batch(
    posts: Iterable[RawPost], reasons: list[RejectedRecord]
) -> tuple[dict[_Key, _Prepared], int]:
    """Usable posts by key, with clean text; appends a reason per refused post.
    Returns them and the number of repeats inside the batch."""
    prepared: dict[_Key, _Prepared] = {}
    repeats = 0
    for post in posts:
        reason = _validate(post)
        if reason:
            reasons.append(RejectedRecord(reason, _excerpt(post)))
            continue
        key = (post.platform, post.external_id.strip())
        if key in prepared:
            repeats += 1
            continue
        prepared[key] = _Prepared(post, key, _plain(clean_text(post.text)))
    return prepared, repeats


def _existing_keys(
    activation_id: int, keys: Iterable[_Key]
) -> dict[_Key, tuple[int, int | None]]:
    """Stored posts among these keys: (post id, cluster id). One query."""
    return post_store.existing_keys(activation_id, keys)


# --- ingest -------------------------------------------------------------------
@dataclass(slots=True)
class _Row:
    """A post ready for COPY: values in post_store.POST_COLUMNS order."""

    key: _Key
    values: list[Any]
    repost_key: _Key | None
    signature: np.ndarray
    bands: np.ndarray


def posts_ingest(
    *,
    activation: Activation,
    posts: Sequence[RawPost],
    source: Source | None = None,
    rejected: Iterable[RejectedRecord] = (),
    cursor: dict[str, Any] | None = None,
    received_at: dt.datetime | None = None,
) -> IngestResult:
    """Validate, deduplicate, enrich, store and cluster one batch, in one transaction.

    Bad records are rejected one by one with a reason; the rest lands. With
    `source` and `cursor`, the cursor is saved in the same transaction.
    `received_at` (when the batch reached us; the task passes the producer's
    time) also identifies the batch: a redelivered batch that already landed is
    not recorded twice. Safe to repeat and to run concurrently.
    """
    started = received_at or timezone.now()
    reasons = list(rejected)
    result = IngestResult(received=len(posts) + len(reasons))

    # 1. validate, and drop repeats inside the batch
    prepared, result.duplicates = _validate_batch(posts, reasons)
    # 2. drop what is already stored (a replayed page) before paying for enrichment
    stored = _existing_keys(activation.pk, prepared)
    fresh = [p for key, p in prepared.items() if key not in stored]
    result.duplicates += len(prepared) - len(fresh)
    # 3. enrich: language, category and priority, place, area, signature
    rows = _enrich(activation, fresh, source, received_at=started) if fresh else []

    with transaction.atomic():
        post_store.lock_activation(activation.pk)
        if received_at is not None and post_store.batch_already_recorded(
            activation_id=activation.pk,
            source_id=source.pk if source else None,
            received_at=received_at,
            received=result.received,
        ):
            logger.info(
                "batch received at %s for activation %s already landed",
                received_at.isoformat(),
                activation.pk,
            )
            result.duplicates += len(rows)
            return result
        rows = _store(activation.pk, rows)
        result.inserted = len(rows)
        result.duplicates += len(fresh) - len(rows)
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
                    reason=_plain(r.reason)[:300],
                    excerpt=_plain(r.excerpt)[:EXCERPT_CHARS],
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
        "ingested activation=%s source=%s received=%s inserted=%s duplicates=%s rejected=%s",
        activation.pk,
        source.pk if source else None,
        result.received,
        result.inserted,
        result.duplicates,
        result.rejected,
    )
    return result


def _store(activation_id: int, rows: list[_Row]) -> list[_Row]:
    """Insert the rows not stored meanwhile, linked and clustered (caller holds the
    ingest lock); returns the rows inserted."""
    if not rows:
        return rows
    # One look under the lock: posts another batch stored since step 2, and the
    # stored originals of this batch's reposts.
    wanted = {r.key for r in rows} | {r.repost_key for r in rows if r.repost_key}
    stored = _existing_keys(activation_id, wanted)
    rows = [r for r in rows if r.key not in stored]
    if not rows:
        return rows
    ids = post_store.allocate_ids("monitoring_post", len(rows))
    for row, post_id in zip(rows, ids, strict=True):
        row.values[_COLUMN["id"]] = post_id
    original_clusters = _link_reposts(activation_id, rows, stored)
    clusters = neardup_store.assign(
        activation_id=activation_id,
        items=[
            neardup_store.Item(
                post_id=row.values[_COLUMN["id"]],
                signature=row.signature,
                bands=row.bands,
                posted_at=row.values[_COLUMN["posted_at"]],
                priority=row.values[_COLUMN["priority"]],
                category=row.values[_COLUMN["category"]],
                repost_of_id=row.values[_COLUMN["repost_of_id"]],
                lang=row.values[_COLUMN["lang"]] or "",
            )
            for row in rows
        ],
        known_clusters=original_clusters,
    )
    for row in rows:
        row.values[_COLUMN["cluster_id"]] = clusters[row.values[_COLUMN["id"]]]
    _insert_posts(rows)
    return rows


def _insert_posts(rows: list[_Row]) -> None:
    post_store.copy_rows(
        "monitoring_post", post_store.POST_COLUMNS, (r.values for r in rows)
    )


def _area(activation: Activation) -> PreparedGeometry | None:
    return activation.area.prepared if activation.area else None


def _enrich(
    activation: Activation,
    fresh: list[_Prepared],
    source: Source | None,
    *,
    received_at: dt.datetime,
) -> list[_Row]:
    """Rows ready to store: language, category and priority, location (platform geotag,
    official alert area, else a place named in the text), in-area flag, signature."""
    texts = [p.text for p in fresh]
    langs = detect_languages(texts, [p.post.lang_hint for p in fresh])
    # imported here: scikit-learn takes seconds to load, and web processes that
    # only read posts never need it
    from monitoring.pipeline.classify import classify

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
    signatures = neardup.signatures(texts)
    band_keys = neardup.band_keys(signatures)
    area = _area(activation)
    source_id = source.pk if source else None
    rows = []
    for index, item in enumerate(fresh):
        post = item.post
        category, priority = labels[index]
        location, location_source, in_area = "", "", None
        place_name = _plain(post.place_hint)[:200]
        point: Point | None = None
        if post.geo is not None:
            point = Point(float(post.geo[0]), float(post.geo[1]), srid=4326)
            location_source = Post.LocationSource.PLATFORM
        elif post.area_wkt:
            try:
                alert_area = GEOSGeometry(post.area_wkt, srid=4326)
                point = alert_area.point_on_surface
                location_source = Post.LocationSource.OFFICIAL
                in_area = bool(area.intersects(alert_area)) if area else None
            except (GEOSException, ValueError, TypeError):
                point = None
        elif index in parsed and parsed[index][0] is not None:
            point, name = parsed[index]
            place_name = _plain(name)[:200] or place_name
            location_source = Post.LocationSource.GEOPARSED
        if point is not None:
            location = f"SRID=4326;POINT({point.x!r} {point.y!r})"
            if in_area is None and area is not None:
                in_area = bool(area.contains(point))
        if post.is_official:
            category = Category.OFFICIAL.value
        signature = signatures[index]
        empty = neardup.is_empty(signature)
        # connectors are typed, but their values come from untrusted payloads
        media: Any = post.media
        author_meta: Any = post.author_meta
        values: list[Any] = [
            None,  # id: allocated under the lock
            activation.pk,
            source_id,
            post.platform,
            item.key[1],
            _plain(post.url)[:500],
            _plain(post.author_handle)[:200],
            _plain(post.author_name)[:200],
            _plain(str(post.author_id))[:200],
            _json(author_meta if isinstance(author_meta, dict) else {}),
            item.text,
            langs[index][:8],
            post.posted_at,
            received_at,
            _json(media[:MAX_MEDIA] if isinstance(media, list) else []),
            location or None,
            location_source,
            place_name,
            in_area,
            category,
            float(priority),
            bool(post.is_official),
            _plain(post.repost_of_external_id.strip())[:200],
            None,  # repost_of_id: linked under the lock
            None,  # cluster_id: assigned under the lock
            None if empty else neardup.to_bytes(signature),
            _bounded_raw(post.raw),
        ]
        repost_key = (
            (post.platform, values[_COLUMN["repost_of_external_id"]])
            if values[_COLUMN["repost_of_external_id"]]
            else None
        )
        rows.append(_Row(item.key, values, repost_key, signature, band_keys[index]))
    return rows


def _link_reposts(
    activation_id: int,
    rows: list[_Row],
    stored: dict[_Key, tuple[int, int | None]],
) -> dict[int, int]:
    """Point the batch's reposts at their original (in the batch or stored) and the
    stored reposts waiting for one of the batch's posts at it, whichever arrived
    first. Returns the stored originals' clusters, for reposts to join them."""
    in_batch = {row.key: row.values[_COLUMN["id"]] for row in rows}
    original_clusters: dict[int, int] = {}
    for row in rows:
        if row.repost_key is None or row.repost_key == row.key:
            continue
        if row.repost_key in in_batch:
            row.values[_COLUMN["repost_of_id"]] = in_batch[row.repost_key]
        elif row.repost_key in stored:
            original_id, cluster_id = stored[row.repost_key]
            row.values[_COLUMN["repost_of_id"]] = original_id
            if cluster_id is not None:
                original_clusters[original_id] = cluster_id
    post_store.link_waiting_reposts(activation_id, in_batch)
    return original_clusters


def posts_enqueue(
    *, activation: Activation, posts: Sequence[RawPost], source: Source | None = None
) -> None:
    """Hand a batch to a worker (monitoring.ingest_batch), stamped with its receipt
    time, once the current transaction commits."""
    from monitoring import tasks
    from monitoring.pipeline.serialize import post_to_json

    payload = [post_to_json(post) for post in posts]
    received_at = timezone.now().isoformat()
    activation_id, source_id = activation.pk, source.pk if source else None
    transaction.on_commit(
        lambda: tasks.ingest_batch.delay(payload, activation_id, source_id, received_at)
    )


# --- clustering -------------------------------------------------------------------
def cluster_pending(*, activation: Activation, limit: int = CLUSTER_BATCH) -> int:
    """Give every unclustered post of the activation a cluster; returns how many.

    Ingest clusters its posts in its own transaction, so this only finds posts
    written some other way. Rows are taken under the ingest lock and with FOR
    UPDATE SKIP LOCKED: a post is never clustered twice.
    """
    total = 0
    while True:
        with transaction.atomic():
            post_store.lock_activation(activation.pk)
            pending = list(
                Post.objects.select_for_update(skip_locked=True)
                .filter(activation=activation, cluster__isnull=True)
                .order_by("id")
                .values_list(
                    "id",
                    "minhash",
                    "posted_at",
                    "priority",
                    "category",
                    "repost_of_id",
                    "lang",
                )[:limit]
            )
            if not pending:
                return total
            signatures = np.stack(
                [
                    neardup.from_bytes(minhash)
                    if minhash
                    else np.full(neardup.NUM_PERM, neardup.EMPTY, dtype=np.uint32)
                    for _, minhash, *_rest in pending
                ]
            )
            band_keys = neardup.band_keys(signatures)
            clusters = neardup_store.assign(
                activation_id=activation.pk,
                items=[
                    neardup_store.Item(
                        post_id=post_id,
                        signature=signatures[index],
                        bands=band_keys[index],
                        posted_at=posted_at,
                        priority=priority,
                        category=category,
                        repost_of_id=repost_of_id,
                        lang=lang,
                    )
                    for index, (
                        post_id,
                        _minhash,
                        posted_at,
                        priority,
                        category,
                        repost_of_id,
                        lang,
                    ) in enumerate(pending)
                ],
            )
            post_store.set_clusters(clusters)
            total += len(pending)
        if len(pending) < limit:
            return total


# --- sources ----------------------------------------------------------------------
def source_credentials(source: Source) -> str | None:
    """The secret named by the source (env var or NAME_FILE); never stored, never shown."""
    if not source.credentials_env:
        return None
    return env_secret(source.credentials_env)


def source_interval(source: Source) -> int:
    """Seconds between two polls of the source. A watch activation's standing
    sources are polled no more often than VOST_WATCH_MIN_INTERVAL_SECONDS,
    whatever their own interval says (peacetime: spare quotas and workers)."""
    if source.activation.kind == Activation.Kind.WATCH:
        return max(source.interval_seconds, settings.VOST_WATCH_MIN_INTERVAL_SECONDS)
    return source.interval_seconds


def sources_watch(source_ids: list[int]) -> set[int]:
    """Which of these sources belong to watch activations (polled at low priority)."""
    if not source_ids:
        return set()
    return set(
        Source.objects.filter(
            pk__in=source_ids, activation__kind=Activation.Kind.WATCH
        ).values_list("pk", flat=True)
    )


def source_record_success(*, source: Source, usage: int = 0) -> None:
    now = timezone.now()
    month = now.date().replace(day=1)
    updates: dict[str, Any] = {
        "last_success_at": now,
        "consecutive_failures": 0,
        "last_error": "",
        "next_attempt_at": now + dt.timedelta(seconds=source_interval(source)),
    }
    if usage:
        # decided in the database: the in-memory source may be stale (several pages
        # per poll, the stream worker's long-lived sources)
        updates["usage_count"] = Case(
            When(usage_month=month, then=F("usage_count") + usage),
            default=Value(usage),
        )
        updates["usage_month"] = month
    Source.objects.filter(pk=source.pk).update(**updates)


def source_record_failure(
    *,
    source: Source,
    error: str,
    retry_after: float | None = None,
    permanent: bool = False,
) -> None:
    """Count a failure; back off; pause the source (with a log entry) when it keeps failing.

    The source's secret is blanked out of the message before it is stored anywhere
    (an error page from a platform may echo the token back).
    """
    secret = source_credentials(source)
    if secret and len(secret) >= 6:
        error = error.replace(secret, "[redacted]")
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


# --- configuring sources (pages and API) ---------------------------------------------
# Appended as its own section (other work goes on above); these imports belong here.
from django.core.exceptions import ValidationError  # noqa: E402

from accounts.models import User  # noqa: E402
from monitoring import source_params  # noqa: E402
from vost.exceptions import DomainError  # noqa: E402

_SOURCE_CONFIG_FIELDS = [
    "platform",
    "name",
    "params",
    "credentials_env",
    "interval_seconds",
    "monthly_cap",
    "updated_at",
]


def _refusal(exc: ValidationError) -> DomainError:
    """One readable message from a (field → messages) ValidationError."""
    if hasattr(exc, "error_dict"):
        parts = [
            f"{field}: {' '.join(messages)}"
            if field not in {"__all__", "params"}
            else " ".join(messages)
            for field, messages in exc.message_dict.items()
        ]
        return DomainError(" ".join(parts), code="invalid_source")
    return DomainError(" ".join(exc.messages), code="invalid_source")


@transaction.atomic
def source_save(
    *,
    by: User,
    activation: Activation,
    source: Source | None = None,
    platform: str,
    name: str,
    params: dict[str, Any],
    credentials_env: str = "",
    interval_seconds: int = 120,
    monthly_cap: int | None = None,
) -> Source:
    """Add a source to `activation`, or change `source` (callers checked MANAGE_SOURCES).

    Parameters are checked per platform (public http(s) addresses only, no
    secret in them); credentials are a variable NAME, never a value. A refused
    value raises DomainError and changes nothing. Only the configuration is
    written, so a poll finishing meanwhile keeps its health and cursor; a new
    platform or new parameters restart the cursor.
    """
    if source is not None and source.activation_id != activation.pk:
        raise DomainError(_("This source belongs to another activation."))
    if platform not in source_params.EDITABLE_PLATFORMS:
        raise DomainError(
            _("This kind of source cannot be set up here."), code="invalid_source"
        )
    try:
        cleaned = source_params.clean_params(platform, params)
        env_name = source_params.check_credentials_env(credentials_env or "")
    except ValidationError as exc:
        raise _refusal(exc) from exc
    name = " ".join(name.split())
    if not name:
        raise DomainError(_("A source needs a name."), code="invalid_source")
    if not source_params.MIN_INTERVAL <= interval_seconds <= source_params.MAX_INTERVAL:
        raise DomainError(
            _("Poll between every %(min)s seconds and once a day.")
            % {"min": source_params.MIN_INTERVAL},
            code="invalid_source",
        )
    if monthly_cap is not None and monthly_cap < 1:
        raise DomainError(_("The monthly cap must be positive."), code="invalid_source")
    taken = Source.objects.filter(activation=activation, name__iexact=name)
    if source is not None:
        taken = taken.exclude(pk=source.pk)
    if taken.exists():
        raise DomainError(
            _("This activation already has a source named “%(name)s”.")
            % {"name": name},
            code="invalid_source",
        )

    creating = source is None
    if source is None:
        source = Source(activation=activation)
        changed_fetch = True
    else:
        source = Source.objects.select_for_update().get(pk=source.pk)
        changed_fetch = source.platform != platform or source.params != cleaned
    source.platform = platform
    source.name = name
    source.params = cleaned
    source.credentials_env = env_name
    source.interval_seconds = interval_seconds
    source.monthly_cap = monthly_cap if platform == Platform.X else None
    try:
        source.full_clean(exclude=["activation"])
    except ValidationError as exc:
        raise _refusal(exc) from exc
    if creating:
        source.save()
        text = _("Source “%(name)s” (%(platform)s) added by %(user)s.")
    else:
        fields = list(_SOURCE_CONFIG_FIELDS)
        if changed_fetch:
            source.cursor = {}
            fields.append("cursor")
        source.save(update_fields=fields)
        text = _("Source “%(name)s” (%(platform)s) changed by %(user)s.")
    activation_log(
        activation=activation,
        kind=LogEntry.Kind.SYSTEM,
        author=by,
        text=text
        % {
            "name": source.name,
            "platform": source.get_platform_display(),
            "user": by.display_name,
        },
    )
    return source


@transaction.atomic
def source_set_enabled(
    *, by: User, source: Source, enabled: bool, reason: str = ""
) -> Source:
    """Pause or resume `source` (callers checked MANAGE_SOURCES), with a log line.

    Resuming clears the failure count and makes the source due at once. Asking
    for the state it is already in changes nothing.
    """
    source = Source.objects.select_for_update().get(pk=source.pk)
    if source.is_enabled == enabled:
        return source
    if enabled:
        source.is_enabled = True
        source.paused_reason = ""
        source.consecutive_failures = 0
        source.next_attempt_at = None
        text = _("Source “%(name)s” resumed by %(user)s.")
    else:
        source.is_enabled = False
        source.paused_reason = (
            " ".join(reason.split())[:300]
            or (_("Paused by %(user)s.") % {"user": by.display_name})[:300]
        )
        text = _("Source “%(name)s” paused by %(user)s.")
    source.save(
        update_fields=[
            "is_enabled",
            "paused_reason",
            "consecutive_failures",
            "next_attempt_at",
            "updated_at",
        ]
    )
    activation_log(
        activation=source.activation,
        kind=LogEntry.Kind.SYSTEM,
        author=by,
        text=text % {"name": source.name, "user": by.display_name},
    )
    return source


@transaction.atomic
def source_poll_now(*, by: User, source: Source) -> None:
    """Ask for a poll of `source` now (callers checked MANAGE_SOURCES).

    The task is enqueued once the transaction commits; it skips a source paused
    meanwhile. Refused for paused sources, closed activations and sources that
    are not polled (replays, file imports).
    """
    from monitoring import tasks

    if source.platform not in source_params.POLLABLE_PLATFORMS:
        raise DomainError(_("This kind of source is not polled."), code="not_polled")
    if not source.is_enabled:
        raise DomainError(_("Resume the source first."), code="source_paused")
    if source.activation.status not in {
        Activation.Status.ACTIVE,
        Activation.Status.STANDBY,
    }:
        raise DomainError(
            _("Sources are only polled while the activation is active or on standby."),
            code="activation_not_open",
        )
    source_id = source.pk
    logger.info("poll of source %s requested by user %s", source_id, by.pk)
    transaction.on_commit(lambda: tasks.poll_source.delay(source_id))
