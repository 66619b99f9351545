"""RSS and Atom feeds, read with feedparser.

feedparser copes with broken feeds (wrong declared encoding, unclosed tags: its
"bozo" flag): the entries it could read are kept and the problem is noted in each
post's raw payload; a body that is no feed at all fails the whole fetch. Entry text
is always reduced to plain text, whatever feedparser's sanitiser left.

The cursor holds the HTTP validators (ETag, Last-Modified) and the ids of the
newest entries seen, so that an unchanged feed costs a 304 and a re-served one
brings nothing twice.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import io
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import feedparser

from monitoring.connectors import register
from monitoring.connectors.base import Connector, SourceTemporarilyUnavailable
from monitoring.connectors.feed_http import (
    TooLarge,
    check_url,
    conditional_get,
    new_session,
    safe_url,
)
from monitoring.pipeline.text import html_to_text
from monitoring.pipeline.types import FetchResult, RawPost, RejectedRecord

logger = logging.getLogger(__name__)

PLATFORM = "rss"
MAX_FEED_BYTES = 5 * 1024 * 1024
SEEN_LIMIT = 1000  # newest entry ids kept in the cursor
MAX_ID_CHARS = 200
MAX_MEDIA = 10
EXCERPT_CHARS = 500
# GML srsName codes whose coordinates are WGS 84 latitude/longitude (or close enough
# for a map pin: ETRS89, RGF93); anything else (UTM…) is not degrees.
_WGS84_CODES = frozenset({4326, 4979, 4258, 4171})


class FeedError(ValueError):
    """The body is not a feed at all (the message says why)."""


@register
class RssConnector(Connector):
    """params: {"url": "https://…/feed.xml"}."""

    platform: ClassVar[str] = PLATFORM

    def __init__(self, *, params: dict[str, Any], credentials: str | None) -> None:
        super().__init__(params=params, credentials=credentials)
        self.session = new_session()

    def validate(self) -> None:
        self.url = check_url(self.params.get("url"), what="feed URL")

    def fetch(self, *, cursor: dict[str, Any]) -> FetchResult:
        try:
            response = conditional_get(
                self.session,
                self.url,
                limit=MAX_FEED_BYTES,
                etag=_str(cursor.get("etag")),
                last_modified=_str(cursor.get("last_modified")),
            )
        except TooLarge as exc:
            raise SourceTemporarilyUnavailable(str(exc)) from None
        if response.not_modified:
            return FetchResult(posts=[], cursor=dict(cursor))
        try:
            result = parse_feed(
                response.body,
                content_type=response.content_type,
                base_url=response.url,
                fetched_at=dt.datetime.now(dt.UTC),
            )
        except FeedError as exc:
            raise SourceTemporarilyUnavailable(f"unparsable feed: {exc}") from None
        seen = [s for s in cursor.get("seen", []) if isinstance(s, str)]
        already = set(seen)
        fresh = [p for p in result.posts if p.external_id not in already]
        current = [p.external_id for p in result.posts]
        # A bad entry served again is not reported again at every poll.
        rejected_keys = [_rejection_key(r) for r in result.rejected]
        result.rejected = [
            r
            for r, key in zip(result.rejected, rejected_keys, strict=True)
            if key not in already
        ]
        current += rejected_keys
        result.cursor = {
            "etag": response.etag,
            "last_modified": response.last_modified,
            "seen": _newest_first(current, seen),
        }
        skipped = len(result.posts) - len(fresh)
        if skipped:
            logger.info("feed %s: %s entries already seen", self.url, skipped)
        result.posts = fresh
        return result


def parse_file(data: bytes, *, fmt: str) -> FetchResult:
    """A saved RSS/Atom document as posts; ValueError when it is no feed at all."""
    if fmt != PLATFORM:
        raise ValueError(f"the rss module does not read format {fmt!r}")
    return parse_feed(data, fetched_at=dt.datetime.now(dt.UTC))


def parse_feed(
    data: bytes,
    *,
    fetched_at: dt.datetime,
    content_type: str = "",
    base_url: str = "",
) -> FetchResult:
    """Every entry of the feed as a RawPost (bad ones rejected with a reason)."""
    if not data.strip():
        raise FeedError("empty body")
    headers = {"content-type": content_type} if content_type else {}
    if base_url:
        headers["content-location"] = base_url
    try:
        # Always a stream: feedparser would fetch a string that looks like a URL.
        parsed = feedparser.parse(io.BytesIO(data), response_headers=headers)
    except Exception as exc:  # feedparser's loose parser can raise on hostile input
        raise FeedError(f"{type(exc).__name__}: {str(exc)[:200]}") from None
    entries = parsed.get("entries") or []
    problem = _bozo_reason(parsed)
    if not parsed.get("version") and not entries:
        raise FeedError(
            f"not an RSS or Atom feed ({problem})"
            if problem
            else "not an RSS or Atom feed"
        )
    feed = parsed.get("feed") or {}
    context = _FeedContext(
        key=_str(feed.get("id")) or safe_url(feed.get("link")) or base_url,
        title=html_to_text(_str(feed.get("title")))[:200],
        link=safe_url(feed.get("link")),
        language=_str(feed.get("language"))[:16],
        problem=problem,
        doctype=b"<!doctype" in data[:4096].replace(b"\x00", b"").lower(),
        fetched_at=fetched_at,
    )
    posts: list[RawPost] = []
    rejected: list[RejectedRecord] = []
    for entry in entries:
        try:
            posts.append(_entry_post(entry, context))
        except _BadEntry as exc:
            rejected.append(RejectedRecord(str(exc), _excerpt(entry)))
    return FetchResult(posts=posts, rejected=rejected)


class _BadEntry(Exception):
    pass


@dataclass(frozen=True)
class _FeedContext:
    key: str  # the feed's own id or link: qualifies bare guids
    title: str
    link: str
    language: str
    problem: str  # feedparser's bozo reason, noted in every post
    doctype: bool
    fetched_at: dt.datetime


def _entry_post(entry: Mapping[str, Any], feed: _FeedContext) -> RawPost:
    raw: dict[str, Any] = {"format": "rss"}
    link = safe_url(entry.get("link"))
    if entry.get("link") and not link:
        raw["link_dropped"] = "not an http(s) URL"
    title = html_to_text(_str(entry.get("title")))
    body = _body_text(entry)
    if body == title:
        body = ""
    external_id, id_source = _entry_id(entry, feed, title=title, link=link, body=body)
    raw["id_source"] = id_source
    posted_at, time_source = _entry_time(entry, feed.fetched_at)
    raw["time_source"] = time_source
    text = "\n\n".join(part for part in (title, body) if part)
    if not text:
        raise _BadEntry("entry without title or text")
    geo, geo_note = _entry_geo(entry)
    if geo_note:
        raw["geo_note"] = geo_note
    if feed.problem:
        raw["feed_problem"] = feed.problem
    if feed.doctype:
        raw["doctype"] = "ignored: entities not expanded, nothing fetched"
    author = html_to_text(_str(entry.get("author")))[:200]
    author_detail = entry.get("author_detail") or {}
    raw.update(
        {
            "guid": _str(entry.get("id"))[:500],
            "link": link,
            "title": title[:500],
            "published": _str(entry.get("published"))[:100],
            "updated": _str(_own(entry, "updated"))[:100],
            "author": author,
            "tags": [
                _str(t.get("term"))[:100]
                for t in (entry.get("tags") or [])[:20]
                if isinstance(t, Mapping)
            ],
            "feed": {"key": feed.key[:500], "title": feed.title, "link": feed.link},
        }
    )
    if isinstance(entry.get("where"), Mapping) and entry["where"]:
        raw["where"] = _jsonable(entry["where"])
    return RawPost(
        platform=PLATFORM,
        external_id=external_id,
        text=text,
        posted_at=posted_at,
        url=link,
        author_handle=(author or feed.title)[:200],
        author_name=author or feed.title,
        author_id=safe_url(author_detail.get("href"))
        if isinstance(author_detail, Mapping)
        else "",
        author_meta={"feed": feed.title, "feed_url": feed.link},
        lang_hint=_entry_language(entry) or feed.language,
        media=_entry_media(entry),
        geo=geo,
        raw=raw,
    )


def _body_text(entry: Mapping[str, Any]) -> str:
    """The fullest body: content (content:encoded, atom:content), else the summary."""
    best = ""
    for content in entry.get("content") or []:
        if isinstance(content, Mapping):
            text = html_to_text(_str(content.get("value")))
            if len(text) > len(best):
                best = text
    if best:
        return best
    return html_to_text(_str(entry.get("summary")))


def _entry_id(
    entry: Mapping[str, Any], feed: _FeedContext, *, title: str, link: str, body: str
) -> tuple[str, str]:
    """A stable id: guid/atom:id, else the link, else a hash of title and link."""
    guid = _str(entry.get("id")).strip()
    if guid:
        value, source = guid, "guid"
        # A bare "42" is only unique within its feed: qualify it with the feed's id.
        if ":" not in guid and feed.key:
            value = f"{feed.key}#{guid}"
    elif link:
        value, source = link, "link"
    else:
        basis = f"{title}\n{link}" if title else body
        if not basis:
            raise _BadEntry("entry without id, link, title or text")
        digest = hashlib.sha256(f"{feed.key}\n{basis}".encode()).hexdigest()
        return f"sha256:{digest[:40]}", "hash of title and link"
    if len(value) > MAX_ID_CHARS:
        digest = hashlib.sha256(value.encode()).hexdigest()
        return f"sha256:{digest[:40]}", f"{source} (hashed: longer than {MAX_ID_CHARS})"
    return value, source


def _entry_time(
    entry: Mapping[str, Any], fetched_at: dt.datetime
) -> tuple[dt.datetime, str]:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = _own(entry, key)
        if isinstance(value, time.struct_time):
            try:
                # feedparser's *_parsed are in UTC
                moment = dt.datetime.fromtimestamp(calendar.timegm(value), tz=dt.UTC)
            except (OverflowError, ValueError, OSError):
                continue
            return moment, key.removesuffix("_parsed")
    return fetched_at, "fetch time (the entry has no date)"


def _entry_geo(entry: Mapping[str, Any]) -> tuple[tuple[float, float] | None, str]:
    """(lon, lat) from GeoRSS (feedparser already swapped "lat lon") or W3C geo."""
    where = entry.get("where")
    if isinstance(where, Mapping) and where.get("type") == "Point":
        srs = where.get("srsName")
        if srs and not _is_wgs84(str(srs)):
            return None, f"point ignored: coordinates in {str(srs)[:60]}, not WGS 84"
        coordinates = where.get("coordinates") or ()
        return _lon_lat(coordinates[:2] if len(coordinates) >= 2 else ())
    if isinstance(where, Mapping) and where.get("type"):
        return None, f"{str(where['type'])[:20]} kept in raw, no point taken from it"
    lat, lon = entry.get("geo_lat"), entry.get("geo_long") or entry.get("geo_lon")
    if lat is not None and lon is not None:
        try:
            return _lon_lat((float(lon), float(lat)))
        except (TypeError, ValueError):
            return None, "geo:lat/geo:long are not numbers"
    return None, ""


def _lon_lat(pair: Any) -> tuple[tuple[float, float] | None, str]:
    try:
        lon, lat = float(pair[0]), float(pair[1])
    except (TypeError, ValueError, IndexError):
        return None, "point without usable coordinates"
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None, f"point ignored: out of range (lon {lon}, lat {lat})"
    return (lon, lat), ""


def _is_wgs84(srs: str) -> bool:
    tail = srs.replace("::", ":").rstrip("/").split(":")[-1].split("/")[-1]
    if "CRS84" in srs.upper():
        return False  # lon-lat order: feedparser would have swapped it wrongly
    return tail.isdigit() and int(tail) in _WGS84_CODES


def _entry_language(entry: Mapping[str, Any]) -> str:
    for key in ("title_detail", "summary_detail"):
        detail = entry.get(key)
        if isinstance(detail, Mapping) and detail.get("language"):
            return _str(detail["language"])[:16]
    for content in entry.get("content") or []:
        if isinstance(content, Mapping) and content.get("language"):
            return _str(content["language"])[:16]
    return ""


def _entry_media(entry: Mapping[str, Any]) -> list[dict[str, Any]]:
    media: list[dict[str, Any]] = []
    seen: set[str] = set()
    candidates: list[tuple[str, str, str]] = []
    for item in entry.get("enclosures") or []:
        if isinstance(item, Mapping):
            candidates.append(
                (_str(item.get("href")), _str(item.get("type")), "enclosure")
            )
    for item in entry.get("media_content") or []:
        if isinstance(item, Mapping):
            kind = _str(item.get("type")) or _str(item.get("medium"))
            candidates.append((_str(item.get("url")), kind, "media:content"))
    for item in entry.get("media_thumbnail") or []:
        if isinstance(item, Mapping):
            candidates.append((_str(item.get("url")), "image", "media:thumbnail"))
    for url, mime, origin in candidates:
        url = safe_url(url)
        if not url or url in seen:
            continue
        seen.add(url)
        major = mime.split("/")[0].lower() if mime else ""
        media.append(
            {
                "type": major if major in ("image", "video", "audio") else "file",
                "url": url,
                "mime": mime[:100],
                "origin": origin,
            }
        )
        if len(media) >= MAX_MEDIA:
            break
    return media


def _bozo_reason(parsed: Mapping[str, Any]) -> str:
    if not parsed.get("bozo"):
        return ""
    exc = parsed.get("bozo_exception")
    if exc is None:
        return "malformed feed"
    return f"{type(exc).__name__}: {str(exc)[:200]}"


def _rejection_key(record: RejectedRecord) -> str:
    digest = hashlib.sha256(f"{record.reason}\n{record.excerpt}".encode()).hexdigest()
    return f"rejected:{digest[:32]}"


def _newest_first(current: list[str], previous: list[str]) -> list[str]:
    merged: list[str] = []
    known: set[str] = set()
    for external_id in [*current, *previous]:
        if external_id not in known:
            known.add(external_id)
            merged.append(external_id)
    return merged[:SEEN_LIMIT]


def _own(entry: Mapping[str, Any], key: str) -> Any:
    """The entry's own value: FeedParserDict would answer "updated" with "published"
    (with a deprecation warning) when the entry has no update time."""
    return dict.get(entry, key) if isinstance(entry, dict) else entry.get(key)


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value[:200]]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _excerpt(entry: Any) -> str:
    if isinstance(entry, Mapping):
        keys = ("id", "link", "title", "summary")
        return str({k: _str(entry.get(k))[:200] for k in keys})[:EXCERPT_CHARS]
    return repr(entry)[:EXCERPT_CHARS]
