"""The X filtered-stream worker (`manage.py run_x_stream`), minus the network.

- `stream_sources` picks the enabled X sources with {"stream": true};
- `sync_rules` makes the stream's rules match them (value = the source's
  query, tag = the source's id);
- `StreamRouter` takes stream lines, routes each post by the tags of the
  rules it matched to its source, and ingests in small batches;
- `StreamSupervisor` runs it all: re-syncs rules every minute, reconnects a
  dropped stream with exponential backoff, flushes on the way out.

Everything here takes its clients as arguments, so tests drive it with fakes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import close_old_connections, connection
from django.utils import timezone

from activations.models import Activation
from monitoring import services
from monitoring.connectors import x
from monitoring.models import Platform, Source
from monitoring.pipeline.types import IngestResult, RawPost, RejectedRecord

logger = logging.getLogger(__name__)

BATCH_SIZE = 50
MAX_DELAY = 2.0  # seconds a post may wait in the buffer
RESYNC_SECONDS = 60.0
MAX_BACKOFF = 300.0
STABLE_AFTER = 60.0  # a connection up this long resets the backoff
MAX_RETAINED = 5000  # posts kept for a retry while the database is away


def _drop_broken_connection() -> None:
    """Let a long-running worker reconnect after the database went away (never
    inside a transaction: that is the caller's, e.g. a test's)."""
    if not connection.in_atomic_block:
        close_old_connections()


# --- sources and rules ----------------------------------------------------------
def stream_sources(*, credentials_env: str) -> list[Source]:
    """Enabled X stream sources of open activations using this token, under their cap."""
    month = timezone.now().date().replace(day=1)
    sources = []
    for source in (
        Source.objects.filter(
            platform=Platform.X,
            is_enabled=True,
            credentials_env=credentials_env,
            params__stream=True,
            activation__status__in=[
                Activation.Status.ACTIVE,
                Activation.Status.STANDBY,
            ],
        )
        .select_related("activation")
        .order_by("pk")
    ):
        if (
            source.monthly_cap
            and source.usage_month == month
            and source.usage_count >= source.monthly_cap
        ):
            services.source_record_failure(
                source=source, error="Monthly cap reached.", permanent=True
            )
            continue
        if x.query_for(source.params):
            sources.append(source)
    return sources


class RulesClient(Protocol):
    def get_rules(self) -> Any: ...
    def add_rules(self, add: list[Any]) -> Any: ...
    def delete_rules(self, ids: list[str]) -> Any: ...


@dataclass
class RulesSync:
    added: list[str] = field(default_factory=list)  # tags
    deleted: list[str] = field(default_factory=list)  # rule ids
    invalid: dict[str, str] = field(default_factory=dict)  # tag -> X's reason


def _rule_errors(response: Any, by_value: dict[str, list[str]]) -> dict[str, str]:
    invalid: dict[str, str] = {}
    errors = response.get("errors") if isinstance(response, dict) else None
    for error in errors if isinstance(errors, list) else []:
        if not isinstance(error, dict):
            continue
        details = error.get("details")
        reason = "; ".join(str(d) for d in details) if isinstance(details, list) else ""
        reason = reason or str(error.get("title") or "rejected")
        if error.get("title") == "DuplicateRule":
            continue  # already there: nothing to fix
        for tag in by_value.get(str(error.get("value")), []):
            invalid[tag] = f"X refused the stream rule: {reason}"[:300]
    return invalid


def sync_rules(client: RulesClient, sources: Iterable[Source]) -> RulesSync:
    """Make the stream's rules exactly one per source: add the missing, delete the
    stale (unknown tag, changed query, repeats). Rules X refuses are reported in
    `invalid` and the others are still added."""
    desired = {str(source.pk): x.query_for(source.params) for source in sources}
    response = client.get_rules()
    existing = response.get("data") if isinstance(response, dict) else None
    result = RulesSync()
    kept: set[str] = set()
    for rule in existing if isinstance(existing, list) else []:
        tag, value = rule.get("tag"), rule.get("value")
        if tag in desired and desired[tag] == value and tag not in kept:
            kept.add(tag)
        else:
            result.deleted.append(str(rule.get("id")))
    if result.deleted:
        client.delete_rules(result.deleted)
    missing = [tag for tag in desired if tag not in kept]
    by_value: dict[str, list[str]] = {}
    for tag in missing:
        by_value.setdefault(desired[tag], []).append(tag)
    for _attempt in range(2):
        if not missing:
            break
        answer = client.add_rules(
            [x.stream_rule(value=desired[tag], tag=tag) for tag in missing]
        )
        refused = _rule_errors(answer, by_value)
        result.invalid.update(refused)
        if not refused:
            result.added.extend(missing)
            break
        # X adds none of a batch with a bad rule: try again without the bad ones
        missing = [tag for tag in missing if tag not in refused]
    return result


# --- routing --------------------------------------------------------------------
@dataclass
class _Buffer:
    source: Source
    posts: list[RawPost] = field(default_factory=list)
    rejected: list[RejectedRecord] = field(default_factory=list)


Ingest = Callable[..., IngestResult]


class StreamRouter:
    """Stream lines in, batches of posts out to each source's activation.

    Thread-safe: tweepy calls `on_data` on its thread while the supervisor
    calls `flush_if_due` on the main one. A batch is ingested when 50 posts
    wait or the oldest has waited 2 s. A batch that fails to land (database
    away) is kept for the next flush, up to MAX_RETAINED posts.
    """

    def __init__(
        self,
        *,
        sources: Iterable[Source] = (),
        batch_size: int = BATCH_SIZE,
        max_delay: float = MAX_DELAY,
        clock: Callable[[], float] = time.monotonic,
        ingest: Ingest | None = None,
    ) -> None:
        self.batch_size = batch_size
        self.max_delay = max_delay
        self.clock = clock
        self.ingest: Ingest = ingest or services.posts_ingest
        self.stats: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._sources: dict[str, Source] = {}
        self._buffers: dict[str, _Buffer] = {}
        self._waiting = 0
        self._first_at: float | None = None
        self._line = 0
        self.set_sources(sources)

    def set_sources(self, sources: Iterable[Source]) -> None:
        with self._lock:
            self._sources = {str(source.pk): source for source in sources}

    @property
    def waiting(self) -> int:
        return self._waiting

    def _buffer(self, tag: str) -> _Buffer | None:
        if tag in self._buffers:
            return self._buffers[tag]
        source = self._sources.get(tag)
        if source is None:
            return None
        self._buffers[tag] = _Buffer(source)
        return self._buffers[tag]

    def on_data(self, raw: bytes | str) -> None:
        """One line from the stream (an empty one is a keep-alive)."""
        with self._lock:
            self._line += 1
            if not raw.strip():
                self.stats["keep_alive"] += 1
            else:
                self._route(raw)
            due = self._due()
        if due:
            self.flush()

    def _route(self, raw: bytes | str) -> None:
        page, tags = x.parse_stream_line(raw, number=self._line)
        self.stats["lines"] += 1
        if (
            not page.usage
            and not tags
            and page.rejected
            and all(r.reason.startswith("X API error") for r in page.rejected)
        ):
            # a message about the stream itself (e.g. an operational disconnect),
            # not a record: tweepy reconnects, we keep a trace
            self.stats["stream_errors"] += 1
            for record in page.rejected:
                logger.warning("X stream says: %s", record.reason)
            return
        buffers = [b for tag in dict.fromkeys(tags) if (b := self._buffer(tag))]
        if page.posts and not buffers:
            self.stats["unrouted"] += len(page.posts)
            logger.warning("stream post for no known source (rule tags %s)", tags)
        for buffer in buffers:
            buffer.posts.extend(page.posts)
            buffer.rejected.extend(page.rejected)
            self._waiting += len(page.posts) + len(page.rejected)
        if page.rejected and not buffers:
            # a broken line names no rule: every stream source records it, with
            # the excerpt only when they all serve one activation (no leak)
            targets = [b for tag in self._sources if (b := self._buffer(tag))]
            single = len({b.source.activation_id for b in targets}) == 1
            for buffer in targets:
                buffer.rejected.extend(
                    r if single else RejectedRecord(r.reason) for r in page.rejected
                )
                self._waiting += len(page.rejected)
            for record in page.rejected:
                logger.warning("stream line rejected: %s", record.reason)
        self.stats["posts"] += len(page.posts)
        self.stats["rejected"] += len(page.rejected)
        if self._waiting and self._first_at is None:
            self._first_at = self.clock()

    def _due(self) -> bool:
        if not self._waiting:
            return False
        if self._waiting >= self.batch_size:
            return True
        return (
            self._first_at is not None
            and self.clock() - self._first_at >= self.max_delay
        )

    def flush_if_due(self) -> int:
        with self._lock:
            due = self._due()
        return self.flush() if due else 0

    def flush(self) -> int:
        """Ingest everything waiting; returns the number of posts inserted."""
        with self._flush_lock:
            with self._lock:
                buffers = [b for b in self._buffers.values() if b.posts or b.rejected]
                self._buffers = {}
                self._waiting = 0
                self._first_at = None
            inserted = 0
            for buffer in buffers:
                inserted += self._land(buffer)
            return inserted

    def _land(self, buffer: _Buffer) -> int:
        source = buffer.source
        try:
            result = self.ingest(
                activation=source.activation,
                posts=buffer.posts,
                source=source,
                rejected=buffer.rejected,
            )
            if buffer.posts:
                services.source_record_success(source=source, usage=len(buffer.posts))
        except Exception:
            logger.exception("stream batch for source %s did not land", source.pk)
            self.stats["failed_batches"] += 1
            _drop_broken_connection()
            self._retain(buffer)
            return 0
        self.stats["batches"] += 1
        self.stats["inserted"] += result.inserted
        return result.inserted

    def _retain(self, failed: _Buffer) -> None:
        with self._lock:
            if self._waiting + len(failed.posts) > MAX_RETAINED:
                self.stats["dropped"] += len(failed.posts)
                logger.error(
                    "dropping %s stream posts for source %s: too many waiting",
                    len(failed.posts),
                    failed.source.pk,
                )
                return
            tag = str(failed.source.pk)
            self._waiting += len(failed.posts) + len(failed.rejected)
            current = self._buffers.get(tag)
            if current is not None:  # the failed batch goes first, in arrival order
                failed.posts.extend(current.posts)
                failed.rejected.extend(current.rejected)
            self._buffers[tag] = failed
            if self._first_at is None:
                self._first_at = self.clock()


# --- the long-running loop --------------------------------------------------------
class Stream(Protocol):
    @property
    def alive(self) -> bool: ...
    def start(self) -> None: ...
    def disconnect(self) -> None: ...


class StreamSupervisor:
    """Keep one filtered stream running for the sources of one token."""

    def __init__(
        self,
        *,
        credentials_env: str,
        rules_client: RulesClient,
        stream_factory: Callable[[], Stream],
        router: StreamRouter,
        resync_seconds: float = RESYNC_SECONDS,
        max_backoff: float = MAX_BACKOFF,
        stable_after: float = STABLE_AFTER,
        tick: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.credentials_env = credentials_env
        self.rules_client = rules_client
        self.stream_factory = stream_factory
        self.router = router
        self.resync_seconds = resync_seconds
        self.max_backoff = max_backoff
        self.stable_after = stable_after
        self.tick = tick
        self.clock = clock
        self.connections = 0

    def resync(self) -> list[Source]:
        """Re-read the sources, fix the rules, tell the router; returns the sources."""
        _drop_broken_connection()
        sources = stream_sources(credentials_env=self.credentials_env)
        result = sync_rules(self.rules_client, sources)
        for tag, reason in result.invalid.items():
            bad = next(s for s in sources if str(s.pk) == tag)
            services.source_record_failure(source=bad, error=reason, permanent=True)
        sources = [s for s in sources if str(s.pk) not in result.invalid]
        self.router.set_sources(sources)
        if result.added or result.deleted:
            logger.info(
                "stream rules synced: %s added, %s deleted",
                len(result.added),
                len(result.deleted),
            )
        return sources

    def run(self, stop: threading.Event) -> None:
        """Until `stop` is set (SIGTERM): stream, re-sync, reconnect, then flush."""
        stream: Stream | None = None
        backoff = 1.0
        started = 0.0
        next_sync = self.clock()
        wanted = False
        while not stop.is_set():
            if self.clock() >= next_sync:
                try:
                    wanted = bool(self.resync())
                except Exception:  # X or the database away: keep streaming what we had
                    logger.exception("stream rule sync failed")
                next_sync = self.clock() + self.resync_seconds
            if stream is not None and not stream.alive:
                stream = None
                logger.warning("X stream dropped; reconnecting in %.0f s", backoff)
                if stop.wait(backoff):
                    break
                backoff = min(backoff * 2, self.max_backoff)
            if stream is None and wanted:
                try:
                    stream = self.stream_factory()
                    stream.start()
                except Exception:  # the worker outlives a failed connection
                    logger.exception("X stream could not start")
                    stream = None
                    if stop.wait(backoff):
                        break
                    backoff = min(backoff * 2, self.max_backoff)
                    continue
                self.connections += 1
                started = self.clock()
            elif stream is not None and not wanted:
                logger.info("no stream source left: disconnecting")
                stream.disconnect()
                stream = None
            elif stream is not None and self.clock() - started >= self.stable_after:
                backoff = 1.0
            self.router.flush_if_due()
            stop.wait(self.tick)
        if stream is not None:
            stream.disconnect()
        self.router.flush()
        logger.info("X stream worker stopped: %s", dict(self.router.stats))
