"""Mastodon: a hashtag timeline or a status search on one instance, and recorded payloads.

Cursor (Source.cursor): `min_id` is the newest status id fully read; it only moves
forward, once a round of pages is over. A round starts a little *before* it
(OVERLAP) because Mastodon gives a late-federated remote status an id made from
its publication time, i.e. possibly below ids already read; `seen` (ids of that
window) keeps those re-read statuses out of the batch. Within a round the
timeline moves with the Link header (rel="prev" carries the next `min_id`) and
the search with `offset`; both are stored so that a crash resumes the round.

Posts are keyed by the status `uri` (its ActivityPub id): the numeric `id` is
local to the instance queried, while the `uri` is the same everywhere, so a
status seen through two instances (or reblogged on another) is one post.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from typing import Any, ClassVar
from urllib.parse import parse_qs, quote, urlsplit

from monitoring.connectors import register
from monitoring.connectors.base import (
    Connector,
    SourceConfigError,
    SourceTemporarilyUnavailable,
)
from monitoring.connectors.mastodon_status import PLATFORM, status_posts, valid_id
from monitoring.connectors.social_http import (
    BadRecord,
    base_url,
    bearer_headers,
    excerpt,
    exchange_payloads,
    get_json,
    is_exchange,
    load_documents,
    new_session,
)
from monitoring.pipeline.types import FetchResult, RejectedRecord

PAGE_LIMIT = 40  # Mastodon's maximum for timelines and search
OVERLAP_MS = 120_000  # re-read this much before min_id (late federation)
MAX_SEEN = 500
MAX_SEARCH_OFFSET = 400

_HASHTAG = re.compile(r"^#?([\w\u00b7]{1,100})$")


@register
class MastodonConnector(Connector):
    """params: {"instance": "https://…", "hashtag": "…"} or {"instance": …, "query": "…"};
    optional "limit" (1-40). credentials: an access token (needed by search on most
    instances, and by timelines on instances that close them to anonymous readers)."""

    platform: ClassVar[str] = PLATFORM

    def __init__(self, *, params: dict[str, Any], credentials: str | None) -> None:
        self.session = new_session()
        super().__init__(params=params, credentials=credentials)

    def validate(self) -> None:
        params = self.params
        self.instance = base_url(params.get("instance"), what="instance")
        self.host = urlsplit(self.instance).netloc
        hashtag, query = params.get("hashtag"), params.get("query")
        if bool(hashtag) == bool(query):
            raise SourceConfigError("give either a hashtag or a search query")
        self.hashtag = ""
        self.query = ""
        if hashtag:
            match = (
                _HASHTAG.match(hashtag.strip()) if isinstance(hashtag, str) else None
            )
            if match is None:
                raise SourceConfigError("the hashtag must be one word, without spaces")
            self.hashtag = match.group(1)
        else:
            if not isinstance(query, str) or not 0 < len(query.strip()) <= 500:
                raise SourceConfigError("the search query must be 1 to 500 characters")
            self.query = query.strip()
        limit = params.get("limit", PAGE_LIMIT)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 0 < limit <= 40:
            raise SourceConfigError("limit must be between 1 and 40")
        self.limit = limit
        self.headers = bearer_headers(self.credentials)
        target = f"tag:{self.hashtag.lower()}" if self.hashtag else f"q:{self.query}"
        self.key = f"{self.host}|{target}"

    def fetch(self, *, cursor: dict[str, Any]) -> FetchResult:
        state = cursor if cursor.get("key") == self.key else {}
        if self.hashtag:
            return self._fetch_timeline(state)
        return self._fetch_search(state)

    # --- hashtag timeline: forward with min_id, Link rel="prev" --------------------
    def _fetch_timeline(self, state: dict[str, Any]) -> FetchResult:
        watermark = valid_id(state.get("min_id"))
        resume = valid_id(state.get("next_min_id"))
        params: dict[str, Any] = {"limit": self.limit}
        if watermark:
            params["min_id"] = resume or _overlap_start(watermark)
        url = f"{self.instance}/api/v1/timelines/tag/{quote(self.hashtag, safe='')}"
        data, response = get_json(
            self.session,
            url,
            params=params,
            headers=self.headers,
            what=f"Mastodon #{self.hashtag}",
        )
        if not isinstance(data, list):
            raise SourceTemporarilyUnavailable(
                "Mastodon: the timeline is not a list of statuses"
            )
        seen = _seen_ids(state)
        result, page_ids = _parse_page(data, skip=seen)
        page_top = _max_id([*page_ids, _link_min_id(response, self.host)])
        seen.update(page_ids)
        requested = params.get("min_id")
        if (
            watermark
            and len(data) >= self.limit
            and page_top
            and (requested is None or _id_key(page_top) > _id_key(requested))
        ):
            next_state = {"min_id": watermark, "next_min_id": page_top}
            result.more = True
        else:
            top = _max_id([watermark, resume, page_top])
            next_state = {"min_id": top} if top else {}
        result.cursor = self._state(next_state, seen)
        return result

    # --- search v2: newest first, offset within a round ------------------------------
    def _fetch_search(self, state: dict[str, Any]) -> FetchResult:
        watermark = valid_id(state.get("min_id"))
        offset = state.get("offset", 0)
        offset = offset if isinstance(offset, int) and offset >= 0 else 0
        round_top = valid_id(state.get("round_top"))
        params: dict[str, Any] = {
            "q": self.query,
            "type": "statuses",
            "limit": self.limit,
            "resolve": "false",
        }
        if watermark:
            params["min_id"] = _overlap_start(watermark)
        if offset:
            params["offset"] = offset
        data, _response = get_json(
            self.session,
            f"{self.instance}/api/v2/search",
            params=params,
            headers=self.headers,
            what="Mastodon search",
        )
        statuses = data.get("statuses") if isinstance(data, dict) else None
        if not isinstance(statuses, list):
            raise SourceTemporarilyUnavailable(
                "Mastodon: the search response has no statuses"
            )
        seen = _seen_ids(state)
        result, page_ids = _parse_page(statuses, skip=seen)
        seen.update(page_ids)
        top = _max_id([round_top, *page_ids])
        # `offset` needs a signed-in user on Mastodon: without a token, one page a poll.
        if (
            watermark
            and self.headers
            and len(statuses) >= self.limit
            and offset + len(statuses) < MAX_SEARCH_OFFSET
        ):
            next_state: dict[str, Any] = {
                "min_id": watermark,
                "offset": offset + len(statuses),
            }
            if top:
                next_state["round_top"] = top
            result.more = True
        else:
            newest = _max_id([watermark, top])
            next_state = {"min_id": newest} if newest else {}
        result.cursor = self._state(next_state, seen)
        return result

    def _state(self, state: dict[str, Any], seen: set[str]) -> dict[str, Any]:
        watermark = state.get("min_id")
        if watermark:
            state["seen"] = _prune_seen(seen, watermark)
        return {"key": self.key, **state} if state else {}


# --- ids and cursors -----------------------------------------------------------------
def _id_key(value: str) -> tuple[int, str]:
    """Order of Mastodon ids: numeric strings by value, others (ULIDs) as text."""
    return (len(value), value) if value.isdigit() else (0, value)


def _max_id(values: list[str]) -> str:
    valid = [v for v in values if v]
    return max(valid, key=_id_key) if valid else ""


def _snowflake_ms(value: str) -> int | None:
    """Milliseconds since the epoch encoded in a Mastodon snowflake id, if it is one."""
    if not value.isdigit():
        return None
    number = int(value)
    millis = number >> 16
    return millis if 1_000_000_000_000 <= millis < 10_000_000_000_000 else None


def _overlap_start(watermark: str) -> str:
    millis = _snowflake_ms(watermark)
    if millis is None:
        return watermark
    return str((millis - OVERLAP_MS) << 16)


def _seen_ids(state: dict[str, Any]) -> set[str]:
    seen = state.get("seen")
    return {v for v in seen if valid_id(v)} if isinstance(seen, list) else set()


def _prune_seen(seen: set[str], watermark: str) -> list[str]:
    start = _id_key(_overlap_start(watermark))
    kept = sorted((v for v in seen if _id_key(v) > start), key=_id_key)
    return kept[-MAX_SEEN:]


def _link_min_id(response: Any, host: str) -> str:
    """The min_id of the Link header's rel="prev" URL (the page of newer statuses)."""
    link = response.links.get("prev") if response is not None else None
    if not link or not isinstance(link.get("url"), str):
        return ""
    parts = urlsplit(link["url"])
    if parts.netloc.lower() != host.lower():
        return ""  # never follow a link that leaves the instance
    values = parse_qs(parts.query).get("min_id") or []
    return valid_id(values[0]) if values else ""


