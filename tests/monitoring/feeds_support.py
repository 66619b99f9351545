"""Test helpers for the feed connectors (RSS/Atom, CAP): a replaying transport adapter
for requests, feedparser's self-describing test feeds, and a local HTTP server that
counts what reaches it."""

from __future__ import annotations

import ast
import http.server
import io
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

DATA = Path(__file__).resolve().parent / "data"


# --- replaying HTTP --------------------------------------------------------------
@dataclass
class Reply:
    """A canned response. With `etag`, a request whose If-None-Match matches gets 304."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: str = ""
    raw: Any = None  # a file-like body instead of `body` (streams, endless bodies)


class ReplayAdapter(BaseAdapter):
    """Answers from a {url: Reply | [Reply, …]} table (a list is consumed in order, its
    last reply repeats) and records every request it was sent."""

    def __init__(self, routes: dict[str, Reply | list[Reply]]) -> None:
        super().__init__()
        self.routes = routes
        self.requests: list[requests.PreparedRequest] = []

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        self.requests.append(request)
        url = request.url or ""
        route = self.routes.get(url)
        if route is None:
            reply = Reply(body=b"not found", status=404)
        elif isinstance(route, list):
            reply = route.pop(0) if len(route) > 1 else route[0]
        else:
            reply = route
        response = requests.Response()
        response.url = url
        response.request = request
        headers = dict(reply.headers)
        if reply.etag:
            headers["ETag"] = reply.etag
        if reply.etag and request.headers.get("If-None-Match") == reply.etag:
            response.status_code = 304
            response.raw = io.BytesIO(b"")
        else:
            response.status_code = reply.status
            response.raw = (
                reply.raw if reply.raw is not None else io.BytesIO(reply.body)
            )
        response.headers = CaseInsensitiveDict(headers)
        response.reason = "OK" if response.status_code < 400 else "Error"
        return response

    def close(self) -> None:
        pass

    def urls(self) -> list[str]:
        return [r.url or "" for r in self.requests]


def session_with(adapter: ReplayAdapter) -> requests.Session:
    from monitoring.connectors.feed_http import new_session

    session = new_session()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def use_adapter(monkeypatch: Any, adapter: ReplayAdapter) -> None:
    """Every feed connector built from now on talks to `adapter` (source_poll included)."""
    from monitoring.connectors import feed_http

    real = feed_http.new_session

    def patched() -> requests.Session:
        session = real()
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    monkeypatch.setattr(feed_http, "new_session", patched)
    for module in ("monitoring.connectors.rss", "monitoring.connectors.cap"):
        monkeypatch.setattr(f"{module}.new_session", patched)


class EndlessBody(io.RawIOBase):
    """A body that never ends; counts what was read from it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = 65536 if size is None or size < 0 else size
        self.read_bytes += size
        return b"<" * size


# --- feedparser's test feeds --------------------------------------------------------
@dataclass(frozen=True)
class FeedparserCase:
    path: Path
    description: str
    expect: str
    content_type: str

    def literals(self) -> dict[str, Any]:
        """{"summary": value, …} from `entries[0]['summary'] == <literal>` in Expect."""
        found: dict[str, Any] = {}
        try:
            tree = ast.parse(self.expect, mode="eval")
        except SyntaxError:
            return found
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Compare) and len(node.ops) == 1):
                continue
            if not isinstance(node.ops[0], ast.Eq):
                continue
            key = _entry_key(node.left)
            value = _fold(node.comparators[0])
            if key and value is not None:
                found[key] = value
        return found


def read_case(path: Path) -> FeedparserCase:
    head = path.read_bytes()[:4000].decode("utf-8", "replace")
    if "\x00" in head:  # UTF-16/32 files: their header is in that encoding
        raw = path.read_bytes()[:8000]
        for encoding in ("utf-16", "utf-32"):
            try:
                head = raw.decode(encoding, "replace")
            except UnicodeError:
                continue
            if "Description" in head:
                break

    def field_(name: str) -> str:
        match = re.search(rf"^{name}:\s*(.*)$", head, re.MULTILINE)
        return match.group(1).strip() if match else ""

    header = field_("Header")
    content_type = header.split(":", 1)[1].strip() if ":" in header else ""
    return FeedparserCase(
        path=path,
        description=field_("Description"),
        expect=field_("Expect"),
        content_type=content_type,
    )


def _entry_key(node: ast.AST) -> str:
    """'summary' for entries[0]['summary'], 'content' for entries[0]['content'][0]['value']."""
    keys: list[Any] = []
    while isinstance(node, ast.Subscript):
        if isinstance(node.slice, ast.Constant):
            keys.append(node.slice.value)
        node = node.value
    if not (isinstance(node, ast.Name) and node.id == "entries"):
        return ""
    keys.reverse()
    if len(keys) >= 2 and keys[0] == 0 and isinstance(keys[1], str):
        return keys[1]
    return ""


def _fold(node: ast.AST) -> Any:
    """Evaluate a literal made of string constants joined with +."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _fold(node.left), _fold(node.right)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
        return None
    if isinstance(node, ast.Tuple):
        values = [_fold(e) for e in node.elts]
        return tuple(values) if all(v is not None for v in values) else None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _fold(node.operand)
        return -value if isinstance(value, int | float) else None
    return None


# --- a local server that must never be reached ---------------------------------------
@dataclass
class Hits:
    paths: list[str] = field(default_factory=list)


@contextmanager
def local_server() -> Iterator[tuple[str, Hits]]:
    """An HTTP server on 127.0.0.1 (ephemeral port) recording every request path."""
    hits = Hits()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.paths.append(self.path)
            body = b'<!ENTITY leak "reached">'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def billion_laughs(root: str, *, namespace: str = "") -> bytes:
    """The classic entity-expansion bomb around a `root` element."""
    levels = ['<!ENTITY lol0 "lol">']
    for level in range(1, 10):
        levels.append(f'<!ENTITY lol{level} "' + f"&lol{level - 1};" * 10 + '">')
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE {root} [\n' + "\n".join(levels) + "\n]>\n"
        f"<{root}{xmlns}><identifier>&lol9;</identifier></{root}>"
    ).encode()


def timed(func: Callable[[], Any]) -> tuple[Any, float]:
    import time

    started = time.perf_counter()
    try:
        result = func()
    except Exception as exc:
        result = exc
    return result, time.perf_counter() - started
