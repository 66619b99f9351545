"""Test helpers for the Mastodon and Bluesky connectors: a requests transport adapter
that answers like a small Mastodon instance or Bluesky AppView (min_id/max_id and Link
headers, searchPosts with since/cursor), builders for statuses and post views, and
loaders for the recorded payloads in ../shared/data and our fixtures. No network."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from monitoring.connectors.social_http import new_session

DATA = Path(__file__).resolve().parent / "data"
MASTODON_HOST = "social.example.fr"
MASTODON = f"https://{MASTODON_HOST}"
APPVIEW = "https://public.api.bsky.app/xrpc"


@dataclass
class Answer:
    """What the fake server sends back: a status, headers and a JSON (or raw) body."""

    status: int = 200
    json: Any = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Seen:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    timeout: Any


class FakeServer(BaseAdapter):
    """Answer every request through `handler`; `queue` answers (or exceptions) first.

    Bodies are streamed from a BytesIO, like a real socket, so size limits and
    iter_content are exercised. Every request is kept in `seen`.
    """

    def __init__(self, handler: Callable[[Seen], Answer]) -> None:
        super().__init__()
        self.handler = handler
        self.queue: list[Answer | Exception] = []
        self.seen: list[Seen] = []

    def send(
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        url = urlsplit(request.url or "")
        seen = Seen(
            method=request.method or "",
            path=url.path,
            params={k: v[0] for k, v in parse_qs(url.query).items()},
            headers=dict(request.headers),
            timeout=kwargs.get("timeout"),
        )
        self.seen.append(seen)
        answer = self.queue.pop(0) if self.queue else self.handler(seen)
        if isinstance(answer, Exception):
            raise answer
        body = (
            answer.body
            if answer.body is not None
            else json.dumps(answer.json).encode("utf-8")
        )
        response = requests.Response()
        response.status_code = answer.status
        response.reason = "OK" if answer.status < 400 else "Error"
        response.headers = CaseInsensitiveDict(
            {"Content-Type": "application/json; charset=utf-8", **answer.headers}
        )
        response.raw = io.BytesIO(body)
        response.url = request.url or ""
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass


def mounted_session(adapter: BaseAdapter) -> requests.Session:
    """The connectors' own session (User-Agent…) with `adapter` in place of the network."""
    session = new_session()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


# --- a small Mastodon instance -----------------------------------------------------------
def snowflake(when: str | dt.datetime, seq: int = 0) -> str:
    """A Mastodon id for a time: milliseconds since the epoch << 16, plus a sequence."""
    if isinstance(when, str):
        when = dt.datetime.fromisoformat(when.replace("Z", "+00:00"))
    return str((int(when.timestamp() * 1000) << 16) + seq)


def make_account(acct: str = "marie_gard", **extra: Any) -> dict[str, Any]:
    return {
        "id": str(abs(hash(acct)) % 10**8),
        "username": acct.split("@")[0],
        "acct": acct,
        "display_name": acct.title(),
        "bot": False,
        "locked": False,
        "created_at": "2022-11-02T00:00:00.000Z",
        "url": f"{MASTODON}/@{acct.split('@')[0]}",
        "followers_count": 10,
        **extra,
    }


def make_status(
    when: str, text: str, *, seq: int = 0, acct: str = "marie_gard", **extra: Any
) -> dict[str, Any]:
    status_id = snowflake(when, seq)
    account = make_account(acct)
    return {
        "id": status_id,
        "created_at": when,
        "uri": f"{MASTODON}/users/{account['username']}/statuses/{status_id}",
        "url": f"{MASTODON}/@{account['username']}/{status_id}",
        "spoiler_text": "",
        "language": "fr",
        "content": f"<p>{text}</p>",
        "reblog": None,
        "account": account,
        "media_attachments": [],
        "tags": [],
        "mentions": [],
        **extra,
    }


