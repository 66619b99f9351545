"""The one shape every connector produces, and what a batch reports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

MAX_RAW_BYTES = 16_000  # raw payload kept as evidence, bounded
MAX_TEXT_CHARS = 10_000


@dataclass
class RawPost:
    """A post as a connector read it, before the pipeline: plain text, aware time, WGS 84."""

    platform: str
    external_id: str
    text: str
    posted_at: dt.datetime
    url: str = ""
    author_handle: str = ""
    author_name: str = ""
    author_id: str = ""
    author_meta: dict[str, Any] = field(default_factory=dict)
    lang_hint: str = ""  # the platform's own language tag, if any
    media: list[dict[str, Any]] = field(default_factory=list)
    geo: tuple[float, float] | None = None  # (lon, lat) from the platform
    place_hint: str = ""  # the platform's place name (X place, GeoRSS…)
    area_wkt: str = ""  # CAP: polygon/circle of the alert, as WKT in EPSG:4326
    repost_of_external_id: str = ""
    is_official: bool = False
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RejectedRecord:
    """A record a connector or the pipeline could not use, with the reason."""

    reason: str
    excerpt: str = ""


@dataclass
class FetchResult:
    """One page (or stream chunk) from a connector."""

    posts: list[RawPost]
    rejected: list[RejectedRecord] = field(default_factory=list)
    cursor: dict[str, Any] = field(default_factory=dict)  # to store if the batch lands
    more: bool = False  # another page is waiting right now
    usage: int = 0  # posts read, for quota accounting (X)


@dataclass
class IngestResult:
    received: int = 0
    inserted: int = 0
    duplicates: int = 0
    rejected: int = 0
    reasons: list[RejectedRecord] = field(default_factory=list)

    def __iadd__(self, other: IngestResult) -> IngestResult:
        self.received += other.received
        self.inserted += other.inserted
        self.duplicates += other.duplicates
        self.rejected += other.rejected
        self.reasons.extend(other.reasons)
        return self
