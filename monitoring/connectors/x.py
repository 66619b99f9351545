"""X (Twitter) API v2: recent search, the filtered stream, recorded files.

The only module that imports tweepy. Reading pages is in x_parse (re-exported
here: `parse_page`, `parse_stream_line`, and `parse_file` for the formats "x"
and "x-stream"); this module talks to X and maps its failures to ours.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import requests
import tweepy

from monitoring.connectors import register
from monitoring.connectors.base import (
    Connector,
    SourceConfigError,
    SourceTemporarilyUnavailable,
)
from monitoring.connectors.x_parse import (
    PLATFORM,
    newer_id,
    parse_file,
    parse_page,
    parse_stream_line,
    x_id,
)
from monitoring.pipeline.types import FetchResult

__all__ = ["XConnector", "XStream", "parse_file", "parse_page", "parse_stream_line"]

logger = logging.getLogger(__name__)

HTTP_TIMEOUT = 30  # seconds; tweepy's Client sets none
EXPANSIONS = [
    "author_id",
    "geo.place_id",
    "attachments.media_keys",
    "referenced_tweets.id",
    "referenced_tweets.id.author_id",
]
TWEET_FIELDS = [
    "created_at",
    "lang",
    "author_id",
    "geo",
    "attachments",
    "referenced_tweets",
    "entities",
    "edit_history_tweet_ids",
    "conversation_id",
    "in_reply_to_user_id",
    "possibly_sensitive",
    "withheld",
]
USER_FIELDS = [
    "username",
    "name",
    "created_at",
    "verified",
    "verified_type",
    "public_metrics",
    "location",
]
PLACE_FIELDS = ["full_name", "name", "geo", "country_code", "place_type"]
MEDIA_FIELDS = ["type", "url", "preview_image_url", "alt_text", "width", "height"]
REQUEST_FIELDS: dict[str, Any] = {
    "expansions": EXPANSIONS,
    "tweet_fields": TWEET_FIELDS,
    "user_fields": USER_FIELDS,
    "place_fields": PLACE_FIELDS,
    "media_fields": MEDIA_FIELDS,
}

MAX_QUERY = 1024
_LANG_PARAM = re.compile(r"^[a-z]{2,3}$")


class _DropAuthorisationLogs(logging.Filter):
    """tweepy logs request headers (the bearer token) at DEBUG: never let them out."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Authorization" not in str(record.msg)


logging.getLogger("tweepy.client").addFilter(_DropAuthorisationLogs())


class _TimeoutSession(requests.Session):
    """A session whose requests give up after HTTP_TIMEOUT unless told otherwise."""

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        kwargs.setdefault("timeout", HTTP_TIMEOUT)
        return super().request(method, url, *args, **kwargs)


def new_session() -> requests.Session:
    """The HTTP session X clients use (tests replace it to mount a replay adapter)."""
    return _TimeoutSession()


# --- the API --------------------------------------------------------------------
def _http_failure(exc: Exception) -> SourceConfigError | SourceTemporarilyUnavailable:
    """Our error for a failed X call: wait and retry, or a person must act."""
    if isinstance(exc, tweepy.TooManyRequests):
        reset = getattr(exc, "reset_time", None)
        wait = max(1.0, float(reset) - time.time()) if reset else None
        return SourceTemporarilyUnavailable(
            "X rate limit reached (429)"
            + (f"; resets in {wait:.0f} s" if wait is not None else ""),
            retry_after=wait,
        )
    if isinstance(exc, tweepy.TwitterServerError):
        return SourceTemporarilyUnavailable(f"X server error: {exc}"[:300])
    if isinstance(exc, tweepy.Unauthorized):
        return SourceConfigError(
            "X refused the bearer token (401): check the credentials variable"
        )
    if isinstance(exc, tweepy.Forbidden):
        return SourceConfigError(f"X forbids this request (403): {exc}"[:300])
    if isinstance(exc, tweepy.BadRequest | tweepy.NotFound):
        return SourceConfigError(f"X rejected the query: {exc}"[:300])
    if isinstance(exc, tweepy.HTTPException):
        return SourceTemporarilyUnavailable(f"X answered with an error: {exc}"[:300])
    return SourceTemporarilyUnavailable(
        f"X could not be reached or sent an unreadable answer ({type(exc).__name__})"
    )


def query_for(params: dict[str, Any]) -> str:
    """The X query a source's parameters stand for (its search, or its stream rule)."""
    query = str(params.get("query") or "").strip()
    lang = params.get("lang")
    if lang and "lang:" not in query:
        query = f"({query}) lang:{lang}"
    return query


