"""Test helpers for the X connector: a requests transport adapter replaying recorded
exchanges, and loaders for the recorded pages and our own fixtures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

DATA = Path(__file__).resolve().parent / "data" / "x"
SEARCH_URI = "https://api.twitter.com/2/tweets/search/recent"


class ReplayAdapter(BaseAdapter):
    """Answer each request with the next recorded exchange, in order.

    An exchange is {method, uri, status, json} (the shape of the recordings in
    ../shared/data), optionally with "headers"; {"error": "connection"} raises a
    connection error instead. Requests are kept in `requests` for assertions
    (method, path, query parameters). Nothing goes to the network.
    """

    def __init__(self, exchanges: list[dict[str, Any]]) -> None:
        super().__init__()
        self.exchanges = list(exchanges)
        self.requests: list[dict[str, Any]] = []

    def send(
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        url = urlsplit(request.url or "")
        self.requests.append(
            {
                "method": request.method,
                "path": url.path,
                "params": {k: v[0] for k, v in parse_qs(url.query).items()},
                "headers": dict(request.headers),
                "body": request.body,
            }
        )
        if not self.exchanges:
            raise requests.ConnectionError("replay: no recorded answer left")
        exchange = self.exchanges.pop(0)
        if exchange.get("error") == "connection":
            raise requests.ConnectionError("replay: connection refused")
        expected = urlsplit(exchange["uri"]).path
        assert (request.method, url.path) == (exchange["method"], expected), (
            f"replay expected {exchange['method']} {expected}, "
            f"got {request.method} {url.path}"
        )
        response = requests.Response()
        response.status_code = exchange["status"]
        response.reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized"}.get(
            exchange["status"], "Error"
        )
        body = exchange.get("body")
        response._content = (
            body.encode()
            if isinstance(body, str)
            else json.dumps(exchange["json"]).encode()
        )
        response.headers = CaseInsensitiveDict(
            {"content-type": "application/json", **exchange.get("headers", {})}
        )
        response.url = request.url or ""
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass


def replay_session(
    exchanges: list[dict[str, Any]],
) -> tuple[requests.Session, ReplayAdapter]:
    session = requests.Session()
    adapter = ReplayAdapter(exchanges)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session, adapter


def exchange(page: Any, *, status: int = 200, uri: str = SEARCH_URI) -> dict[str, Any]:
    """A recorded page as the answer to a recent-search request."""
    return {"method": "GET", "uri": uri, "status": status, "json": page}


def fixture(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def twarc_pages(shared_data: Path, name: str) -> list[dict[str, Any]]:
    """The pages of a twarc JSONL file (one per line, `__twarc` envelope kept)."""
    path = shared_data / "x" / "twarc" / name
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def tweepy_exchanges(shared_data: Path, name: str) -> list[dict[str, Any]]:
    return json.loads((shared_data / "x" / "tweepy_v2" / name).read_text())
