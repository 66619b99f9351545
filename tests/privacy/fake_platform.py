"""A local HTTP server playing Mastodon, Bluesky (AppView) and X for the deletion
and compliance tests, answering with recorded payloads of ../shared/data:

- Mastodon ``GET /api/v1/statuses?id[]=``: the recorded status once per id
  still there (unless ``mastodon_batch`` is off: 404, as before Mastodon 4.3);
  ``GET /api/v1/statuses/<id>``: the recorded status (its id set to the
  one asked) or, for a deleted id, the recorded 404 ``{"error": "Not Found"}``;
  ``GET /api/v1/streaming/public``: Server-Sent Events with the recorded
  ``delete`` event of the streaming documentation, once per deleted id;
- Bluesky ``GET /xrpc/app.bsky.feed.getPosts``: the recorded post view, once per
  URI still there (deleted ones are left out, as the AppView does);
- X ``GET /2/tweets?ids=``: recorded tweets for live ids and the recorded
  ``resource-not-found`` error for deleted ones.

``rate_limited`` paths answer 429 with a Retry-After instead. Every request is
kept in ``requests``.
"""

from __future__ import annotations

import copy
import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit


def _exchanges(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text("utf-8"))


@dataclass
class Recorded:
    """The real payloads the fake answers with."""

    status: dict[str, Any]
    status_missing: dict[str, Any]
    status_missing_code: int
    delete_event: dict[str, Any]
    bluesky_post: dict[str, Any]
    tweet: dict[str, Any]
    tweet_not_found: dict[str, Any]

    @classmethod
    def load(cls, data: Path) -> Recorded:
        status = next(
            e["json"]
            for e in _exchanges(data / "mastodon/mastodonpy/test_status.json")
            if e["method"] == "GET" and e["status"] == 200
        )
        missing = _exchanges(data / "mastodon/mastodonpy/test_status_missing.json")[0]
        stream = json.loads(
            (data / "mastodon/docs_examples/methods_streaming.examples.json").read_text(
                "utf-8"
            )
        )
        delete_event = next(
            e["json"]
            for e in stream
            if isinstance(e.get("json"), dict) and e["json"].get("event") == "delete"
        )
        getposts = _exchanges(data / "bluesky/bskyr/f_getposts.json")[0]["json"]
        tweets = _exchanges(data / "x/tweepy_v2/test_client_get_tweets.json")[0]["json"]
        not_found = None
        for line in (data / "x/twarc/withheld.jsonl").read_text("utf-8").splitlines():
            for error in json.loads(line).get("errors", []):
                if error.get("title") == "Not Found Error":
                    not_found = error
                    break
            if not_found:
                break
        assert not_found is not None
        return cls(
            status=status,
            status_missing=missing["json"],
            status_missing_code=missing["status"],
            delete_event=delete_event,
            bluesky_post=getposts["posts"][0],
            tweet=tweets["data"][0],
            tweet_not_found=not_found,
        )


@dataclass
class FakePlatform:
    recorded: Recorded
    url: str = ""
    deleted: set[str] = field(default_factory=set)  # local ids, at:// URIs, tweet ids
    rate_limited: set[str] = field(default_factory=set)  # path prefixes answering 429
    mastodon_batch: bool = True  # False: an instance before 4.3 (no GET /statuses)
    requests: list[tuple[str, dict[str, list[str]]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def paths(self, prefix: str) -> list[str]:
        return [p for p, _q in self.requests if p.startswith(prefix)]


def _handler(fake: FakePlatform) -> type[http.server.BaseHTTPRequestHandler]:
    rec = fake.recorded

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _json(
            self, status: int, body: Any, headers: dict[str, str] | None = None
        ) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            with fake.lock:
                fake.requests.append((parts.path, query))
                deleted = set(fake.deleted)
            if any(parts.path.startswith(p) for p in fake.rate_limited):
                self._json(429, {"error": "Too many requests"}, {"Retry-After": "120"})
                return
            if parts.path == "/api/v1/streaming/public":
                self._stream(sorted(deleted))
            elif parts.path == "/api/v1/statuses" and fake.mastodon_batch:
                statuses = []
                for status_id in query.get("id[]", []):
                    if status_id not in deleted:
                        body = copy.deepcopy(rec.status)
                        body["id"] = status_id
                        statuses.append(body)
                self._json(200, statuses)
            elif parts.path.startswith("/api/v1/statuses/"):
                status_id = parts.path.rsplit("/", 1)[-1]
                if status_id in deleted:
                    self._json(rec.status_missing_code, rec.status_missing)
                else:
                    body = copy.deepcopy(rec.status)
                    body["id"] = status_id
                    self._json(200, body)
            elif parts.path == "/xrpc/app.bsky.feed.getPosts":
                posts = []
                for uri in query.get("uris", []):
                    if uri not in deleted:
                        view = copy.deepcopy(rec.bluesky_post)
                        view["uri"] = uri
                        posts.append(view)
                self._json(200, {"posts": posts})
            elif parts.path == "/2/tweets":
                ids = (query.get("ids") or [""])[0].split(",")
                data, errors = [], []
                for tweet_id in ids:
                    if tweet_id in deleted:
                        error = copy.deepcopy(rec.tweet_not_found)
                        error.update(
                            resource_id=tweet_id,
                            value=tweet_id,
                            parameter="ids",
                            detail=f"Could not find tweet with ids: [{tweet_id}].",
                        )
                        errors.append(error)
                    else:
                        tweet = copy.deepcopy(rec.tweet)
                        tweet["id"] = tweet_id
                        data.append(tweet)
                body: dict[str, Any] = {"data": data} if data else {}
                if errors:
                    body["errors"] = errors
                self._json(200, body)
            else:
                self._json(404, {"error": "Not Found"})

        def _stream(self, deleted: list[str]) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b":thump\n\n")
            self.wfile.write(b'event: update\ndata: {"id": "1"}\n\n')
            for local_id in deleted:
                event = dict(rec.delete_event, payload=local_id)
                self.wfile.write(
                    f"event: {event['event']}\ndata: {event['payload']}\n\n".encode()
                )
            self.wfile.flush()
            self.close_connection = True

    return Handler


@contextmanager
def fake_platform(data: Path) -> Iterator[FakePlatform]:
    fake = FakePlatform(recorded=Recorded.load(data))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
