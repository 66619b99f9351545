"""Bluesky: app.bsky.feed.searchPosts on a public AppView, and recorded payloads.

Cursor (Source.cursor): `newest` is the newest "sortAt" time fully read (sortAt is
the earlier of createdAt and indexedAt, the time `since` filters on). Search
returns newest first, so a round asks for posts since a little before `newest`
(OVERLAP: a post indexed late sorts before posts already read) and walks older
pages with the API `cursor` (stored as `page`, so a crash resumes the round);
`newest` moves forward only when the round is over. `seen` holds the uris of the
overlap window so that re-read posts are left out of the batch.

Post views become posts in bluesky_post (facets on UTF-8 bytes, embeds, reposts).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, ClassVar

from monitoring.connectors import register
from monitoring.connectors.base import (
    Connector,
    SourceConfigError,
    SourceTemporarilyUnavailable,
)
from monitoring.connectors.bluesky_post import (
    PLATFORM,
    POST_URI,
    feed_item_posts,
    post_from_view,
    time_or_none,
)
from monitoring.connectors.social_http import (
    BadRecord,
    base_url,
    bearer_headers,
    excerpt,
    exchange_payloads,
    get_json,
    is_exchange,
    iso,
    load_documents,
    new_session,
)
from monitoring.pipeline.types import FetchResult, RejectedRecord

DEFAULT_APPVIEW = "https://public.api.bsky.app/xrpc"
PAGE_LIMIT = 100  # searchPosts maximum
OVERLAP = dt.timedelta(seconds=60)
MAX_SEEN = 500
MAX_ROUND_PAGES = 20
MAX_THREAD_POSTS = 1000

_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


@register
class BlueskyConnector(Connector):
    """params: {"query": "…", "lang": optional "fr", "appview": optional base URL,
    "limit": optional 1-100}. credentials: optional access token (some AppViews
    require a signed-in user for search)."""

    platform: ClassVar[str] = PLATFORM

    def __init__(self, *, params: dict[str, Any], credentials: str | None) -> None:
        self.session = new_session()
        super().__init__(params=params, credentials=credentials)

    def validate(self) -> None:
        params = self.params
        query = params.get("query")
        if not isinstance(query, str) or not 0 < len(query.strip()) <= 500:
            raise SourceConfigError("the search query must be 1 to 500 characters")
        self.query = query.strip()
        lang = params.get("lang") or ""
        if lang and (not isinstance(lang, str) or not _LANG.match(lang)):
            raise SourceConfigError("lang must be a language code such as fr or en")
        self.lang = lang
        self.appview = base_url(
            params.get("appview") or DEFAULT_APPVIEW, what="AppView", allow_path=True
        )
        limit = params.get("limit", PAGE_LIMIT)
        if (
            not isinstance(limit, int)
            or isinstance(limit, bool)
            or not 0 < limit <= 100
        ):
            raise SourceConfigError("limit must be between 1 and 100")
        self.limit = limit
        self.headers = bearer_headers(self.credentials)
        self.key = f"{self.appview}|{self.lang}|{self.query}"

    def fetch(self, *, cursor: dict[str, Any]) -> FetchResult:
        state = cursor if cursor.get("key") == self.key else {}
        newest = time_or_none(state.get("newest"))
        round_newest = time_or_none(state.get("round_newest"))
        page = state.get("page")
        page = page if isinstance(page, str) else ""
        pages = state.get("pages")
        pages = pages if isinstance(pages, int) else 0
        floor = newest - OVERLAP if newest else None
        params: dict[str, Any] = {
            "q": self.query,
            "sort": "latest",
            "limit": self.limit,
        }
        if self.lang:
            params["lang"] = self.lang
        if floor:
            params["since"] = iso(floor)
        if page:
            params["cursor"] = page[:2000]
        data, _response = get_json(
            self.session,
            f"{self.appview}/app.bsky.feed.searchPosts",
            params=params,
            headers=self.headers,
            what="Bluesky search",
        )
        items = data.get("posts") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise SourceTemporarilyUnavailable(
                "Bluesky: the search response has no posts"
            )
        seen = _seen(state)
        result = FetchResult(posts=[])
        oldest: dt.datetime | None = None
        for item in items:
            try:
                post, sort_at = post_from_view(item)
            except BadRecord as exc:
                result.rejected.append(RejectedRecord(str(exc), excerpt(item)))
                continue
            oldest = sort_at if oldest is None else min(oldest, sort_at)
            round_newest = (
                sort_at if round_newest is None else max(round_newest, sort_at)
            )
            if post.external_id in seen or (floor and sort_at < floor):
                continue  # read in an earlier round, or older than the window
            seen[post.external_id] = sort_at
            result.posts.append(post)
        api_cursor = data.get("cursor")
        if (
            newest
            and isinstance(api_cursor, str)
            and api_cursor
            and api_cursor != page
            and items
            and (oldest is None or floor is None or oldest >= floor)
            and pages + 1 < MAX_ROUND_PAGES
        ):
            next_state: dict[str, Any] = {
                "newest": iso(newest),
                "page": api_cursor,
                "pages": pages + 1,
            }
            if round_newest:
                next_state["round_newest"] = iso(round_newest)
            result.more = True
            watermark: dt.datetime | None = newest
        else:
            top = max((t for t in (newest, round_newest) if t), default=None)
            next_state = {"newest": iso(top)} if top else {}
            watermark = top
        if watermark is not None:
            next_state["seen"] = _prune_seen(seen, watermark - OVERLAP)
        result.cursor = {"key": self.key, **next_state} if next_state else {}
        return result


def _seen(state: dict[str, Any]) -> dict[str, dt.datetime]:
    seen = state.get("seen")
    result: dict[str, dt.datetime] = {}
    if isinstance(seen, dict):
        for uri, when in seen.items():
            if isinstance(uri, str) and (parsed := time_or_none(when)):
                result[uri] = parsed
    return result


def _prune_seen(seen: dict[str, dt.datetime], floor: dt.datetime) -> dict[str, str]:
    kept = sorted(((t, u) for u, t in seen.items() if t >= floor), reverse=True)
    return {uri: iso(when) for when, uri in kept[:MAX_SEEN]}


# --- files ---------------------------------------------------------------------------
def parse_file(data: bytes, *, fmt: str) -> FetchResult:
    """Posts of a file of recorded Bluesky payloads.

    Accepted: searchPosts or getPosts responses ({"posts": [...]}), feed responses
    ({"feed": [{post, reason}]}), getPostThread ({"thread"}), getRecord of a post
    ({uri, value}), a JSON array of post views, JSON lines of any of these, or recorded
    exchanges ([{method, uri, request_body, status, json}]: post-bearing responses are
    read, the rest ignored). Bad records are rejected with a reason; ValueError only
    when the file is unreadable or holds none of these.
    """
    if fmt != PLATFORM:
        raise ValueError(f"unsupported format {fmt!r} for Bluesky files")
    documents, rejected = load_documents(data)
    result = FetchResult(posts=[], rejected=rejected)
    recognised = False
    for document in documents:
        if isinstance(document, list) and document and is_exchange(document[0]):
            recognised = True
            for payload in exchange_payloads(document):
                _read_payload(payload, result)
            continue
        if isinstance(document, list):
            recognised = True
            _read_items(document, result, feed=False)
        elif not _read_payload(document, result):
            result.rejected.append(
                RejectedRecord(
                    "not a Bluesky posts, feed or thread response", excerpt(document)
                )
            )
        else:
            recognised = True
    if not recognised:
        raise ValueError("no Bluesky posts in this file")
    return result


def _read_payload(payload: Any, result: FetchResult) -> bool:
    """Add the posts of one response to `result`; False when it carries no posts."""
    if not isinstance(payload, dict):
        return False
    if isinstance(payload.get("posts"), list):
        _read_items(payload["posts"], result, feed=False)
    elif isinstance(payload.get("feed"), list):
        _read_items(payload["feed"], result, feed=True)
    elif isinstance(payload.get("thread"), dict):
        _read_items(_thread_posts(payload["thread"]), result, feed=False)
    elif isinstance(payload.get("value"), dict) and isinstance(payload.get("uri"), str):
        value = payload["value"]
        if value.get("$type") not in (None, "app.bsky.feed.post"):
            return False
        match = POST_URI.match(payload["uri"])
        view = {
            "uri": payload["uri"],
            "cid": payload.get("cid"),
            "author": {"did": match.group(1) if match else ""},
            "record": value,
        }
        _read_items([view], result, feed=False)
    else:
        return False
    return True


def _read_items(items: list[Any], result: FetchResult, *, feed: bool) -> None:
    for item in items:
        try:
            if feed or (
                isinstance(item, dict) and "post" in item and "uri" not in item
            ):
                posts, problem = feed_item_posts(item)
                result.posts.extend(posts)
                if problem:
                    result.rejected.append(RejectedRecord(problem, excerpt(item)))
            else:
                result.posts.append(post_from_view(item)[0])
        except BadRecord as exc:
            result.rejected.append(RejectedRecord(str(exc), excerpt(item)))


def _thread_posts(thread: dict[str, Any]) -> list[Any]:
    """Post views of a thread (the post, its parents, its replies), bounded."""
    views: list[Any] = []
    stack: list[Any] = [thread]
    while stack and len(views) < MAX_THREAD_POSTS:
        node = stack.pop()
        if not isinstance(node, dict) or not isinstance(node.get("post"), dict):
            continue  # notFoundPost, blockedPost
        views.append(node["post"])
        stack.append(node.get("parent"))
        replies = node.get("replies")
        if isinstance(replies, list):
            stack.extend(replies)
    return views
