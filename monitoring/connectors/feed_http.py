"""HTTP for the feed connectors (RSS/Atom, CAP): conditional GET with the validators
kept in the source's cursor, a streamed body that stops past a size limit, an overall
deadline, and redirects followed by hand so that every hop is checked."""

from __future__ import annotations

import email.utils
import ipaddress
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from monitoring.connectors.base import SourceConfigError, SourceTemporarilyUnavailable

USER_AGENT = "VOSTHub/1.0 (feed reader)"
TIMEOUT = (5, 20)  # connect, read between two packets (seconds)
DEADLINE_SECONDS = 60.0  # a server dripping bytes cannot hold a worker longer
MAX_REDIRECTS = 3
MAX_RETRY_AFTER = 3600.0
_BLOCKED_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain")


class TooLarge(Exception):
    """The body is over the limit: reading stopped there."""


@dataclass(frozen=True)
class Fetched:
    """A 200 (with its body) or a 304 (nothing changed since the cursor's validators)."""

    status: int
    body: bytes
    url: str
    content_type: str = ""
    etag: str = ""
    last_modified: str = ""

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def new_session() -> requests.Session:
    """The session feed connectors use (tests replace it to mount a replay adapter)."""
    session = requests.Session()
    session.headers.update(
        {
            "User-Agent": USER_AGENT,
            "Accept": "application/atom+xml, application/rss+xml, "
            "application/cap+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
        }
    )
    return session


def check_url(value: Any, *, what: str) -> str:
    """`value` as an http(s) URL without credentials that does not name a local or
    private host; SourceConfigError otherwise (a person must fix the source)."""
    if not isinstance(value, str) or not value.strip():
        raise SourceConfigError(f"{what} is missing")
    url = value.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError on a junk port)
    except ValueError:
        raise SourceConfigError(f"{what} is not a valid URL") from None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise SourceConfigError(f"{what} must be an http:// or https:// URL")
    if parts.username or parts.password:
        raise SourceConfigError(f"{what} must not contain credentials")
    if len(url) > 2000 or any(c.isspace() or ord(c) < 32 for c in url):
        raise SourceConfigError(f"{what} is not a valid URL")
    # Links inside fetched documents are untrusted: refuse the obvious internal targets
    # (a name that resolves to a private address is the egress firewall's job).
    if host == "localhost" or host.endswith(_BLOCKED_SUFFIXES):
        raise SourceConfigError(f"{what} points to a local host")
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return url
    if not address.is_global:
        raise SourceConfigError(f"{what} points to a private address")
    return url


def conditional_get(
    session: requests.Session,
    url: str,
    *,
    limit: int,
    etag: str = "",
    last_modified: str = "",
    what: str = "feed",
) -> Fetched:
    """GET `url` (If-None-Match / If-Modified-Since when known), reading at most `limit`.

    Raises TooLarge past the limit, SourceTemporarilyUnavailable for timeouts,
    connection errors, 404, 408, 429 and 5xx, SourceConfigError for other 4xx and
    redirects to a bad place.
    """
    headers: dict[str, str] = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    started = time.monotonic()
    current = check_url(url, what=what)
    for _hop in range(MAX_REDIRECTS + 1):
        response = _send(session, current, headers=headers, what=what)
        with response:
            if response.is_redirect:
                location = response.headers.get("Location", "")
                current = check_url(
                    urljoin(current, location), what=f"{what} (redirect)"
                )
                continue
            return _read(response, url=current, limit=limit, started=started, what=what)
    raise SourceConfigError(f"{what}: more than {MAX_REDIRECTS} redirects")


def _send(
    session: requests.Session, url: str, *, headers: dict[str, str], what: str
) -> requests.Response:
    try:
        return session.get(
            url, headers=headers, timeout=TIMEOUT, stream=True, allow_redirects=False
        )
    except requests.Timeout:
        raise SourceTemporarilyUnavailable(f"{what}: timed out") from None
    except requests.RequestException as exc:
        raise SourceTemporarilyUnavailable(
            f"{what}: connection failed ({type(exc).__name__})"
        ) from None


def _read(
    response: requests.Response, *, url: str, limit: int, started: float, what: str
) -> Fetched:
    status = response.status_code
    if status == 304:
        return Fetched(status=304, body=b"", url=url)
    if not 200 <= status < 300:
        message = f"{what}: HTTP {status}"
        if status in (404, 408, 425, 429) or status >= 500:
            raise SourceTemporarilyUnavailable(
                message, retry_after=retry_after(response)
            )
        raise SourceConfigError(message)
    declared = response.headers.get("Content-Length", "").strip()
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"{what} too large: {declared} bytes (limit {limit})")
    chunks: list[bytes] = []
    size = 0
    try:
        # iter_content decompresses: the limit bounds what we hold, gzip bombs included.
        for chunk in response.iter_content(chunk_size=65536):
            size += len(chunk)
            if size > limit:
                raise TooLarge(f"{what} too large: more than {limit} bytes")
            if time.monotonic() - started > DEADLINE_SECONDS:
                raise SourceTemporarilyUnavailable(
                    f"{what}: took more than {DEADLINE_SECONDS:.0f} s"
                )
            chunks.append(chunk)
    except requests.RequestException:
        raise SourceTemporarilyUnavailable(f"{what}: the body was cut off") from None
    return Fetched(
        status=status,
        body=b"".join(chunks),
        url=url,
        content_type=response.headers.get("Content-Type", "")[:200],
        etag=response.headers.get("ETag", "")[:500],
        last_modified=response.headers.get("Last-Modified", "")[:100],
    )


def retry_after(response: requests.Response) -> float | None:
    """Seconds to wait from Retry-After (seconds or an HTTP date), bounded."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = moment.timestamp() - time.time()
    return min(max(seconds, 1.0), MAX_RETRY_AFTER)


def safe_url(value: Any, *, limit: int = 500) -> str:
    """`value` if it is an http(s) URL of reasonable length, else "" (no javascript:…)."""
    if not isinstance(value, str):
        return ""
    value = value.strip()
    if (
        not value
        or len(value) > limit
        or any(c.isspace() or ord(c) < 32 for c in value)
    ):
        return ""
    try:
        parts = urlsplit(value)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    return str(value)
