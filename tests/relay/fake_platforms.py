"""A local HTTP server playing Mastodon, Bluesky (a PDS) and X for the relay tests.

It behaves as the platforms do where it matters: Mastodon answers a repeated
Idempotency-Key with the status it already made; a PDS refuses a record key that
exists and answers getRecord; X refuses a duplicate text with 403. Each write can
be told to misbehave (`plan`): "drop" makes the post then closes the connection
without answering (a crash or timeout after the platform acted), "500" answers
503 without posting, "401"/"422" refuse it.
"""

from __future__ import annotations

import http.server
import itertools
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

WRITES = ("/api/v1/statuses", "/xrpc/com.atproto.repo.createRecord", "/2/tweets")


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakePlatforms:
    url: str = ""
    requests: list[Seen] = field(default_factory=list)
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)  # by key
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # by rkey
    tweets: list[dict[str, Any]] = field(default_factory=list)
    plan: list[str] = field(default_factory=list)  # behaviour of the next writes
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1000))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def writes(self, path: str | None = None) -> list[Seen]:
        return [
            r
            for r in self.requests
            if r.method == "POST"
            and r.path in WRITES
            and (path is None or r.path == path)
        ]

    @property
    def posts_made(self) -> int:
        return len(self.statuses) + len(self.records) + len(self.tweets)


def _handler(fake: FakePlatforms) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _record(self) -> tuple[str, Any]:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            with fake.lock:
                fake.requests.append(
                    Seen(self.command, parts.path, dict(self.headers.items()), body)
                )
            return parts.path, body

        def do_GET(self) -> None:
            path, _body = self._record()
            query = parse_qs(urlsplit(self.path).query)
            if path == "/xrpc/com.atproto.repo.getRecord":
                rkey = query.get("rkey", [""])[0]
                if rkey in fake.records:
                    self._answer(200, fake.records[rkey])
                else:
                    self._answer(
                        400,
                        {
                            "error": "RecordNotFound",
                            "message": "Could not locate record",
                        },
                    )
                return
            self._answer(404, {"error": "not found"})

        def do_POST(self) -> None:
            path, body = self._record()
            auth = self.headers.get("Authorization", "")
            if path == "/xrpc/com.atproto.server.createSession":
                if body.get("password") != "app-pass-1234":
                    self._answer(
                        401,
                        {
                            "error": "AuthenticationRequired",
                            "message": "Invalid identifier or password",
                        },
                    )
                    return
                self._answer(
                    200,
                    {
                        "did": "did:plc:vostfake",
                        "handle": body["identifier"],
                        "accessJwt": "jwt-access",
                        "refreshJwt": "jwt-refresh",
                    },
                )
                return
            if path not in WRITES:
                self._answer(404, {"error": "not found"})
                return
            with fake.lock:
                behaviour = fake.plan.pop(0) if fake.plan else "ok"
            if behaviour == "500":
                self._answer(503, {"error": "Service unavailable"})
                return
            if behaviour == "401":
                self._answer(401, {"error": "The access token is invalid"})
                return
            if behaviour == "422":
                self._answer(
                    422,
                    {
                        "error": "Validation failed: Text character limit of 500 exceeded"
                    },
                )
                return
            if path == "/api/v1/statuses":
                status, answer = self._mastodon(body, auth)
            elif path == "/xrpc/com.atproto.repo.createRecord":
                status, answer = self._bluesky(body, auth)
            else:
                status, answer = self._x(body, auth)
            if behaviour == "drop":  # the platform acted; the answer never arrives
                self.close_connection = True
                return
            self._answer(status, answer)

        def _mastodon(self, body: Any, auth: str) -> tuple[int, Any]:
            if auth != "Bearer masto-token":
                return 401, {"error": "The access token is invalid"}
            key = self.headers.get("Idempotency-Key") or f"none-{next(fake.ids)}"
            with fake.lock:
                if key not in fake.statuses:  # Mastodon: same key, same status
                    sid = str(next(fake.ids))
                    fake.statuses[key] = {
                        "id": sid,
                        "url": f"https://mastodon.example/@vost/{sid}",
                        "content": body["status"],
                    }
                return 200, fake.statuses[key]

        def _bluesky(self, body: Any, auth: str) -> tuple[int, Any]:
            if auth != "Bearer jwt-access":
                return 401, {"error": "AuthenticationRequired"}
            rkey = body["rkey"]
            with fake.lock:
                if rkey in fake.records:
                    return 400, {
                        "error": "InvalidRequest",
                        "message": "Record already exists",
                    }
                uri = f"at://{body['repo']}/{body['collection']}/{rkey}"
                fake.records[rkey] = {
                    "uri": uri,
                    "cid": "bafyfake",
                    "value": body["record"],
                }
            return 200, {"uri": uri, "cid": "bafyfake"}

        def _x(self, body: Any, auth: str) -> tuple[int, Any]:
            if auth != "Bearer x-user-token":
                return 401, {"title": "Unauthorized", "detail": "Unauthorized"}
            with fake.lock:
                if any(t["text"] == body["text"] for t in fake.tweets):
                    return 403, {
                        "title": "Forbidden",
                        "detail": "You are not allowed to create a Tweet with duplicate content.",
                    }
                tweet = {"id": str(next(fake.ids)), "text": body["text"]}
                fake.tweets.append(tweet)
            return 201, {
                "data": {
                    "id": tweet["id"],
                    "text": tweet["text"],
                    "edit_history_tweet_ids": [tweet["id"]],
                }
            }

    return Handler


@contextmanager
def running() -> Iterator[FakePlatforms]:
    fake = FakePlatforms()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


def configure(settings: Any, fake: FakePlatforms) -> None:
    """Point the relay's three platforms at `fake` (the deployment's settings)."""
    settings.VOST_RELAY_MASTODON_URL = fake.url
    settings.VOST_RELAY_MASTODON_TOKEN = "masto-token"
    settings.VOST_RELAY_BLUESKY_PDS = fake.url
    settings.VOST_RELAY_BLUESKY_HANDLE = "vost34.bsky.social"
    settings.VOST_RELAY_BLUESKY_APP_PASSWORD = "app-pass-1234"
    settings.VOST_RELAY_X_API_URL = fake.url
    settings.VOST_RELAY_X_BEARER_TOKEN = "x-user-token"
