"""The compliance check: ask each platform whether recent posts still exist and
erase the ones that are gone (the beat task ``privacy.compliance_check``, every
15 minutes, so a deletion missed by the streams is honoured within the hour).

- Mastodon: ``GET /api/v1/statuses?id[]=`` by 20 on the instance the source
  reads (the local id is in ``raw.id``; Mastodon 4.3+), a status missing from
  the answer is gone; older instances: ``GET /api/v1/statuses/:id``, 404 or 410
  means gone.
- Bluesky: ``app.bsky.feed.getPosts`` by 25 at:// URIs; a URI missing from the
  answer is gone (deleted, or taken down).
- X: ``GET /2/tweets?ids=`` by 100; an error ``resource-not-found`` or
  ``not-authorized-for-resource`` (protected, suspended) means gone.

Rate limits: each platform host gets at most ``VOST_COMPLIANCE_BATCH`` posts
(2,000 by default: 100 Mastodon requests, 20 X requests, 80 Bluesky requests) a
run; a 429 stops that host until its ``Retry-After`` (kept in the database); 5xx
and timeouts stop the host for this run. Posts are checked round-robin from a
cursor per source (in id order), so every recent post is looked at in turn.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from activations.models import Activation
from monitoring.models import Platform, Post, Source
from monitoring.services import source_credentials
from privacy.models import ComplianceCursor, ErasureReason
from privacy.services.erasure import erase_post

logger = logging.getLogger(__name__)

TIMEOUT = (5, 15)
MAX_BODY = 2 * 1024 * 1024
MAX_RETRY_AFTER = 3600.0
BLUESKY_CHUNK = 25
MASTODON_CHUNK = 20
X_CHUNK = 100
DEFAULT_APPVIEW = "https://public.api.bsky.app/xrpc"
X_GONE_TYPES = (
    "https://api.twitter.com/2/problems/resource-not-found",
    "https://api.twitter.com/2/problems/not-authorized-for-resource",
)


def batch_size() -> int:
    return int(getattr(settings, "VOST_COMPLIANCE_BATCH", 2000))


def window() -> dt.timedelta:
    return dt.timedelta(
        hours=int(getattr(settings, "VOST_COMPLIANCE_WINDOW_HOURS", 72))
    )


def x_api_url() -> str:
    return str(getattr(settings, "VOST_X_API_URL", "https://api.x.com/2")).rstrip("/")


class HostUnavailable(Exception):
    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class CheckResult:
    """Figures of one run, per host key ("mastodon:social.example", "x", …)."""

    checked: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    gone: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    skipped: dict[str, str] = field(default_factory=dict)  # host -> why

    @property
    def erased(self) -> int:
        return sum(self.gone.values())


def _get(
    session: requests.Session,
    url: str,
    *,
    params: list[tuple[str, str]] | dict[str, str],
    headers: dict[str, str],
) -> tuple[int, Any]:
    """GET and decode; (status, json or None). 429/5xx/network raise HostUnavailable."""
    try:
        response = session.get(
            url,
            params=params,
            headers=headers,
            timeout=TIMEOUT,
            allow_redirects=False,
            stream=True,
        )
    except requests.RequestException as exc:
        raise HostUnavailable(f"{type(exc).__name__}") from None
    with response:
        if response.status_code == 429:
            raw = response.headers.get("Retry-After", "")
            reset = response.headers.get("x-rate-limit-reset", "")
            retry: float | None = None
            if raw.isdigit():
                retry = float(raw)
            elif reset.isdigit():
                retry = max(0.0, float(reset) - timezone.now().timestamp())
            raise HostUnavailable("rate limited", retry_after=retry or 60.0)
        if response.status_code >= 500:
            raise HostUnavailable(f"HTTP {response.status_code}")
        body = b""
        for chunk in response.iter_content(65536):
            body += chunk
            if len(body) > MAX_BODY:
                raise HostUnavailable("response too large")
    try:
        return response.status_code, json.loads(body) if body else None
    except ValueError:
        return response.status_code, None


def _headers(source: Source | None) -> dict[str, str]:
    token = source_credentials(source) if source is not None else None
    headers = {"Accept": "application/json", "User-Agent": "VOSTHub/1.0"}
    if token:
        headers["Authorization"] = f"Bearer {token.strip()}"
    return headers


# --- per platform: which of these posts are gone ----------------------------------
def _mastodon_gone(
    session: requests.Session, instance: str, posts: list[Post], source: Source
) -> tuple[list[Post], int]:
    """By 20 with ``GET /api/v1/statuses?id[]=`` (Mastodon 4.3+: the statuses
    still there); an instance without it (404) is asked one status at a time."""
    gone: list[Post] = []
    checked = 0
    headers = _headers(source)
    by_id = {
        str(p.raw.get("id")): p
        for p in posts
        if isinstance(p.raw, dict) and isinstance(p.raw.get("id"), str)
    }
    ids = list(by_id)
    batch_ok = True
    for start in range(0, len(ids), MASTODON_CHUNK):
        chunk = ids[start : start + MASTODON_CHUNK]
        if batch_ok:
            status, body = _get(
                session,
                f"{instance}/api/v1/statuses",
                params=[("id[]", i) for i in chunk],
                headers=headers,
            )
            if status == 200 and isinstance(body, list):
                found = {str(s.get("id")) for s in body if isinstance(s, dict)}
                checked += len(chunk)
                gone += [by_id[i] for i in chunk if i not in found]
                continue
            if status in (401, 403):
                raise HostUnavailable(f"HTTP {status}: check the source's token")
            batch_ok = False  # an older instance: one by one from now on
        for local_id in chunk:
            status, _body = _get(
                session,
                f"{instance}/api/v1/statuses/{local_id}",
                params={},
                headers=headers,
            )
            checked += 1
            if status in (404, 410):
                gone.append(by_id[local_id])
            elif status in (401, 403):
                raise HostUnavailable(f"HTTP {status}: check the source's token")
    return gone, checked


def _bluesky_gone(
    session: requests.Session, appview: str, posts: list[Post], source: Source | None
) -> tuple[list[Post], int]:
    gone: list[Post] = []
    checked = 0
    for start in range(0, len(posts), BLUESKY_CHUNK):
        chunk = [p for p in posts[start : start + BLUESKY_CHUNK] if p.external_id]
        status, body = _get(
            session,
            f"{appview}/app.bsky.feed.getPosts",
            params=[("uris", p.external_id) for p in chunk],
            headers=_headers(source),
        )
        if status != 200 or not isinstance(body, dict):
            raise HostUnavailable(f"getPosts answered {status}")
        found = {
            view.get("uri")
            for view in body.get("posts") or []
            if isinstance(view, dict)
        }
        checked += len(chunk)
        gone += [p for p in chunk if p.external_id not in found]
    return gone, checked


def _x_gone(
    session: requests.Session, posts: list[Post], source: Source | None
) -> tuple[list[Post], int]:
    gone: list[Post] = []
    checked = 0
    headers = _headers(source)
    if "Authorization" not in headers:
        raise HostUnavailable("no bearer token for X")
    for start in range(0, len(posts), X_CHUNK):
        chunk = [p for p in posts[start : start + X_CHUNK] if p.external_id.isdigit()]
        if not chunk:
            continue
        status, body = _get(
            session,
            f"{x_api_url()}/tweets",
            params={"ids": ",".join(p.external_id for p in chunk)},
            headers=headers,
        )
        if status != 200 or not isinstance(body, dict):
            raise HostUnavailable(f"tweet lookup answered {status}")
        missing = {
            str(error.get("resource_id") or error.get("value"))
            for error in body.get("errors") or []
            if isinstance(error, dict) and error.get("type") in X_GONE_TYPES
        }
        checked += len(chunk)
        gone += [p for p in chunk if p.external_id in missing]
    return gone, checked


# --- the run -----------------------------------------------------------------------
def _host_of(source: Source, platform: str) -> tuple[str, str]:
    """(cursor key, base URL) of the platform host a source's posts are checked
    against."""
    params = source.params if isinstance(source.params, dict) else {}
    if platform == Platform.MASTODON:
        instance = str(params.get("instance") or "").rstrip("/")
        host = urlsplit(instance).netloc.lower()
        return f"mastodon:{host}", instance
    if platform == Platform.BLUESKY:
        appview = str(params.get("appview") or DEFAULT_APPVIEW).rstrip("/")
        return f"bluesky:{urlsplit(appview).netloc.lower()}", appview
    return "x", x_api_url()


def _pending(source: Source, *, now: dt.datetime) -> QuerySet[Post]:
    """The source's recent posts that still have content and are not erased."""
    return (
        Post.objects.filter(
            source=source,
            received_at__gte=now - window(),
            erasure__isnull=True,
        )
        .exclude(text="", raw={})
        .only("pk", "platform", "external_id", "raw", "source_id")
        .order_by("pk")
    )


