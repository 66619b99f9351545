"""CAP alerts: a single alert, an Atom/RSS index of alerts (embedded or linked), or an
EDXL-DE distribution carrying alerts.

Documents are parsed by lxml with entities unresolved, no DTD loading and no
network; any document with a DOCTYPE is refused ("DTD not allowed"), whatever it
declares. A source document may be 5 MB, one alert 1 MB. Linked alerts are fetched
a few at a time: the ones still to fetch wait in the cursor ("pending"), the index
entries already handled are remembered ("seen"), and the index itself is fetched
with its ETag/Last-Modified.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any, ClassVar

from django.conf import settings
from lxml import etree

from monitoring.connectors import register
from monitoring.connectors.base import (
    Connector,
    SourceConfigError,
    SourceTemporarilyUnavailable,
)
from monitoring.connectors.cap_alert import MAX_ALERT_BYTES, PLATFORM, alert_post
from monitoring.connectors.cap_documents import (
    EXCERPT_CHARS,
    Document,
    DocumentError,
    IndexEntry,
    read_document,
)
from monitoring.connectors.cap_validation import AlertRejected, cap_schema
from monitoring.connectors.feed_http import (
    TooLarge,
    check_url,
    conditional_get,
    new_session,
    safe_url,
)
from monitoring.pipeline.types import FetchResult, RawPost, RejectedRecord

logger = logging.getLogger(__name__)

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024  # an index feed or EDXL distribution
MAX_FILE_BYTES = 50 * 1024 * 1024  # file import
LINKED_PER_FETCH = 20  # linked alerts fetched per call; the rest wait in the cursor
MAX_PENDING = 500
SEEN_LIMIT = 1000
LINK_TRIES = 3
FETCH_BUDGET_SECONDS = (
    90.0  # linked alerts left when it is spent wait for the next call
)

NOT_FETCHED_IN_FILE = "linked alert not fetched in file import"


# --- the connector -----------------------------------------------------------------
@register
class CapConnector(Connector):
    """params: {"url": index feed or single alert, "languages": ["fr", "en"] (optional:
    which <info> gives the post's text; default the site language)}."""

    platform: ClassVar[str] = PLATFORM

    def __init__(self, *, params: dict[str, Any], credentials: str | None) -> None:
        super().__init__(params=params, credentials=credentials)
        self.session = new_session()

    def validate(self) -> None:
        self.url = check_url(self.params.get("url"), what="CAP feed URL")
        languages = self.params.get("languages", [])
        if not isinstance(languages, list) or not all(
            isinstance(code, str) and 0 < len(code) <= 16 for code in languages
        ):
            raise SourceConfigError("languages must be a list of language codes")
        self.languages = languages or [settings.LANGUAGE_CODE]
        cap_schema()  # a wrong VOST_CAP_SCHEMA_PATH fails here, loudly

    def fetch(self, *, cursor: dict[str, Any]) -> FetchResult:
        pending = _pending(cursor.get("pending"))
        seen = [s for s in cursor.get("seen", []) if isinstance(s, str)]
        state = {
            "etag": _str(cursor.get("etag")),
            "last_modified": _str(cursor.get("last_modified")),
        }
        result = FetchResult(posts=[], cursor={})
        if not any(item["tries"] == 0 for item in pending):
            new_pending, seen, changed = self._read_source(result, state, seen)
            if not changed and not pending:
                return FetchResult(posts=[], cursor=dict(cursor))
            pending = new_pending + pending
        batch, rest = pending[:LINKED_PER_FETCH], pending[LINKED_PER_FETCH:]
        started = time.monotonic()
        for number, item in enumerate(batch):
            if time.monotonic() - started > FETCH_BUDGET_SECONDS:
                rest = batch[number:] + rest  # slow servers: keep the poll bounded
                break
            outcome = self._fetch_linked(item)
            if isinstance(outcome, RawPost):
                result.posts.append(outcome)
            elif isinstance(outcome, RejectedRecord):
                result.rejected.append(outcome)
            elif item["tries"] + 1 >= LINK_TRIES:
                result.rejected.append(
                    RejectedRecord(
                        f"linked alert: gave up after {LINK_TRIES} failed fetches",
                        item["url"][:EXCERPT_CHARS],
                    )
                )
            else:
                rest.append({**item, "tries": item["tries"] + 1})
        result.cursor = {
            **state,
            "seen": seen[:SEEN_LIMIT],
            "pending": rest[:MAX_PENDING],
        }
        result.more = any(item["tries"] == 0 for item in rest)
        return result

    def _read_source(
        self, result: FetchResult, state: dict[str, str], seen: list[str]
    ) -> tuple[list[dict[str, Any]], list[str], bool]:
        """Fetch the source document; fill `result` with what it carries; return the
        linked alerts to fetch, the updated seen keys, and whether it changed."""
        try:
            response = conditional_get(
                self.session,
                self.url,
                limit=MAX_DOCUMENT_BYTES,
                etag=state["etag"],
                last_modified=state["last_modified"],
                what="CAP feed",
            )
        except TooLarge as exc:
            raise SourceTemporarilyUnavailable(str(exc)) from None
        if response.not_modified:
            return [], seen, False
        state.update(etag=response.etag, last_modified=response.last_modified)
        try:
            document = read_document(response.body)
        except DocumentError as exc:
            raise SourceTemporarilyUnavailable(f"CAP feed refused: {exc}") from None
        result.rejected += document.rejected
        if document.kind != "index":
            self._add_alerts(result, document, url=response.url)
            return [], seen, True
        known = set(seen)
        linked: list[dict[str, Any]] = []
        current: list[str] = []
        for entry in document.entries:
            current.append(entry.key)
            if entry.key in known:
                continue
            outcome, note = _embedded(entry, self.languages, document.notes)
            if isinstance(outcome, RawPost):
                result.posts.append(outcome)
            elif isinstance(outcome, RejectedRecord):
                result.rejected.append(outcome)
            else:
                linked.append({"url": entry.link, "note": note, "tries": 0})
        merged = list(dict.fromkeys([*current, *seen]))
        return linked, merged, True

    def _add_alerts(self, result: FetchResult, document: Document, *, url: str) -> None:
        for alert in document.alerts:
            outcome = _post_or_rejection(
                alert, languages=self.languages, url=url, notes=document.notes
            )
            if isinstance(outcome, RawPost):
                result.posts.append(outcome)
            else:
                result.rejected.append(outcome)

    def _fetch_linked(self, item: dict[str, Any]) -> RawPost | RejectedRecord | None:
        """The linked alert as a post or a rejection; None when worth another try."""
        url = item["url"]
        excerpt = url[:EXCERPT_CHARS]
        try:
            response = conditional_get(
                self.session,
                check_url(url, what="alert link"),
                limit=MAX_ALERT_BYTES,
                what="linked alert",
            )
        except SourceConfigError as exc:
            return RejectedRecord(str(exc), excerpt)
        except TooLarge:
            return RejectedRecord(
                f"alert too large: over {MAX_ALERT_BYTES // 1024} KB", excerpt
            )
        except SourceTemporarilyUnavailable as exc:
            logger.warning("linked alert %s not fetched: %s", url, exc)
            return None
        try:
            document = read_document(response.body)
        except DocumentError as exc:
            return RejectedRecord(f"linked alert refused: {exc}", excerpt)
        if document.kind != "alert":
            return RejectedRecord("the link does not lead to a CAP alert", excerpt)
        notes = [*document.notes, *([item["note"]] if item.get("note") else [])]
        return _post_or_rejection(
            document.alerts[0], languages=self.languages, url=response.url, notes=notes
        )


def parse_file(
    data: bytes, *, fmt: str, languages: list[str] | None = None
) -> FetchResult:
    """A saved CAP document (alert, index feed with embedded alerts, EDXL-DE) as posts.

    Linked alerts are not fetched (rejected with a reason); ValueError when the
    whole document is refused (not XML, DTD, unknown kind).
    """
    if fmt != PLATFORM:
        raise ValueError(f"the cap module does not read format {fmt!r}")
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"file too large: {len(data)} bytes")
    langs = languages or [settings.LANGUAGE_CODE]
    document = read_document(data)
    result = FetchResult(posts=[], rejected=list(document.rejected))
    for alert in document.alerts:
        outcome = _post_or_rejection(alert, languages=langs, notes=document.notes)
        if isinstance(outcome, RawPost):
            result.posts.append(outcome)
        else:
            result.rejected.append(outcome)
    for entry in document.entries:
        embedded, note = _embedded(entry, langs, document.notes)
        if isinstance(embedded, RawPost):
            result.posts.append(embedded)
        elif isinstance(embedded, RejectedRecord):
            result.rejected.append(embedded)
        else:
            reason = f"{note}; {NOT_FETCHED_IN_FILE}" if note else NOT_FETCHED_IN_FILE
            result.rejected.append(RejectedRecord(reason, entry.link[:EXCERPT_CHARS]))
    return result


def _embedded(
    entry: IndexEntry, languages: list[str], notes: list[str]
) -> tuple[RawPost | RejectedRecord | None, str]:
    """What an index entry gives without fetching: a post, a rejection, or None (then
    its link must be fetched) with a note on why the embedded alert was not used."""
    if entry.alert is not None:
        outcome = _post_or_rejection(
            entry.alert, languages=languages, url=safe_url(entry.link), notes=notes
        )
        if isinstance(outcome, RawPost) or not entry.link:
            return outcome, ""
        return None, f"embedded alert unusable ({outcome.reason[:150]})"
    if entry.link:
        return None, ""
    return RejectedRecord(
        "index entry without an alert or a link to one", entry.excerpt
    ), ""


def _post_or_rejection(
    alert: Any, *, languages: list[str], url: str = "", notes: Sequence[str] = ()
) -> RawPost | RejectedRecord:
    try:
        return alert_post(alert, languages=languages, url=url, notes=notes)
    except AlertRejected as exc:
        return RejectedRecord(str(exc), _alert_excerpt(alert))


def _alert_excerpt(alert: Any) -> str:
    return str(etree.tostring(alert)[:EXCERPT_CHARS].decode("utf-8", "replace"))


def _pending(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        return []
    return [
        {
            "url": item["url"],
            "note": _str(item.get("note")),
            "tries": int(item["tries"]),
        }
        for item in value
        if isinstance(item, dict)
        and isinstance(item.get("url"), str)
        and isinstance(item.get("tries"), int)
    ]


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""