@register
class XConnector(Connector):
    """Recent search with a since_id cursor that only moves forward.

    Cursor: {"since_id"} between polls; while X pages through more results
    than one request returns, also {"next_token", "pending_newest_id"}, with
    `more` set so the poller asks again. Stream sources ({"stream": true}) are
    fed by `manage.py run_x_stream`; polling them returns nothing (and spends
    none of the monthly cap).
    """

    platform = PLATFORM

    def validate(self) -> None:
        query = self.params.get("query")
        if not isinstance(query, str) or not query.strip():
            raise SourceConfigError("an X source needs a search query")
        if len(query_for(self.params)) > MAX_QUERY:
            raise SourceConfigError(
                f"the X query is longer than {MAX_QUERY} characters"
            )
        max_results = self.params.get("max_results", 100)
        if (
            isinstance(max_results, bool)
            or not isinstance(max_results, int)
            or not 10 <= max_results <= 100
        ):
            raise SourceConfigError("max_results must be a whole number from 10 to 100")
        lang = self.params.get("lang")
        if lang not in (None, "") and not (
            isinstance(lang, str) and _LANG_PARAM.match(lang)
        ):
            raise SourceConfigError("lang must be a language code such as fr")
        if not isinstance(self.params.get("stream", False), bool):
            raise SourceConfigError("stream must be true or false")
        if not self.credentials:
            raise SourceConfigError(
                "X needs a bearer token: set the source's credentials variable"
            )

    def __init__(self, *, params: dict[str, Any], credentials: str | None) -> None:
        super().__init__(params=params, credentials=credentials)
        self.client = tweepy.Client(bearer_token=credentials, return_type=dict)
        self.client.session = new_session()
        self.session: requests.Session = self.client.session

    def _search(self, *, since_id: str | None, next_token: str | None) -> Any:
        kwargs: dict[str, Any] = {
            "query": query_for(self.params),
            "max_results": self.params.get("max_results", 100),
            **REQUEST_FIELDS,
        }
        if since_id:
            kwargs["since_id"] = since_id
        if next_token:
            kwargs["next_token"] = next_token
        try:
            return self.client.search_recent_tweets(**kwargs)
        except (tweepy.TweepyException, requests.RequestException, ValueError) as exc:
            raise _http_failure(exc) from exc

    def _page(self, *, since_id: str | None, next_token: str | None) -> Any:
        try:
            return self._search(since_id=since_id, next_token=next_token)
        except SourceConfigError as exc:
            bad_request = isinstance(exc.__cause__, tweepy.BadRequest)
            if bad_request and next_token:
                # an expired page token: start again from the top (dedupe absorbs repeats)
                logger.info("X refused a page token, restarting the page walk")
                return self._page(since_id=since_id, next_token=None)
            if bad_request and since_id and "since_id" in str(exc):
                # since_id older than the search window (a long pause): search it all
                logger.info("X refused since_id %s, searching without it", since_id)
                return self._search(since_id=None, next_token=None)
            raise

    def fetch(self, *, cursor: dict[str, Any]) -> FetchResult:
        if self.params.get("stream"):
            return FetchResult(posts=[], cursor=dict(cursor))
        since_id = x_id(cursor.get("since_id"))
        token = cursor.get("next_token")
        next_token = token if isinstance(token, str) and token else None
        pending = x_id(cursor.get("pending_newest_id"))

        page = self._page(since_id=since_id, next_token=next_token)
        if not isinstance(page, dict):
            raise SourceTemporarilyUnavailable("X sent an unexpected answer")
        result = parse_page(page)
        meta = page.get("meta")
        meta = meta if isinstance(meta, dict) else {}
        newest = newer_id(pending, x_id(meta.get("newest_id")))
        for post in result.posts:
            newest = newer_id(newest, post.external_id)
        following = meta.get("next_token")
        if isinstance(following, str) and following:
            result.cursor = {"next_token": following}
            if since_id:
                result.cursor["since_id"] = since_id
            if newest:
                result.cursor["pending_newest_id"] = newest
            result.more = True
        else:
            moved = newer_id(since_id, newest)
            result.cursor = {"since_id": moved} if moved else {}
        return result


# --- the filtered stream --------------------------------------------------------
def stream_rule(*, value: str, tag: str) -> Any:
    return tweepy.StreamRule(value=value, tag=tag)


def rules_client(token: str) -> Any:
    """A client for the stream's rules (its own session: the stream holds another)."""
    client = tweepy.StreamingClient(token, return_type=dict)
    client.session = new_session()
    return client


class XStream(tweepy.StreamingClient):  # type: ignore[misc]
    """tweepy's filtered stream, handing every line to `on_line` on its own thread.

    tweepy reconnects after network errors and HTTP errors with its own
    backoff; after `max_retries` failures in a row it gives up and the caller
    (the stream worker) reconnects with a fresh client.
    """

    def __init__(
        self,
        token: str,
        *,
        on_line: Callable[[bytes], None],
        stop: threading.Event,
        max_retries: int = 8,
    ) -> None:
        super().__init__(token, return_type=dict, max_retries=max_retries, daemon=True)
        self._on_line = on_line
        self._stop = stop
        self._closed_at = 0.0
        self._close_wait = 1.0

    def start(self) -> None:
        self.filter(threaded=True, **REQUEST_FIELDS)

    @property
    def alive(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def on_data(self, raw_data: bytes) -> None:
        self._on_line(raw_data)

    def on_keep_alive(self) -> None:
        self._on_line(b"")

    def on_closed(self, response: Any) -> None:
        # X closed the stream; tweepy reconnects at once, which is right once,
        # but a stream that keeps closing must not be hammered.
        now = time.monotonic()
        self._close_wait = (
            min(self._close_wait * 2, 60.0) if now - self._closed_at < 30 else 1.0
        )
        self._closed_at = now
        logger.warning("X closed the stream; reconnecting in %.0f s", self._close_wait)
        if self._stop.wait(self._close_wait):
            self.disconnect()

    def on_request_error(self, status_code: int) -> None:
        logger.error("X stream connection refused with HTTP %s", status_code)

    def on_exception(self, exception: Exception) -> None:
        logger.error("X stream stopped on %s", type(exception).__name__)