def _next_batch(
    source: Source, cursor: ComplianceCursor, *, now: dt.datetime
) -> tuple[list[Post], int]:
    """Up to batch_size() posts after the cursor, wrapping round to the first
    ones; and the cursor to store after them."""
    size = batch_size()
    pending = _pending(source, now=now)
    batch = list(pending.filter(pk__gt=cursor.last_post_id)[:size])
    if len(batch) == size:
        return batch, batch[-1].pk
    head = list(pending.filter(pk__lte=cursor.last_post_id)[: size - len(batch)])
    return batch + head, head[-1].pk if head else 0


def compliance_check(
    *, now: dt.datetime | None = None, session: requests.Session | None = None
) -> CheckResult:
    """Check the next batch of recent posts of every social-media source and
    erase the ones their platform no longer has. Bounded: at most batch_size()
    posts a source a run, in SQL (never the whole window in memory)."""
    now = now or timezone.now()
    session = session or requests.Session()
    result = CheckResult()
    sources = (
        Source.objects.filter(
            platform__in=[Platform.MASTODON, Platform.BLUESKY, Platform.X]
        )
        .exclude(activation__status=Activation.Status.ARCHIVED)
        .order_by("pk")
    )
    for source in sources:
        key, base = _host_of(source, source.platform)
        if not base:
            continue
        host, _created = ComplianceCursor.objects.get_or_create(key=key)
        if host.paused_until and host.paused_until > now:
            result.skipped[key] = "rate limited"
            continue
        cursor, _created = ComplianceCursor.objects.get_or_create(
            key=f"source:{source.pk}"
        )
        batch, next_cursor = _next_batch(source, cursor, now=now)
        if not batch:
            continue
        try:
            gone, checked = _lookup(session, source.platform, base, batch, source)
        except HostUnavailable as exc:
            result.skipped[key] = str(exc)
            if exc.retry_after:
                host.paused_until = now + dt.timedelta(
                    seconds=min(exc.retry_after, MAX_RETRY_AFTER)
                )
            host.last_error = str(exc)[:300]
            host.save()
            logger.warning("compliance check of %s stopped: %s", key, exc)
            continue
        erased = _erase(gone, reason=ErasureReason.COMPLIANCE_CHECK)
        result.checked[key] += checked
        result.gone[key] += erased
        cursor.last_post_id = next_cursor
        cursor.last_run_at = now
        cursor.checked_total += checked
        cursor.gone_total += erased
        cursor.save()
        host.last_run_at = now
        host.last_error = ""
        host.paused_until = None
        host.save()
    logger.info(
        "compliance check: checked %s, erased %s, skipped %s",
        dict(result.checked),
        dict(result.gone),
        result.skipped,
    )
    return result


def _lookup(
    session: requests.Session,
    platform: str,
    base: str,
    posts: list[Post],
    source: Source,
) -> tuple[list[Post], int]:
    if platform == Platform.MASTODON:
        return _mastodon_gone(session, base, posts, source)
    if platform == Platform.BLUESKY:
        return _bluesky_gone(session, base, posts, source)
    return _x_gone(session, posts, source)


def _erase(posts: Iterable[Post], *, reason: str) -> int:
    erased = 0
    for post in posts:
        try:
            erase_post(post, reason)
        except Exception:
            logger.exception("compliance: could not erase post %s", post.pk)
            continue
        erased += 1
    return erased
