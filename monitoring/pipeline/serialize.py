"""RawPost ⇄ JSON-safe dict, for batches handed to Celery (JSON only, no pickle).

Reading back never trusts the payload: a record of the wrong shape becomes a
RejectedRecord with the reason, and the rest of the batch goes on.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from monitoring.pipeline.types import RawPost, RejectedRecord

_STRINGS = (
    "platform",
    "external_id",
    "text",
    "url",
    "author_handle",
    "author_name",
    "author_id",
    "lang_hint",
    "place_hint",
    "area_wkt",
    "repost_of_external_id",
)


def post_to_json(post: RawPost) -> dict[str, Any]:
    """The post as a JSON-safe dict (times in ISO 8601, geo as [lon, lat])."""
    data: dict[str, Any] = {name: getattr(post, name) for name in _STRINGS}
    data.update(
        posted_at=post.posted_at.isoformat(),
        author_meta=post.author_meta,
        media=post.media,
        geo=list(post.geo) if post.geo is not None else None,
        is_official=post.is_official,
        raw=post.raw,
    )
    return data


def post_from_json(data: Any) -> RawPost:
    """The RawPost of a dict made by post_to_json; ValueError with the reason if unusable."""
    if not isinstance(data, dict):
        raise ValueError("record is not an object")
    values: dict[str, Any] = {}
    for name in _STRINGS:
        value = data.get(name, "")
        if value is None:
            value = ""
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)  # numeric ids are common in platform payloads
        if not isinstance(value, str):
            raise ValueError(f"{name} is not a string")
        values[name] = value
    try:
        posted_at = dt.datetime.fromisoformat(str(data.get("posted_at") or ""))
    except ValueError:
        raise ValueError("missing or invalid timestamp") from None
    if posted_at.tzinfo is None:
        raise ValueError("missing or naive timestamp")
    geo = data.get("geo")
    if geo is not None:
        try:
            lon, lat = (float(v) for v in geo)
        except (TypeError, ValueError):
            raise ValueError("invalid coordinates") from None
        geo = (lon, lat)
    author_meta = data.get("author_meta") or {}
    media = data.get("media") or []
    raw = data.get("raw") or {}
    if not isinstance(author_meta, dict) or not isinstance(media, list):
        raise ValueError("author_meta or media of the wrong type")
    return RawPost(
        posted_at=posted_at,
        geo=geo,
        author_meta=author_meta,
        media=[m for m in media if isinstance(m, dict)],
        is_official=data.get("is_official") is True,
        raw=raw if isinstance(raw, dict) else {"value": raw},
        **values,
    )


def posts_from_json(
    records: Iterable[Any],
) -> tuple[list[RawPost], list[RejectedRecord]]:
    """The usable posts of a serialised batch, and a reason for each unusable record."""
    posts: list[RawPost] = []
    rejected: list[RejectedRecord] = []
    for record in records:
        try:
            posts.append(post_from_json(record))
        except ValueError as exc:
            try:
                excerpt = json.dumps(record, ensure_ascii=False, default=str)[:500]
            except (TypeError, ValueError):
                excerpt = repr(record)[:500]
            rejected.append(RejectedRecord(str(exc), excerpt))
    return posts, rejected
