"""Reading X API v2 payloads: response pages, stream lines, recorded files.

Everything X sends is untrusted: a page is read record by record, and a record
that cannot be used becomes a RejectedRecord with its reason while the rest of
the page lands. Posts are joined with the page's `includes` (author, place,
media, referenced posts). Serves the poller and the stream worker (through
monitoring.connectors.x, which re-exports `parse_page`, `parse_stream_line`
and `parse_file`) and file import, including twarc's JSONL (pages with a
`__twarc` envelope, and its "flattened" one-post-per-line form).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import re
import time
from collections.abc import Iterator
from typing import Any

from monitoring.pipeline.text import clean_text
from monitoring.pipeline.types import FetchResult, RawPost, RejectedRecord

PLATFORM = "x"
SMALL_PLACE_KM = 20.0  # a place box wider than this is too vague to be a location
_SNOWFLAKE_EPOCH_MS = 1288834974657
_FIRST_SNOWFLAKE = 29_700_859_247  # older ids are sequential, without a time in them
_NO_LANG = {"und", "zxx", "art"}  # X's "undetermined", "no text", "constructed"
_HANDLE = re.compile(r"^[A-Za-z0-9_]{1,50}$")
_EXCERPT = 500


# --- reading records ------------------------------------------------------------
def _excerpt(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, default=str)[:_EXCERPT]
    except (TypeError, ValueError):
        return repr(value)[:_EXCERPT]


def x_id(value: Any) -> str | None:
    """A post/user id as a string of digits, or None."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if isinstance(value, str):
        text = value.strip()
        if 0 < len(text) <= 25 and text.isascii() and text.isdigit():
            return text
    return None


def newer_id(a: str | None, b: str | None) -> str | None:
    """The larger of two ids (X ids grow with time)."""
    if a is None:
        return b
    if b is None:
        return a
    return a if int(a) >= int(b) else b


def _time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
        return parsed.astimezone(dt.UTC) if parsed.tzinfo is not None else None
    except (ValueError, OverflowError):
        return None


def _snowflake_time(post_id: str) -> dt.datetime | None:
    """The creation time encoded in an X id (since late 2010)."""
    number = int(post_id)
    if number < _FIRST_SNOWFLAKE:
        return None
    millis = (number >> 22) + _SNOWFLAKE_EPOCH_MS
    if millis > (time.time() + 86_400) * 1000:  # not an id X has handed out yet
        return None
    return dt.datetime.fromtimestamp(millis / 1000, tz=dt.UTC)


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _index(items: Any, key: str) -> dict[str, dict[str, Any]]:
    return {
        str(item[key]): item
        for item in _list(items)
        if isinstance(item, dict) and key in item
    }


class _Includes:
    """A page's `includes`, indexed on first use."""

    def __init__(self, includes: Any) -> None:
        self._raw = _dict(includes)
        self._cache: dict[str, dict[str, dict[str, Any]]] = {}
        self.authors: dict[Any, _Author] = {}
        self.places: dict[str, tuple[tuple[float, float] | None, str]] = {}

    def _get(self, kind: str, key: str, value: Any) -> dict[str, Any] | None:
        if value is None:
            return None
        if kind not in self._cache:
            self._cache[kind] = _index(self._raw.get(kind), key)
        return self._cache[kind].get(str(value))

    def user(self, user_id: Any) -> dict[str, Any] | None:
        return self._get("users", "id", user_id)

    def place(self, place_id: Any) -> dict[str, Any] | None:
        return self._get("places", "id", place_id)

    def media(self, key: Any) -> dict[str, Any] | None:
        return self._get("media", "media_key", key)

    def tweet(self, post_id: Any) -> dict[str, Any] | None:
        return self._get("tweets", "id", post_id)


def _expand_urls(text: str, entities: Any) -> str:
    """Put the real link in place of each t.co short link."""
    for url in _list(_dict(entities).get("urls")):
        if not isinstance(url, dict):
            continue
        short, expanded = url.get("url"), url.get("expanded_url")
        if (
            isinstance(short, str)
            and isinstance(expanded, str)
            and short
            and len(expanded) <= 2000
        ):
            text = text.replace(short, expanded)
    return text