class FakeMastodon:
    """Tag timelines and search v2 over `statuses`, with Mastodon's paging rules:
    min_id gives the oldest statuses after it (returned newest first), max_id/since_id
    the newest; Link carries rel="next" (max_id) and rel="prev" (min_id)."""

    def __init__(self, statuses: list[dict[str, Any]] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.adapter = FakeServer(self.handle)

    def handle(self, seen: Seen) -> Answer:
        if seen.path.startswith("/api/v1/timelines/tag/"):
            return self.timeline(seen)
        if seen.path == "/api/v2/search":
            return self.search(seen)
        return Answer(404, {"error": "Record not found"})

    def _filtered(self, params: dict[str, str]) -> list[dict[str, Any]]:
        def key(s: dict[str, Any]) -> int:
            return int(s["id"])

        items = sorted(self.statuses, key=key, reverse=True)
        if "max_id" in params:
            items = [s for s in items if key(s) < int(params["max_id"])]
        if "since_id" in params:
            items = [s for s in items if key(s) > int(params["since_id"])]
        if "min_id" in params:
            items = [s for s in items if key(s) > int(params["min_id"])]
        return items

    def timeline(self, seen: Seen) -> Answer:
        params = seen.params
        limit = min(int(params.get("limit", 20)), 40)
        items = self._filtered(params)
        page = list(reversed(items[-limit:])) if "min_id" in params else items[:limit]
        page = sorted(page, key=lambda s: int(s["id"]), reverse=True)
        headers = {}
        if page:
            base = f"{MASTODON}{seen.path}"
            headers["Link"] = (
                f'<{base}?{urlencode({"limit": limit, "max_id": page[-1]["id"]})}>; rel="next", '
                f'<{base}?{urlencode({"limit": limit, "min_id": page[0]["id"]})}>; rel="prev"'
            )
        return Answer(200, page, headers=headers)

    def search(self, seen: Seen) -> Answer:
        params = seen.params
        if "offset" in params and "Authorization" not in seen.headers:
            return Answer(401, {"error": "Search queries with offset require a token"})
        query = params.get("q", "").lower()
        items = [
            s for s in self._filtered(params) if query in s.get("content", "").lower()
        ]
        offset = int(params.get("offset", 0))
        limit = min(int(params.get("limit", 20)), 40)
        return Answer(
            200,
            {
                "accounts": [],
                "statuses": items[offset : offset + limit],
                "hashtags": [],
            },
        )


# --- a small Bluesky AppView -------------------------------------------------------------
def make_post(
    rkey: str,
    text: str,
    created: str,
    *,
    indexed: str | None = None,
    did: str = "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa",
    handle: str = "marie.bsky.social",
    langs: tuple[str, ...] = ("fr",),
    **extra: Any,
) -> dict[str, Any]:
    return {
        "uri": f"at://{did}/app.bsky.feed.post/{rkey}",
        "cid": f"bafyrei{rkey}",
        "author": {"did": did, "handle": handle, "displayName": "Marie"},
        "record": {
            "$type": "app.bsky.feed.post",
            "text": text,
            "createdAt": created,
            "langs": list(langs),
        },
        "indexedAt": indexed or created,
        **extra,
    }


def sort_at(post: dict[str, Any]) -> dt.datetime:
    """The time searchPosts sorts and filters on: the earlier of createdAt and indexedAt."""

    def parse(value: str) -> dt.datetime:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))

    return min(parse(post["record"]["createdAt"]), parse(post["indexedAt"]))


class FakeAppView:
    """app.bsky.feed.searchPosts over `posts`: sort=latest, since (inclusive, on sortAt),
    lang, limit, and an opaque cursor (an offset) while results remain."""

    def __init__(self, posts: list[dict[str, Any]] | None = None) -> None:
        self.posts = list(posts or [])
        self.adapter = FakeServer(self.handle)

    def handle(self, seen: Seen) -> Answer:
        if seen.path != "/xrpc/app.bsky.feed.searchPosts":
            return Answer(404, {"error": "MethodNotImplemented"})
        params = seen.params
        if not params.get("q"):
            return Answer(400, {"error": "InvalidRequest", "message": "q is required"})
        query = params["q"].lower()
        items = [p for p in self.posts if query in p["record"]["text"].lower()]
        if "since" in params:
            since = dt.datetime.fromisoformat(params["since"].replace("Z", "+00:00"))
            items = [p for p in items if sort_at(p) >= since]
        if "lang" in params:
            items = [p for p in items if params["lang"] in p["record"].get("langs", [])]
        items.sort(key=sort_at, reverse=True)
        offset = int(params.get("cursor", 0))
        limit = min(int(params.get("limit", 25)), 100)
        page = items[offset : offset + limit]
        body: dict[str, Any] = {"posts": page, "hitsTotal": len(items)}
        if offset + limit < len(items):
            body["cursor"] = str(offset + limit)
        return Answer(200, body)


# --- files -------------------------------------------------------------------------------
def fixture_bytes(platform: str, name: str) -> bytes:
    return (DATA / platform / name).read_bytes()


def fixture(platform: str, name: str) -> Any:
    return json.loads(fixture_bytes(platform, name))


def recorded(shared_data: Path, relative: str) -> Any:
    return json.loads((shared_data / relative).read_text(encoding="utf-8"))


# --- fuzzing ---------------------------------------------------------------------------
_KEYS = [
    "id", "uri", "url", "account", "acct", "content", "created_at", "reblog",
    "spoiler_text", "language", "media_attachments", "card", "quote", "quoted_status",
    "statuses", "record", "author", "did", "handle", "text", "facets", "index",
    "byteStart", "byteEnd", "features", "$type", "tag", "embed", "images", "external",
    "media", "posts", "feed", "post", "reason", "by", "indexedAt", "createdAt", "langs",
    "method", "status", "json", "value", "thread", "replies", "parent",
]  # fmt: skip


def json_values() -> Any:
    """Hypothesis strategy: JSON values whose object keys are the ones parsers look at."""
    from hypothesis import strategies as st

    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False),
        st.text(max_size=30),
        st.sampled_from(
            [
                "2026-10-14T06:00:00.000Z",
                "2026-10-14T06:00:00",
                "https://a.fr/x",
                "javascript:alert(1)",
                "at://did:plc:x/app.bsky.feed.post/3k",
                "app.bsky.embed.images#view",
                "app.bsky.embed.recordWithMedia",
                "app.bsky.feed.defs#reasonRepost",
                "app.bsky.richtext.facet#link",
                "<p>x<script>y</script></p>",
                "117020593741189701",
            ]
        ),
    )
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(st.sampled_from(_KEYS), children, max_size=6),
        ),
        max_leaves=25,
    )


def mutated(items: list[dict[str, Any]]) -> Any:
    """Hypothesis strategy: a real item with some top-level fields replaced by junk."""
    from hypothesis import strategies as st

    return st.builds(
        lambda item, junk: {**item, **junk},
        st.sampled_from(items),
        st.dictionaries(st.sampled_from(_KEYS), json_values(), max_size=3),
    )
