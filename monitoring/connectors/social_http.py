"""What the Mastodon and Bluesky connectors share: a bounded JSON-over-HTTPS client that
maps failures onto the connector exceptions, strict time parsing, and reading recorded
payload files (one JSON document, JSON lines, or recorded exchanges)."""

from __future__ import annotations

import datetime as dt
import email.utils
import ipaddress
import json
import re
import socket
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

from monitoring.connectors.base import SourceConfigError, SourceTemporarilyUnavailable
from monitoring.pipeline.types import RejectedRecord

USER_AGENT = "VOSTHub/1.0"
TIMEOUT = (5, 20)  # connect, read (seconds)
MAX_RESPONSE_BYTES = 5 * 1024 * 1024
MAX_RETRY_AFTER = 3600.0
EXCERPT_CHARS = 500
FUTURE_TOLERANCE = dt.timedelta(days=1)

_TOKEN = re.compile(r"^[\x21-\x7e]{1,4096}$")  # printable ASCII, no spaces
# http(s), a host, then anything but whitespace and control characters.
_SAFE_URL = re.compile(
    r"https?://[^\s\x00-\x1f\x7f/?#\\@]+(?:[/?#][^\s\x00-\x1f\x7f]*)?\Z", re.IGNORECASE
)
_FRACTION = re.compile(r"(\.\d{6})\d+")
_BLOCKED_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain")


class BadRecord(Exception):
    """A record cannot become a post; the message is the reason recorded for it."""


def new_session() -> requests.Session:
    session = requests.Session()
    session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
    return session


def base_url(value: Any, *, what: str, allow_path: bool = False) -> str:
    """`value` as an https base URL with no credentials, query or private host."""
    if not isinstance(value, str) or not value.strip():
        raise SourceConfigError(f"{what} is missing")
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        raise SourceConfigError(f"{what} is not a valid URL") from None
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not host:
        raise SourceConfigError(f"{what} must be an https:// URL")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise SourceConfigError(
            f"{what} must not contain credentials, a query or a fragment"
        )
    if parts.path.strip("/") and not allow_path:
        raise SourceConfigError(
            f"{what} must be the server's address only, without a path"
        )
    # Sources are configured by people: refuse the obvious internal targets (a
    # hostname resolving to a private address is the egress firewall's job).
    address = _literal_ip(host)
    if address is not None:
        if not address.is_global:
            raise SourceConfigError(f"{what} points to a private address")
    elif "." not in host or host.endswith(_BLOCKED_SUFFIXES):
        raise SourceConfigError(f"{what} points to a local host")
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal
    netloc = host if port is None else f"{host}:{port}"
    path = parts.path.rstrip("/") if allow_path else ""
    return f"https://{netloc}{path}"


def _literal_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """`host` as an IP address in any form a resolver reads (127.1, 0x7f.0.0.1, 2130706433)."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def bearer_headers(credentials: str | None) -> dict[str, str]:
    """The Authorization header for a token, without ever echoing the token in errors."""
    if not credentials:
        return {}
    token = credentials.strip()
    if not _TOKEN.match(token):
        raise SourceConfigError("the access token has an invalid format")
    return {"Authorization": f"Bearer {token}"}


def get_json(
    session: requests.Session,
    url: str,
    *,
    params: Mapping[str, Any],
    headers: Mapping[str, str],
    what: str,
) -> tuple[Any, requests.Response]:
    """GET `url` and decode its JSON body (at most MAX_RESPONSE_BYTES).

    429, 5xx, timeouts, connection errors and unreadable bodies raise
    SourceTemporarilyUnavailable; other 4xx and redirects (never followed: one
    could lead to an internal address) raise SourceConfigError.
    """
    try:
        response = session.get(
            url,
            params=dict(params),
            headers=dict(headers),
            timeout=TIMEOUT,
            stream=True,
            allow_redirects=False,
        )
    except requests.Timeout:
        raise SourceTemporarilyUnavailable(f"{what}: timed out") from None
    except requests.RequestException as exc:
        raise SourceTemporarilyUnavailable(
            f"{what}: connection failed ({type(exc).__name__})"
        ) from None
    with response:
        _raise_for_status(response, what=what)
        body = _read_bounded(response, what=what)
    try:
        return json.loads(body), response
    except (ValueError, RecursionError):
        raise SourceTemporarilyUnavailable(
            f"{what}: the response is not valid JSON"
        ) from None


def _raise_for_status(response: requests.Response, *, what: str) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    if 300 <= status < 400:
        target = urlsplit(response.headers.get("Location", "")).hostname or "elsewhere"
        raise SourceConfigError(
            f"{what}: HTTP {status}, the server redirects to {target[:100]}; "
            "configure that address instead"
        )
    detail = _error_detail(response) if status < 500 else ""
    message = f"{what}: HTTP {status}{f' ({detail})' if detail else ''}"
    if status in (408, 425, 429) or status >= 500:
        raise SourceTemporarilyUnavailable(message, retry_after=retry_after(response))
    if status == 401:
        message += " — the server requires a valid access token"
    raise SourceConfigError(message)


def _error_detail(response: requests.Response) -> str:
    """The server's short error text ({"error": ...}), if it sent one."""
    try:
        body = _read_bounded(response, what="", limit=4096)
        data = json.loads(body)
    except (SourceTemporarilyUnavailable, ValueError, RecursionError):
        return ""
    if not isinstance(data, dict):
        return ""
    parts = [data.get("error"), data.get("message")]
    return ": ".join(str(p)[:200] for p in parts if isinstance(p, str) and p)


