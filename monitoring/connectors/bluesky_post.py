"""Bluesky post views (app.bsky.feed.defs#postView) as posts: facets, embeds, reposts.

Facets index the UTF-8 *bytes* of the text (app.bsky.richtext.facet#byteSlice):
links, mentions and tags are resolved on the encoded text, never on str indices.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import quote

from monitoring.connectors.social_http import BadRecord, parse_time, safe_url, short_str
from monitoring.pipeline.text import clean_text
from monitoring.pipeline.types import RawPost

PLATFORM = "bluesky"
MAX_MEDIA = 10
MAX_FACETS = 100
LATE_CREATED_AT = dt.timedelta(minutes=5)
# The AppView's placeholder when a handle fails to verify.
INVALID_HANDLE = "handle.invalid"
POST_URI = re.compile(
    r"^at://(did:[a-z]+:[A-Za-z0-9._:%-]+)/app\.bsky\.feed\.post/([A-Za-z0-9._~:-]{1,512})$"
)
_CDN = "https://cdn.bsky.app/img"


def time_or_none(value: Any) -> dt.datetime | None:
    try:
        return parse_time(value)
    except ValueError:
        return None


def post_from_view(view: Any) -> tuple[RawPost, dt.datetime]:
    """One post view (app.bsky.feed.defs#postView) as a RawPost, and its sortAt time."""
    if not isinstance(view, dict):
        raise BadRecord("not a JSON object")
    uri = view.get("uri")
    if not isinstance(uri, str) or len(uri) > 200 or not (match := POST_URI.match(uri)):
        raise BadRecord("missing or invalid post uri")
    author = view.get("author")
    if not isinstance(author, dict) or not isinstance(author.get("did"), str):
        raise BadRecord("missing author")
    did = author["did"][:200]
    record = view.get("record")
    if not isinstance(record, dict):
        raise BadRecord("missing record")
    text = record.get("text")
    if not isinstance(text, str):
        raise BadRecord("missing text")
    raw: dict[str, Any] = {
        "uri": uri,
        "cid": short_str(view.get("cid")),
        "author": {"did": did, "handle": short_str(author.get("handle"))},
        "text": text[:5000],
        "createdAt": short_str(record.get("createdAt"), 60),
        "indexedAt": short_str(view.get("indexedAt"), 60),
    }
    posted_at, sort_at = _times(record.get("createdAt"), view.get("indexedAt"), raw)
    links, mentions, tags, bad_facets = resolve_facets(text, record.get("facets"))
    raw.update(links=links, mentions=mentions, tags=tags)
    if bad_facets:
        raw["facet_errors"] = bad_facets
    embed = (
        view.get("embed")
        if isinstance(view.get("embed"), dict)
        else record.get("embed")
    )
    media, quote_of, embedded = embed_parts(embed, did=did)
    if quote_of:
        raw["quote_of"] = quote_of
    if embedded:
        raw["embedded_record"] = embedded
    reply = record.get("reply")
    if isinstance(reply, dict) and isinstance(reply.get("parent"), dict):
        raw["reply_to"] = short_str(reply["parent"].get("uri"))
    labels = [
        label["val"]
        for label in [*(view.get("labels") or []), *(author.get("labels") or [])]
        if isinstance(label, dict) and isinstance(label.get("val"), str)
    ]
    if labels:
        raw["labels"] = labels[:20]
    for key in ("replyCount", "repostCount", "likeCount", "quoteCount"):
        if isinstance(view.get(key), int):
            raw[key] = view[key]
    langs = record.get("langs")
    handle = short_str(author.get("handle"))
    post = RawPost(
        platform=PLATFORM,
        external_id=uri,
        text=text,
        posted_at=posted_at,
        url=post_url(
            handle if handle and handle != INVALID_HANDLE else did, match.group(2)
        ),
        author_handle=handle if handle != INVALID_HANDLE else "",
        author_name=clean_text(short_str(author.get("displayName"))),
        author_id=did,
        author_meta=_author_meta(author),
        lang_hint=langs[0][:16]
        if isinstance(langs, list) and langs and isinstance(langs[0], str)
        else "",
        media=media,
        raw=raw,
    )
    return post, sort_at


def _times(
    created: Any, indexed: Any, raw: dict[str, Any]
) -> tuple[dt.datetime, dt.datetime]:
    """posted_at (createdAt, repaired from indexedAt when unusable) and sortAt."""
    reason = ""
    try:
        created_at: dt.datetime | None = parse_time(created)
    except ValueError as exc:
        created_at = None
        reason = f"createdAt unusable ({exc})"
    indexed_at = time_or_none(indexed)
    if created_at and indexed_at and created_at > indexed_at + LATE_CREATED_AT:
        created_at = None
        reason = "createdAt after indexedAt"
    if created_at is None:
        if indexed_at is None:
            raise BadRecord(f"bad date: {reason}")
        raw["repaired"] = f"{reason}: posted_at taken from indexedAt"
        return indexed_at, indexed_at
    sort_at = min(created_at, indexed_at) if indexed_at else created_at
    return created_at, sort_at


def post_url(actor: str, rkey: str) -> str:
    return f"https://bsky.app/profile/{quote(actor, safe=':.')}/post/{quote(rkey, safe='')}"


def _author_meta(author: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for source, target in (
        ("followersCount", "followers_count"),
        ("followsCount", "following_count"),
        ("postsCount", "statuses_count"),
    ):
        value = author.get(source)
        if isinstance(value, int) and not isinstance(value, bool):
            meta[target] = value
    if isinstance(author.get("createdAt"), str):
        meta["created_at"] = author["createdAt"][:40]
    associated = author.get("associated")
    if isinstance(associated, dict) and isinstance(associated.get("labeler"), bool):
        meta["labeler"] = associated["labeler"]
    return meta


def resolve_facets(
    text: str, facets: Any
) -> tuple[list[dict[str, str]], list[dict[str, str]], list[dict[str, str]], int]:
    """Links, mentions and tags of a post, from facets indexed on UTF-8 bytes.

    A facet whose byte range is out of bounds, reversed, or cuts a character in
    two is ignored (counted in the last value), as are links that are not http(s).
    """
    links: list[dict[str, str]] = []
    mentions: list[dict[str, str]] = []
    tags: list[dict[str, str]] = []
    bad = 0
    if not isinstance(facets, list):
        return links, mentions, tags, 0
    encoded = text.encode("utf-8")
    for facet in facets[:MAX_FACETS]:
        index = facet.get("index") if isinstance(facet, dict) else None
        start = index.get("byteStart") if isinstance(index, dict) else None
        end = index.get("byteEnd") if isinstance(index, dict) else None
        features = facet.get("features") if isinstance(facet, dict) else None
        if (
            not isinstance(start, int)
            or not isinstance(end, int)
            or not 0 <= start < end <= len(encoded)
            or not isinstance(features, list)
        ):
            bad += 1
            continue
        try:
            span = encoded[start:end].decode("utf-8")
        except UnicodeDecodeError:
            bad += 1  # the slice cuts a multi-byte character: wrong offsets
            continue
        for feature in features:
            if not isinstance(feature, dict):
                bad += 1
                continue
            kind = str(feature.get("$type", "")).rsplit("#", 1)[-1]
            if kind == "link" or (not kind and "uri" in feature):
                if url := safe_url(feature.get("uri"), limit=2000):
                    links.append({"uri": url, "text": span})
                else:
                    bad += 1
            elif kind == "mention" or (not kind and "did" in feature):
                did = feature.get("did")
                if isinstance(did, str) and did.startswith("did:"):
                    mentions.append({"did": did[:200], "text": span})
                else:
                    bad += 1
            elif kind == "tag" or (not kind and "tag" in feature):
                tag = feature.get("tag")
                if isinstance(tag, str) and 0 < len(tag) <= 640:
                    tags.append({"tag": tag, "text": span})
                else:
                    bad += 1
    return links, mentions, tags, bad


def embed_parts(embed: Any, *, did: str) -> tuple[list[dict[str, Any]], str, str]:
    """(media, uri of a quoted post, uri of another embedded record) of an embed, in
    its view form (#view, from the AppView) or its record form (from a repository)."""
    media: list[dict[str, Any]] = []
    if not isinstance(embed, dict):
        return media, "", ""
    kind = str(embed.get("$type", "")).split("#")[0]
    if kind == "app.bsky.embed.recordWithMedia":
        inner_media = embed.get("media")
        if isinstance(inner_media, dict) and str(
            inner_media.get("$type", "")
        ).startswith("app.bsky.embed.recordWithMedia"):
            inner_media = None  # the lexicon allows images, video or external only
        media, _, _ = embed_parts(inner_media, did=did)
        inner = embed.get("record")
        record = inner.get("record") if isinstance(inner, dict) else None
        quoted, other = _record_uri(record)
        return media, quoted, other
    if kind == "app.bsky.embed.record":
        quoted, other = _record_uri(embed.get("record"))
        return media, quoted, other
    if kind == "app.bsky.embed.images":
        images = embed.get("images")
        for image in images if isinstance(images, list) else []:
            if not isinstance(image, dict) or len(media) >= MAX_MEDIA:
                continue
            full, thumb = safe_url(image.get("fullsize")), safe_url(image.get("thumb"))
            if not full and isinstance(image.get("image"), dict):
                full, thumb = _blob_urls(image["image"], did)
            if full:
                media.append(
                    {
                        "type": "image",
                        "url": full,
                        "preview_url": thumb,
                        "description": clean_text(short_str(image.get("alt"), 1500)),
                    }
                )
    elif kind == "app.bsky.embed.video":
        url = safe_url(embed.get("playlist"))
        if url:
            media.append(
                {
                    "type": "video",
                    "url": url,
                    "preview_url": safe_url(embed.get("thumbnail")),
                    "description": clean_text(short_str(embed.get("alt"), 1500)),
                }
            )
    elif kind == "app.bsky.embed.external":
        external = embed.get("external")
        if isinstance(external, dict) and (url := safe_url(external.get("uri"))):
            media.append(
                {
                    "type": "link",
                    "url": url,
                    "title": clean_text(short_str(external.get("title"), 300)),
                    "preview_url": safe_url(external.get("thumb")),
                }
            )
    return media, "", ""


def _record_uri(record: Any) -> tuple[str, str]:
    """(quoted post uri, other record uri) of an embedded record view or strongRef."""
    if not isinstance(record, dict) or not isinstance(record.get("uri"), str):
        return "", ""
    uri = record["uri"][:300]
    return (uri, "") if "/app.bsky.feed.post/" in uri else ("", uri)


def _blob_urls(blob: dict[str, Any], did: str) -> tuple[str, str]:
    """CDN URLs of an image blob referenced by a record (no view available)."""
    ref = blob.get("ref")
    cid = ref.get("$link") if isinstance(ref, dict) else None
    if not isinstance(cid, str) or not re.fullmatch(r"[a-z0-9]{10,120}", cid):
        return "", ""
    actor = quote(did, safe=":")
    return (
        f"{_CDN}/feed_fullsize/plain/{actor}/{cid}@jpeg",
        f"{_CDN}/feed_thumbnail/plain/{actor}/{cid}@jpeg",
    )


def feed_item_posts(item: Any) -> tuple[list[RawPost], str]:
    """A feed item ({post, reason}): the post, and for a repost also the repost.

    Returns the posts and, when the repost itself is unusable (its original is
    still kept), the reason to record for it.
    """
    if not isinstance(item, dict):
        raise BadRecord("not a JSON object")
    if "post" not in item:
        raise BadRecord("feed item without a post")
    original, _sort_at = post_from_view(item["post"])
    reason = item.get("reason")
    if not isinstance(reason, dict) or not str(reason.get("$type", "")).endswith(
        "#reasonRepost"
    ):
        return [original], ""
    by = reason.get("by")
    if not isinstance(by, dict) or not isinstance(by.get("did"), str):
        return [original], "repost without its author"
    try:
        reposted_at = parse_time(reason.get("indexedAt"))
    except ValueError as exc:
        return [original], f"repost with a bad date: {exc}"
    repost_uri = reason.get("uri")
    external_id = (
        repost_uri[:200]
        if isinstance(repost_uri, str) and repost_uri.startswith("at://")
        else f"{original.external_id}#repost-by-{by['did']}"[:200]
    )
    handle = short_str(by.get("handle"))
    repost = RawPost(
        platform=PLATFORM,
        external_id=external_id,
        text=original.text,
        posted_at=reposted_at,
        url=original.url,
        author_handle=handle if handle != INVALID_HANDLE else "",
        author_name=clean_text(short_str(by.get("displayName"))),
        author_id=by["did"][:200],
        author_meta=_author_meta(by),
        lang_hint=original.lang_hint,
        media=original.media,
        repost_of_external_id=original.external_id,
        raw={
            "repost_of": original.external_id,
            "by": by["did"][:200],
            "indexedAt": short_str(reason.get("indexedAt"), 60),
        },
    )
    return [original, repost], ""