def _author_meta(user: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    followers = _dict(user.get("public_metrics")).get("followers_count")
    if isinstance(followers, int) and not isinstance(followers, bool):
        meta["followers_count"] = followers
    if isinstance(user.get("verified"), bool):
        meta["verified"] = user["verified"]
    if isinstance(user.get("verified_type"), str):
        meta["verified_type"] = user["verified_type"][:20]
    if isinstance(user.get("created_at"), str):
        meta["created_at"] = user["created_at"][:40]
    return meta


_Author = tuple[str, str, str, dict[str, Any]]  # handle, name, id, meta
_NO_AUTHOR: _Author = ("", "", "", {})


def _read_author(user: dict[str, Any]) -> _Author:
    handle = _str(user.get("username"))
    return (
        handle if _HANDLE.match(handle) else "",
        clean_text(_str(user.get("name")))[:200],
        x_id(user.get("id")) or "",
        _author_meta(user),
    )


def _author(tweet: dict[str, Any], includes: _Includes) -> _Author:
    embedded = tweet.get("author")  # twarc's flattened form carries it inline
    if isinstance(embedded, dict):
        return _read_author(embedded)
    key = tweet.get("author_id")
    if not isinstance(key, str | int) or isinstance(key, bool):
        return _NO_AUTHOR
    found = includes.authors.get(key)  # authors repeat within a page: read each once
    if found is None:
        user = includes.user(key)
        found = includes.authors[key] = _read_author(user) if user else _NO_AUTHOR
    return found


def _media(tweet: dict[str, Any], includes: _Includes) -> list[dict[str, Any]]:
    attachments = tweet.get("attachments")
    if not isinstance(attachments, dict):
        return []
    items = [m for m in _list(attachments.get("media")) if isinstance(m, dict)]
    if not items:
        items = [
            found
            for key in _list(attachments.get("media_keys"))
            if (found := includes.media(key)) is not None
        ]
    media = []
    for item in items:
        url = item.get("url") or item.get("preview_image_url") or ""
        entry: dict[str, Any] = {
            "type": str(item.get("type") or "")[:20],
            "url": url[:500] if isinstance(url, str) else "",
        }
        if isinstance(item.get("alt_text"), str):
            entry["alt_text"] = clean_text(item["alt_text"])[:1000]
        media.append(entry)
    return media


def _point(geo: dict[str, Any]) -> tuple[float, float] | None:
    coordinates = _dict(geo.get("coordinates"))
    pair = coordinates.get("coordinates")
    if coordinates.get("type") != "Point" or not isinstance(pair, list | tuple):
        return None
    if len(pair) != 2 or not all(
        isinstance(c, int | float) and not isinstance(c, bool) for c in pair
    ):
        return None
    lon, lat = float(pair[0]), float(pair[1])
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return lon, lat


def _box_centre(place: dict[str, Any]) -> tuple[float, float] | None:
    """The centre of a place's box when the box is small enough to mean a spot."""
    box = _dict(place.get("geo")).get("bbox")
    if not isinstance(box, list) or len(box) != 4:
        return None
    if not all(isinstance(c, int | float) and not isinstance(c, bool) for c in box):
        return None
    west, south, east, north = (float(c) for c in box)
    if not (
        -180 <= west <= east <= 180
        and -90 <= south <= north <= 90
        and all(math.isfinite(c) for c in (west, south, east, north))
    ):
        return None
    mid_lat = (south + north) / 2
    width_km = (east - west) * 111.32 * math.cos(math.radians(mid_lat))
    height_km = (north - south) * 110.57
    if math.hypot(width_km, height_km) >= SMALL_PLACE_KM:
        return None
    return (west + east) / 2, mid_lat


def _read_place(place: dict[str, Any]) -> tuple[tuple[float, float] | None, str]:
    name = place.get("full_name") or place.get("name") or ""
    name = clean_text(name)[:200] if isinstance(name, str) else ""
    return _box_centre(place), name


def _location(
    tweet: dict[str, Any], includes: _Includes
) -> tuple[tuple[float, float] | None, str]:
    geo = tweet.get("geo")
    if not isinstance(geo, dict):
        return None, ""
    place = geo.get("place")
    if isinstance(place, dict):
        centre, name = _read_place(place)
    else:
        key = geo.get("place_id")
        found = includes.places.get(key) if isinstance(key, str) else None
        if found is None:
            place = includes.place(key)
            found = _read_place(place) if place else (None, "")
            if isinstance(key, str):
                includes.places[key] = found
        centre, name = found
    return _point(geo) or centre, name


def _lang(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    code = value.strip().lower()[:8]
    if code in _NO_LANG or code.startswith("q"):  # qme, qht, qst…: no language
        return ""
    return code


def _post(tweet: Any, includes: _Includes) -> RawPost | RejectedRecord:
    """One `data` item as a RawPost, or the reason it cannot be one."""
    if not isinstance(tweet, dict):
        return RejectedRecord("X post is not a JSON object", _excerpt(tweet))
    post_id = x_id(tweet.get("id"))
    if post_id is None:
        return RejectedRecord("X post without a valid id", _excerpt(tweet))
    text = tweet.get("text")
    if not isinstance(text, str):
        return RejectedRecord(f"X post {post_id} has no text", _excerpt(tweet))
    posted_at = _time(tweet.get("created_at")) or _snowflake_time(post_id)
    if posted_at is None:
        return RejectedRecord(
            f"X post {post_id} has no valid created_at", _excerpt(tweet)
        )

    entities = tweet.get("entities")
    repost_of = ""
    media = _media(tweet, includes)
    raw = tweet
    for ref in _list(tweet.get("referenced_tweets")):
        if not isinstance(ref, dict) or ref.get("type") != "retweeted":
            continue  # quotes and replies stay posts of their own; raw keeps the link
        repost_of = x_id(ref.get("id")) or ""
        original = ref if "text" in ref else includes.tweet(repost_of)
        if original and isinstance(original.get("text"), str):
            # the retweet's own text is cut at 140 characters; the original is whole
            text, entities = original["text"], original.get("entities")
            media = media or _media(original, includes)
        break

    history = [i for i in map(x_id, _list(tweet.get("edit_history_tweet_ids"))) if i]
    if len(history) > 1 and history[0] != post_id:
        raw = {**tweet, "edit_of": history[0]}  # the edited version of a post
    if "__twarc" in raw:
        raw = {k: v for k, v in raw.items() if k != "__twarc"}

    handle, name, user_id, meta = _author(tweet, includes)
    geo, place = _location(tweet, includes)
    return RawPost(
        platform=PLATFORM,
        external_id=post_id,
        text=clean_text(html.unescape(_expand_urls(text, entities))),
        posted_at=posted_at,
        url=(
            f"https://x.com/{handle}/status/{post_id}"
            if handle
            else f"https://x.com/i/web/status/{post_id}"
        ),
        author_handle=handle,
        author_name=name,
        author_id=x_id(tweet.get("author_id")) or user_id,
        author_meta=dict(meta),
        lang_hint=_lang(tweet.get("lang")),
        media=media,
        geo=geo,
        place_hint=place,
        repost_of_external_id=repost_of,
        raw=raw,
    )


def _api_error(error: Any) -> RejectedRecord:
    """An `errors` item of a page (a post or user X could not return)."""
    if not isinstance(error, dict):
        return RejectedRecord("X API error", _excerpt(error))
    title = str(error.get("title") or "error")
    detail = str(error.get("detail") or error.get("message") or "")
    reason = f"X API error: {title}" + (f": {detail}" if detail else "")
    return RejectedRecord(clean_text(reason)[:300], _excerpt(error))


_PAGE_KEYS = ("data", "includes", "errors", "meta")


def parse_page(page: Any) -> FetchResult:
    """One v2 response page (or one twarc "flattened" post) as posts and rejections.

    `usage` is the number of posts X returned (what counts against the cap);
    the cursor is left empty: `meta` is the caller's business.
    """
    if not isinstance(page, dict):
        return FetchResult(
            posts=[], rejected=[RejectedRecord("not an X page", _excerpt(page))]
        )
    if not any(key in page for key in _PAGE_KEYS):
        if "id" in page and "text" in page:  # a flattened post
            items: list[Any] = [page]
        else:
            return FetchResult(
                posts=[],
                rejected=[RejectedRecord("not an X page or post", _excerpt(page))],
            )
    else:
        data = page.get("data")
        items = data if isinstance(data, list) else [] if data is None else [data]
    includes = _Includes(page.get("includes"))
    posts: list[RawPost] = []
    rejected: list[RejectedRecord] = []
    for item in items:
        result = _post(item, includes)
        if isinstance(result, RawPost):
            posts.append(result)
        else:
            rejected.append(result)
    rejected.extend(_api_error(error) for error in _list(page.get("errors")))
    return FetchResult(posts=posts, rejected=rejected, usage=len(items))


def parse_stream_line(
    line: bytes | str, *, number: int
) -> tuple[FetchResult, list[str]]:
    """One filtered-stream line: its posts and the tags of the rules it matched."""
    try:
        message = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
        return FetchResult(
            posts=[],
            rejected=[RejectedRecord(f"malformed JSON line {number}", text[:_EXCERPT])],
        ), []
    if not isinstance(message, dict):
        return FetchResult(
            posts=[],
            rejected=[RejectedRecord(f"line {number} is not an X stream message")],
        ), []
    tags = [
        str(rule["tag"])
        for rule in _list(message.get("matching_rules"))
        if isinstance(rule, dict) and rule.get("tag") is not None
    ]
    return parse_page(message), tags


# --- files ----------------------------------------------------------------------
def _lines(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield number, line


def _unwrap(item: Any) -> Any:
    """A recorded HTTP exchange ({method, uri, status, json}) stands for its page."""
    if isinstance(item, dict) and "uri" in item and "json" in item:
        return item["json"]
    return item


def _merge(into: FetchResult, page: FetchResult) -> None:
    into.posts.extend(page.posts)
    into.rejected.extend(page.rejected)
    into.usage += page.usage


def parse_file(data: bytes, *, fmt: str) -> FetchResult:
    """Posts and rejections from a file of recorded X payloads.

    fmt "x": v2 response pages, as one JSON object, a JSON array of pages, or
    JSONL with one page per line (twarc's files work, envelope and all).
    fmt "x-stream": filtered-stream lines; blank keep-alive lines are skipped.
    A line that is not JSON is rejected ("malformed JSON line N") and the rest
    goes on. ValueError when an "x" file holds no JSON at all (a stream file
    of broken lines is read as that many rejections).
    """
    if fmt not in {"x", "x-stream"}:
        raise ValueError(f"the X reader does not handle format {fmt!r}")
    text = data.decode("utf-8-sig", errors="replace")
    result = FetchResult(posts=[])
    if not text.strip():
        return result
    if fmt == "x":
        try:
            whole = json.loads(text)
        except ValueError:
            pass
        else:
            for page in whole if isinstance(whole, list) else [whole]:
                _merge(result, parse_page(_unwrap(page)))
            return result
    if fmt == "x-stream":  # a stream is a series of records: a bad one is rejected
        for number, line in _lines(text):
            _merge(result, parse_stream_line(line, number=number)[0])
        return result
    readable = 0
    for number, line in _lines(text):
        try:
            message = json.loads(line)
        except ValueError:
            result.rejected.append(
                RejectedRecord(f"malformed JSON line {number}", line[:_EXCERPT])
            )
            continue
        readable += 1
        _merge(result, parse_page(_unwrap(message)))
    if not readable:
        bad = len(result.rejected)
        raise ValueError(
            "malformed JSON" if bad == 1 else f"malformed JSON on all {bad} lines"
        )
    return result
