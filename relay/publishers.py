"""One small client per platform that publishes a post, and the outbox.

Credentials are the deployment's (settings, read when used, never at import):
without them a channel is an outbox, where a person publishes by hand and records
the link. Clients raise TransientPublishError when the platform may accept the
same call later (timeout, connection failure, 408/429/5xx, unreadable answer) and
PermanentPublishError when it refused it (other 4xx); their messages never
contain a credential.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings

from relay.models import Channel
from vost.env import env_secret

USER_AGENT = "VOSTHub/1.0 (relay)"
TIMEOUT = (5, 20)  # connect, read (seconds); the worker's lease covers both
MAX_ANSWER_BYTES = 1024 * 1024
BLUESKY_DEFAULT_PDS = "https://bsky.social"
X_DEFAULT_API = "https://api.x.com"
_URL = re.compile(r"https?://[^\s]+", re.IGNORECASE)
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


class PublishError(Exception):
    """The post was not (known to be) published; `detail` is safe to show."""

    def __init__(self, detail: str, *, status: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status


class TransientPublishError(PublishError):
    """Try again later: the platform did not answer, or answered 408/429/5xx."""


class PermanentPublishError(PublishError):
    """The platform refused the post (4xx): trying again will not help."""

    def __init__(
        self, detail: str, *, status: int | None = None, duplicate: bool = False
    ) -> None:
        super().__init__(detail, status=status)
        self.duplicate = duplicate  # X: "duplicate content", likely already posted


@dataclass(frozen=True)
class Published:
    external_id: str
    url: str


class Publisher:
    """What the service needs of a platform client."""

    channel: str = ""
    manual: bool = False  # True: a person publishes by hand (the outbox)

    def account(self) -> str:
        return ""

    def find_existing(self, *, key: str) -> Published | None:
        """The post made with `key` by an earlier attempt, if the platform can tell."""
        return None

    def publish(self, *, text: str, key: str, language: str) -> Published:
        raise NotImplementedError


def setting(name: str) -> str:
    """A relay setting: settings.NAME when the project defines it, else $NAME
    (or the file named by $NAME_FILE)."""
    value = getattr(settings, name, None)
    if value is None:
        value = env_secret(name)
    return str(value or "").strip()


def new_tid() -> str:
    """An AT Protocol TID (sortable time-based id, 13 characters): a valid
    Bluesky record key and, for every channel, the task's idempotency key."""
    micros = time.time_ns() // 1000
    value = (micros << 10) | secrets.randbelow(1024)
    chars = []
    for _ in range(13):
        chars.append(_TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


# --- HTTP --------------------------------------------------------------------------
def _session() -> requests.Session:
    session = requests.Session()
    session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
    return session


def _detail(response: requests.Response) -> str:
    """The platform's short error text, if it sent one."""
    try:
        data = json.loads(response.content[:8192])
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    parts: list[str] = []
    for key in ("error", "message", "detail", "title"):
        value = data.get(key)
        if isinstance(value, str) and value and value not in parts:
            parts.append(value[:200])
    errors = data.get("errors")
    if isinstance(errors, list):
        for item in errors[:2]:
            if isinstance(item, dict) and isinstance(item.get("message"), str):
                parts.append(item["message"][:200])
    return ": ".join(parts)


def _call(
    session: requests.Session,
    method: str,
    url: str,
    *,
    what: str,
    headers: dict[str, str] | None = None,
    body: dict[str, Any] | None = None,
    params: dict[str, str] | None = None,
) -> Any:
    """One JSON call; its decoded answer, or the right PublishError."""
    try:
        response = session.request(
            method,
            url,
            json=body,
            params=params,
            headers=headers or {},
            timeout=TIMEOUT,
            allow_redirects=False,
        )
    except requests.Timeout:
        raise TransientPublishError(f"{what}: no answer in time") from None
    except requests.RequestException as exc:
        raise TransientPublishError(
            f"{what}: connection failed ({type(exc).__name__})"
        ) from None
    status = response.status_code
    if status in (408, 425, 429) or status >= 500:
        raise TransientPublishError(f"{what}: HTTP {status}", status=status)
    if not 200 <= status < 300:
        detail = _detail(response)
        message = f"{what}: HTTP {status}" + (f" ({detail})" if detail else "")
        if status == 401:
            message += " - the access token is missing, expired or revoked"
        raise PermanentPublishError(
            message,
            status=status,
            duplicate=status == 403 and "duplicate" in detail.lower(),
        )
    if len(response.content) > MAX_ANSWER_BYTES:
        raise TransientPublishError(f"{what}: answer too large")
    try:
        return response.json()
    except ValueError:
        raise TransientPublishError(f"{what}: the answer is not JSON") from None


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- platforms ---------------------------------------------------------------------
class OutboxPublisher(Publisher):
    """No credentials: the draft waits in the outbox for a person to post it by
    hand and record the link."""

    manual = True

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def account(self) -> str:
        return ""

    def find_existing(self, *, key: str) -> Published | None:
        return None

    def publish(self, *, text: str, key: str, language: str) -> Published:
        raise PermanentPublishError("outbox channel: publish by hand")


class MastodonPublisher(Publisher):
    """POST /api/v1/statuses with an Idempotency-Key: Mastodon answers a repeated
    key (kept for one hour) with the status it already created."""

    channel = Channel.MASTODON.value

    def __init__(self, *, base_url: str, token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token

    def account(self) -> str:
        return self.base_url

    def find_existing(self, *, key: str) -> Published | None:
        return None  # the Idempotency-Key makes a repeated call safe

    def publish(self, *, text: str, key: str, language: str) -> Published:
        data = _call(
            _session(),
            "POST",
            f"{self.base_url}/api/v1/statuses",
            what="Mastodon",
            headers={**_bearer(self.token), "Idempotency-Key": key},
            body={"status": text, "language": language, "visibility": "public"},
        )
        if not isinstance(data, dict) or not data.get("id"):
            raise TransientPublishError("Mastodon: the answer has no status id")
        url = data.get("url") or data.get("uri") or ""
        return Published(external_id=str(data["id"]), url=str(url))


class BlueskyPublisher(Publisher):
    """createSession, then createRecord with our own record key (a TID): a retry
    first looks the key up (getRecord), so a post that went out is found, not
    posted again."""

    channel = Channel.BLUESKY.value
    collection = "app.bsky.feed.post"

    def __init__(self, *, pds: str, handle: str, password: str) -> None:
        self.pds = pds.rstrip("/")
        self.handle = handle.lstrip("@")
        self.password = password
        self._auth: tuple[str, str] | None = None  # (did, access token)
        self._http = _session()

    def account(self) -> str:
        return f"@{self.handle}"

    def _session_auth(self) -> tuple[str, str]:
        if self._auth is None:
            data = _call(
                self._http,
                "POST",
                f"{self.pds}/xrpc/com.atproto.server.createSession",
                what="Bluesky (sign-in)",
                body={"identifier": self.handle, "password": self.password},
            )
            if not isinstance(data, dict) or not data.get("accessJwt"):
                raise TransientPublishError(
                    "Bluesky (sign-in): no session in the answer"
                )
            self._auth = (str(data["did"]), str(data["accessJwt"]))
            self.handle = str(data.get("handle") or self.handle)
        return self._auth

    def _published(self, key: str, uri: str) -> Published:
        return Published(
            external_id=uri,
            url=f"https://bsky.app/profile/{quote(self.handle)}/post/{quote(key)}",
        )

    def find_existing(self, *, key: str) -> Published | None:
        did, token = self._session_auth()
        try:
            data = _call(
                self._http,
                "GET",
                f"{self.pds}/xrpc/com.atproto.repo.getRecord",
                what="Bluesky (look-up)",
                headers=_bearer(token),
                params={"repo": did, "collection": self.collection, "rkey": key},
            )
        except PermanentPublishError as exc:
            if exc.status in (400, 404):  # RecordNotFound
                return None
            raise
        uri = data.get("uri") if isinstance(data, dict) else None
        return self._published(key, str(uri)) if uri else None

    def publish(self, *, text: str, key: str, language: str) -> Published:
        did, token = self._session_auth()
        record: dict[str, Any] = {
            "$type": self.collection,
            "text": text,
            "createdAt": dt.datetime.now(dt.UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "langs": [language],
        }
        facets = link_facets(text)
        if facets:
            record["facets"] = facets
        data = _call(
            self._http,
            "POST",
            f"{self.pds}/xrpc/com.atproto.repo.createRecord",
            what="Bluesky",
            headers=_bearer(token),
            body={
                "repo": did,
                "collection": self.collection,
                "rkey": key,
                "record": record,
            },
        )
        if not isinstance(data, dict) or not data.get("uri"):
            raise TransientPublishError("Bluesky: the answer has no record uri")
        return self._published(key, str(data["uri"]))


def link_facets(text: str) -> list[dict[str, Any]]:
    """Bluesky shows links only as facets, indexed in UTF-8 bytes."""
    facets = []
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(".,;:!?)")
        start = len(text[: match.start()].encode())
        facets.append(
            {
                "index": {"byteStart": start, "byteEnd": start + len(url.encode())},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": url}],
            }
        )
    return facets


class XPublisher(Publisher):
    """POST /2/tweets with a user-context OAuth 2.0 token (tweet.write). X has no
    idempotency key; it refuses a second identical post from the same account
    (403 duplicate content), which the service reads as "probably published"."""

    channel = Channel.X.value

    def __init__(self, *, api: str, token: str) -> None:
        self.api = api.rstrip("/")
        self.token = token

    def account(self) -> str:
        return "X"

    def find_existing(self, *, key: str) -> Published | None:
        return None

    def publish(self, *, text: str, key: str, language: str) -> Published:
        data = _call(
            _session(),
            "POST",
            f"{self.api}/2/tweets",
            what="X",
            headers=_bearer(self.token),
            body={"text": text},
        )
        tweet = data.get("data") if isinstance(data, dict) else None
        if not isinstance(tweet, dict) or not tweet.get("id"):
            raise TransientPublishError("X: the answer has no post id")
        tweet_id = str(tweet["id"])
        return Published(
            external_id=tweet_id, url=f"https://x.com/i/web/status/{tweet_id}"
        )


def publisher_for(channel: str) -> Publisher:
    """The platform's client when its credentials are set, else the outbox."""
    if channel == Channel.MASTODON:
        url, token = (
            setting("VOST_RELAY_MASTODON_URL"),
            setting("VOST_RELAY_MASTODON_TOKEN"),
        )
        if url and token:
            return MastodonPublisher(base_url=url, token=token)
    elif channel == Channel.BLUESKY:
        handle = setting("VOST_RELAY_BLUESKY_HANDLE")
        password = setting("VOST_RELAY_BLUESKY_APP_PASSWORD")
        if handle and password:
            return BlueskyPublisher(
                pds=setting("VOST_RELAY_BLUESKY_PDS") or BLUESKY_DEFAULT_PDS,
                handle=handle,
                password=password,
            )
    elif channel == Channel.X:
        token = setting("VOST_RELAY_X_BEARER_TOKEN")
        if token:
            return XPublisher(
                api=setting("VOST_RELAY_X_API_URL") or X_DEFAULT_API, token=token
            )
    return OutboxPublisher(channel)
