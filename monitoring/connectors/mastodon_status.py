"""Mastodon statuses (API entities) as posts: plain text, author, media, reblogs."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from monitoring.connectors.social_http import BadRecord, parse_time, safe_url, short_str
from monitoring.pipeline.text import clean_text, html_to_text
from monitoring.pipeline.types import RawPost

PLATFORM = "mastodon"
MAX_MEDIA = 10

_ID = re.compile(r"^[0-9A-Za-z]{1,40}$")


def valid_id(value: Any) -> str:
    """A status id as text ("" when missing or malformed)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        value = str(value)
    return value if isinstance(value, str) and _ID.match(value) else ""


def status_posts(item: Any) -> list[RawPost]:
    """The post(s) of one status: itself, and for a reblog the original too."""
    if not isinstance(item, dict):
        raise BadRecord("not a JSON object")
    reblog = item.get("reblog")
    if reblog is None:
        return [_status_post(item)]
    if not isinstance(reblog, dict):
        raise BadRecord("reblog is not a status")
    try:
        original = _status_post(reblog)
    except BadRecord as exc:
        raise BadRecord(f"reblogged status: {exc}") from None
    repost = _status_post(item, original=original)
    return [original, repost]


def _status_post(item: dict[str, Any], *, original: RawPost | None = None) -> RawPost:
    status_id = valid_id(item.get("id"))
    if not status_id:
        raise BadRecord("missing id")
    account = item.get("account")
    if not isinstance(account, dict):
        raise BadRecord("missing account")
    try:
        posted_at = parse_time(item.get("created_at"))
    except ValueError as exc:
        raise BadRecord(f"bad created_at: {exc}") from None
    uri = safe_url(item.get("uri"), limit=200) or safe_url(item.get("url"), limit=200)
    if not uri:
        raise BadRecord("missing uri")
    handle = _handle(account)
    raw = _raw(item, status_id)
    if original is not None:
        raw["reblog_of"] = original.external_id
        return RawPost(
            platform=PLATFORM,
            external_id=uri,
            text=original.text,
            posted_at=posted_at,
            url=original.url,
            author_handle=handle,
            author_name=clean_text(short_str(account.get("display_name"))),
            author_id=short_str(account.get("id")),
            author_meta=_author_meta(account),
            lang_hint=original.lang_hint,
            media=original.media,
            repost_of_external_id=original.external_id,
            raw=raw,
        )
    return RawPost(
        platform=PLATFORM,
        external_id=uri,
        text=_text(item),
        posted_at=posted_at,
        url=safe_url(item.get("url")) or safe_url(item.get("uri")),
        author_handle=handle,
        author_name=clean_text(short_str(account.get("display_name"))),
        author_id=short_str(account.get("id")),
        author_meta=_author_meta(account),
        lang_hint=short_str(item.get("language"), 16),
        media=_media(item),
        raw=raw,
    )


def _text(item: dict[str, Any]) -> str:
    """Content warning first (it frames the text), then the content as plain text."""
    content = item.get("content")
    if not isinstance(content, str):
        content = short_str(item.get("text"), 20_000)
    body = html_to_text(content)
    spoiler = clean_text(short_str(item.get("spoiler_text"), 1000))
    return f"{spoiler}\n\n{body}".strip() if spoiler else body


def _handle(account: dict[str, Any]) -> str:
    """user@server even for accounts local to the instance (whose acct has no domain)."""
    acct = short_str(account.get("acct")).lstrip("@")
    if acct and "@" not in acct:
        host = urlsplit(safe_url(account.get("url"))).netloc
        if host:
            acct = f"{acct}@{host}"
    return acct


def _author_meta(account: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for key in ("followers_count", "following_count", "statuses_count"):
        value = account.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            meta[key] = value
    for key in ("bot", "locked", "group"):
        if isinstance(account.get(key), bool):
            meta[key] = account[key]
    if isinstance(account.get("created_at"), str):
        meta["created_at"] = account["created_at"][:40]
    if url := safe_url(account.get("url")):
        meta["url"] = url
    return meta


def _media(item: dict[str, Any]) -> list[dict[str, Any]]:
    media: list[dict[str, Any]] = []
    attachments = item.get("media_attachments")
    for attachment in attachments if isinstance(attachments, list) else []:
        if not isinstance(attachment, dict) or len(media) >= MAX_MEDIA:
            continue
        url = safe_url(attachment.get("url")) or safe_url(attachment.get("remote_url"))
        if not url:
            continue
        media.append(
            {
                "type": short_str(attachment.get("type"), 20) or "unknown",
                "url": url,
                "preview_url": safe_url(attachment.get("preview_url")),
                "description": clean_text(
                    short_str(attachment.get("description"), 1500)
                ),
            }
        )
    card = item.get("card")
    if isinstance(card, dict) and (url := safe_url(card.get("url"))):
        media.append(
            {
                "type": "link",
                "url": url,
                "title": clean_text(short_str(card.get("title"), 300)),
                "preview_url": safe_url(card.get("image")),
            }
        )
    return media[:MAX_MEDIA]


def _raw(item: dict[str, Any], status_id: str) -> dict[str, Any]:
    """What is kept as evidence: the status without the bulky account and media details."""
    account = item.get("account")
    account = account if isinstance(account, dict) else {}
    raw: dict[str, Any] = {"id": status_id}
    for key in (
        "uri",
        "url",
        "created_at",
        "edited_at",
        "visibility",
        "language",
        "sensitive",
        "spoiler_text",
        "content",
        "in_reply_to_id",
        "in_reply_to_account_id",
        "replies_count",
        "reblogs_count",
        "favourites_count",
    ):
        value = item.get(key)
        if isinstance(value, str | int | bool) and value != "":
            raw[key] = value[:5000] if isinstance(value, str) else value
    raw["account"] = {
        key: account[key]
        for key in ("id", "acct", "url")
        if isinstance(account.get(key), str)
    }
    tags = item.get("tags")
    if isinstance(tags, list):
        raw["tags"] = [
            t["name"]
            for t in tags
            if isinstance(t, dict) and isinstance(t.get("name"), str)
        ][:50]
    mentions = item.get("mentions")
    if isinstance(mentions, list):
        raw["mentions"] = [
            m["acct"]
            for m in mentions
            if isinstance(m, dict) and isinstance(m.get("acct"), str)
        ][:50]
    poll = item.get("poll")
    if isinstance(poll, dict) and isinstance(poll.get("options"), list):
        raw["poll"] = [
            clean_text(short_str(o.get("title")))
            for o in poll["options"]
            if isinstance(o, dict)
        ][:20]
    quote = item.get("quote")
    if isinstance(quote, dict):
        quoted = quote.get("quoted_status")
        if isinstance(quoted, dict):
            raw["quote_of"] = safe_url(quoted.get("uri")) or short_str(quoted.get("id"))
        elif isinstance(quote.get("quoted_status_id"), str):
            raw["quote_of"] = quote["quoted_status_id"][:200]
    return raw