def _read_bounded(
    response: requests.Response, *, what: str, limit: int = MAX_RESPONSE_BYTES
) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise SourceTemporarilyUnavailable(
            f"{what}: response too large ({declared} bytes)"
        )
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(chunk_size=65536):
            size += len(chunk)
            if size > limit:
                raise SourceTemporarilyUnavailable(
                    f"{what}: response larger than {limit} bytes"
                )
            chunks.append(chunk)
    except requests.RequestException:
        raise SourceTemporarilyUnavailable(
            f"{what}: the response was cut off"
        ) from None
    return b"".join(chunks)


def retry_after(response: requests.Response) -> float | None:
    """Seconds to wait, from Retry-After or a rate-limit reset header (ISO time or epoch)."""
    now = dt.datetime.now(dt.UTC)
    value = response.headers.get("Retry-After", "").strip()
    seconds: float | None = None
    if value:
        if value.isdigit():
            seconds = float(value)
        else:
            try:
                seconds = (
                    email.utils.parsedate_to_datetime(value) - now
                ).total_seconds()
            except (TypeError, ValueError):
                seconds = None
    if seconds is None:
        reset = (
            response.headers.get("X-RateLimit-Reset")
            or response.headers.get("RateLimit-Reset")
            or ""
        ).strip()
        if re.fullmatch(r"\d+(\.\d+)?", reset):
            number = float(reset)
            # A small number is a delay in seconds, a large one an epoch timestamp.
            seconds = number - now.timestamp() if number > 10**9 else number
        elif reset:
            try:
                seconds = (parse_time(reset) - now).total_seconds()
            except ValueError:
                seconds = None
    if seconds is None:
        return None
    return min(max(seconds, 1.0), MAX_RETRY_AFTER)


def parse_time(value: Any) -> dt.datetime:
    """An ISO 8601 date-time with a time zone, as aware UTC; ValueError otherwise."""
    if not isinstance(value, str) or not 10 < len(value) < 60:
        raise ValueError("missing or malformed date")
    text = _FRACTION.sub(r"\1", value.strip())  # Python reads at most microseconds
    if text.endswith(("z", "Z")):
        text = text[:-1] + "+00:00"
    parsed = dt.datetime.fromisoformat(text)
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError("date without a time zone")
    try:
        parsed = parsed.astimezone(dt.UTC)
    except OverflowError:
        raise ValueError("date out of range") from None
    if parsed.year < 2000 or parsed > dt.datetime.now(dt.UTC) + FUTURE_TOLERANCE:
        raise ValueError("implausible date")
    return parsed


def iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def safe_url(value: Any, *, limit: int = 500) -> str:
    """`value` if it is an http(s) URL of reasonable length, else "" (no javascript:, data:…)."""
    if not isinstance(value, str) or len(value) > limit:
        return ""
    url: str = value.strip()
    return url if _SAFE_URL.match(url) else ""


def short_str(value: Any, limit: int = 200) -> str:
    return value[:limit] if isinstance(value, str) else ""


def excerpt(item: Any) -> str:
    try:
        text = json.dumps(item, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        text = repr(item)
    return text[:EXCERPT_CHARS]


# --- recorded payload files ----------------------------------------------------------
def load_documents(data: bytes) -> tuple[list[Any], list[RejectedRecord]]:
    """The JSON documents of a file: one JSON value, or JSON lines (bad lines rejected).

    Raises ValueError when nothing in the file is JSON.
    """
    text = _decode(data)
    if not text.strip():
        raise ValueError("the file is empty")
    try:
        return [json.loads(text)], []
    except RecursionError:
        raise ValueError("the JSON is nested too deeply") from None
    except ValueError:
        pass
    documents: list[Any] = []
    rejected: list[RejectedRecord] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except (ValueError, RecursionError) as exc:
            reason = f"line {number}: invalid JSON ({str(exc)[:100]})"
            rejected.append(RejectedRecord(reason, line[:EXCERPT_CHARS]))
            continue
        if isinstance(value, dict | list):
            documents.append(value)
        else:
            rejected.append(
                RejectedRecord(
                    f"line {number}: not a JSON object", line[:EXCERPT_CHARS]
                )
            )
    if not documents:
        raise ValueError("the file is not JSON")
    return documents, rejected


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            if encoding == "utf-16" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
                continue
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    # Declared UTF-8 but written in Latin-1/CP1252: keep the text readable.
    return data.decode("cp1252", errors="replace")


def is_exchange(item: Any) -> bool:
    """One recorded HTTP exchange: {method, uri, request_body, status, json}."""
    return (
        isinstance(item, dict) and "json" in item and "uri" in item and "status" in item
    )


def exchange_payloads(exchanges: list[Any]) -> list[Any]:
    """The JSON bodies of the successful GET/POST exchanges of a recording."""
    payloads = []
    for exchange in exchanges:
        if not is_exchange(exchange):
            continue
        status = exchange.get("status")
        method = str(exchange.get("method") or "GET").upper()
        if (
            isinstance(status, int)
            and 200 <= status < 300
            and method in ("GET", "POST")
        ):
            payloads.append(exchange["json"])
    return payloads