# --- statuses → posts --------------------------------------------------------------
def _parse_page(
    items: list[Any], *, skip: AbstractSet[str] = frozenset()
) -> tuple[FetchResult, list[str]]:
    """Posts and rejections of a list of statuses, and every valid id on it (for cursors).

    Statuses whose id is in `skip` were read in an earlier round and are left out.
    """
    result = FetchResult(posts=[])
    ids: list[str] = []
    for item in items:
        status_id = valid_id(item.get("id")) if isinstance(item, dict) else ""
        if status_id:
            ids.append(status_id)
            if status_id in skip:
                continue
        try:
            result.posts.extend(status_posts(item))
        except BadRecord as exc:
            result.rejected.append(RejectedRecord(str(exc), excerpt(item)))
    return result, ids


# --- files ---------------------------------------------------------------------------
def parse_file(data: bytes, *, fmt: str) -> FetchResult:
    """Posts of a file of recorded Mastodon payloads.

    Accepted: a JSON array of statuses, a search v2 response ({"statuses": [...]}),
    a status context ({"ancestors", "descendants"}), one status, JSON lines of any of
    these, or recorded exchanges ([{method, uri, request_body, status, json}], whose
    status-bearing responses are read and the rest ignored). Bad records are rejected
    with a reason; ValueError only when the file is unreadable or holds none of these.
    """
    if fmt != PLATFORM:
        raise ValueError(f"unsupported format {fmt!r} for Mastodon files")
    documents, rejected = load_documents(data)
    result = FetchResult(posts=[], rejected=rejected)
    recognised = False
    for document in documents:
        if isinstance(document, list) and document and is_exchange(document[0]):
            recognised = True
            for payload in exchange_payloads(document):
                statuses = _statuses_in(payload, strict=False)
                if statuses is not None:
                    _extend(result, _parse_page(statuses)[0])
            continue
        statuses = _statuses_in(document, strict=True)
        if statuses is None:
            result.rejected.append(
                RejectedRecord(
                    "not a status, a list of statuses or a search result",
                    excerpt(document),
                )
            )
            continue
        recognised = True
        _extend(result, _parse_page(statuses)[0])
    if not recognised:
        raise ValueError("no Mastodon statuses in this file")
    return result


def _extend(result: FetchResult, page: FetchResult) -> None:
    result.posts.extend(page.posts)
    result.rejected.extend(page.rejected)


def _looks_like_status(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and "id" in item
        and "account" in item
        and ("content" in item or "reblog" in item)
    )


def _statuses_in(payload: Any, *, strict: bool) -> list[Any] | None:
    """The statuses a payload carries, or None if it carries none.

    strict: the file claims to hold statuses, so every item of a list is one
    (malformed ones are rejected); otherwise (a recording) only lists that
    visibly hold statuses count, and accounts, tags or notifications are skipped.
    """
    if isinstance(payload, list):
        if strict or any(_looks_like_status(item) for item in payload):
            return payload
        return None
    if not isinstance(payload, dict):
        return None
    if isinstance(payload.get("statuses"), list):
        return list(payload["statuses"])
    if isinstance(payload.get("ancestors"), list) or isinstance(
        payload.get("descendants"), list
    ):
        return [
            *(payload.get("ancestors") or []),
            *(payload.get("descendants") or []),
        ]
    if _looks_like_status(payload) or (
        strict and ("content" in payload or "account" in payload)
    ):
        return [payload]
    return None
