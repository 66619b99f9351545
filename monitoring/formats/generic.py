"""The generic JSONL format: one post per line, for any source we have no connector for.

Documented in docs/formats.md. Each line is a JSON object:

    {"id": "42", "text": "…", "posted_at": "2026-10-14T18:05:00+02:00",
     "author": "…", "url": "https://…", "lang": "fr", "lat": 43.61, "lon": 3.88,
     "place": "Montpellier", "repost_of": "41", "platform": "generic", "official": false}

`id`, `text` and `posted_at` (ISO 8601 with a UTC offset) are required; the rest is
optional. Unknown fields are kept in the raw payload. A line that cannot be used is
rejected as "line N: reason"; markup in the text is removed (and noted in the raw
payload). Lines are read one at a time, never the whole file.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import re
from collections.abc import Iterator
from typing import IO, Any

from monitoring.models import Platform
from monitoring.pipeline.text import clean_text, html_to_text
from monitoring.pipeline.types import FetchResult, RawPost, RejectedRecord

MAX_LINE_BYTES = 1_000_000
MAX_ID_CHARS = 200
EXCERPT_CHARS = 300
_SKIP_CHUNK = 1 << 20
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")
_LANG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$")
_NUMBER = (int, float)


class RecordError(ValueError):
    """One record cannot be used; the message is the reason, without the line number."""


def iter_lines(
    stream: IO[bytes], *, max_bytes: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, bytes | None, int]]:
    """(line number, bytes, size) for each line; bytes is None when the line is longer
    than `max_bytes` (it is skipped in chunks, never held in memory)."""
    number = 0
    while True:
        line = stream.readline(max_bytes + 1)
        if not line:
            return
        number += 1
        if len(line) > max_bytes and not line.endswith(b"\n"):
            size = len(line)
            while True:
                chunk = stream.readline(_SKIP_CHUNK)
                size += len(chunk)
                if not chunk or chunk.endswith(b"\n"):
                    break
            yield number, None, size
            continue
        yield number, line, len(line)


def decode_line(number: int, line: bytes) -> str:
    """The line as text (BOM and surrounding blanks removed); RecordError if not UTF-8."""
    if number == 1 and line.startswith(b"\xef\xbb\xbf"):
        line = line[3:]
    try:
        return line.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise RecordError(f"not valid UTF-8 (byte {exc.start})") from None


def load_object(text: str) -> dict[str, Any]:
    """The JSON object on a line; RecordError when it is malformed or not an object."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text) - 1 or "Unterminated" in exc.msg:
            raise RecordError(f"truncated JSON ({exc.msg})") from None
        raise RecordError(f"malformed JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise RecordError("malformed JSON (nested too deeply)") from None
    if not isinstance(value, dict):
        raise RecordError(f"expected a JSON object, got {type(value).__name__}")
    return value


def parse_time(value: Any, *, field: str = "posted_at") -> dt.datetime:
    """An aware UTC datetime from an ISO 8601 string that has a UTC offset."""
    if value is None or value == "":
        raise RecordError(f"missing {field}")
    if not isinstance(value, str):
        raise RecordError(f"{field} must be an ISO 8601 string")
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise RecordError(
            f"{field} is not an ISO 8601 date-time: {value[:40]!r}"
        ) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise RecordError(f"{field} has no UTC offset: {value[:40]!r}")
    return parsed.astimezone(dt.UTC)


def _identifier(value: Any, *, field: str, required: bool) -> str:
    if value is None or value == "":
        if required:
            raise RecordError(f"missing {field}")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RecordError(f"{field} must be a string or an integer")
    text = str(value).strip()
    if not text:
        if required:
            raise RecordError(f"missing {field}")
        return ""
    if len(text) > MAX_ID_CHARS:
        raise RecordError(f"{field} longer than {MAX_ID_CHARS} characters")
    return text


def _optional_text(record: dict[str, Any], field: str, limit: int = 200) -> str:
    value = record.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RecordError(f"{field} must be a string")
    return clean_text(value)[:limit]


def _coordinate(value: Any, field: str) -> float:
    if isinstance(value, bool):
        raise RecordError(f"{field} must be a number")
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise RecordError(f"{field} must be a number") from None
    if not isinstance(value, _NUMBER) or not math.isfinite(value):
        raise RecordError(f"{field} must be a number")
    return float(value)


def _geo(record: dict[str, Any]) -> tuple[float, float] | None:
    lat, lon = record.get("lat"), record.get("lon")
    if lat is None and lon is None:
        return None
    if lat is None or lon is None:
        raise RecordError("lat and lon go together: one is missing")
    latitude, longitude = _coordinate(lat, "lat"), _coordinate(lon, "lon")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise RecordError(f"coordinates out of range: lat {latitude}, lon {longitude}")
    return (longitude, latitude)


def parse_record(
    record: dict[str, Any],
    *,
    posted_at: dt.datetime | None = None,
    platform: str | None = None,
) -> RawPost:
    """A RawPost from one generic record; RecordError with the reason otherwise.

    `posted_at` and `platform`, when given, replace the record's own (exercise replay).
    """
    repairs: list[str] = []
    external_id = _identifier(record.get("id"), field="id", required=True)
    raw_text = record.get("text")
    if raw_text is None:
        raise RecordError("missing text")
    if not isinstance(raw_text, str):
        raise RecordError("text must be a string")
    if _MARKUP.search(raw_text):
        text = html_to_text(raw_text)
        repairs.append("markup removed from text")
    else:
        text = clean_text(raw_text)
    if not text:
        raise RecordError(
            "text is empty once markup is removed" if raw_text.strip() else "empty text"
        )
    when = posted_at if posted_at is not None else parse_time(record.get("posted_at"))

    declared = record.get("platform", Platform.GENERIC.value)
    if declared is None:
        declared = Platform.GENERIC.value
    if not isinstance(declared, str) or declared not in Platform.values:
        raise RecordError(f"unknown platform {str(declared)[:40]!r}")

    official = record.get("official", False)
    if official is None:
        official = False
    if not isinstance(official, bool):
        raise RecordError("official must be true or false")

    url = _optional_text(record, "url", 500)
    if url and not re.match(r"^https?://[^\s/]+", url, re.IGNORECASE):
        repairs.append("url dropped: not an http(s) address")
        url = ""

    lang = _optional_text(record, "lang", 35)
    if lang and not _LANG.match(lang):
        repairs.append("lang ignored: not a language tag")
        lang = ""
    author = _optional_text(record, "author")

    raw = dict(record)
    if repairs:
        raw["_repairs"] = repairs
    return RawPost(
        platform=platform or declared,
        external_id=external_id,
        text=text,
        posted_at=when,
        url=url,
        author_handle=author.lstrip("@"),
        lang_hint=re.split(r"[-_]", lang)[0].lower() if lang else "",
        geo=_geo(record),
        place_hint=_optional_text(record, "place"),
        repost_of_external_id=_identifier(
            record.get("repost_of"), field="repost_of", required=False
        ),
        is_official=official,
        raw=raw,
    )


def excerpt(line: bytes | str) -> str:
    text = (
        line
        if isinstance(line, str)
        else line[: EXCERPT_CHARS * 4].decode("utf-8", errors="replace")
    )
    return text[:EXCERPT_CHARS]


def iter_records(stream: IO[bytes]) -> Iterator[RawPost | RejectedRecord]:
    """Each line of a generic JSONL stream as a RawPost or a RejectedRecord ("line N: …").
    Blank lines are skipped."""
    for number, line, size in iter_lines(stream):
        if line is None:
            yield RejectedRecord(
                f"line {number}: record too large ({size:,} bytes, at most {MAX_LINE_BYTES:,})"
            )
            continue
        try:
            text = decode_line(number, line)
            if not text:
                continue
            yield parse_record(load_object(text))
        except RecordError as exc:
            yield RejectedRecord(f"line {number}: {exc}", excerpt(line))


def parse_file(data: bytes, *, fmt: str = "generic") -> FetchResult:
    """The whole of a (small) generic JSONL file, in the connectors' `parse_file` shape."""
    if fmt != "generic":
        raise ValueError(f"unsupported format {fmt!r}")
    result = FetchResult(posts=[])
    for item in iter_records(io.BytesIO(data)):
        if isinstance(item, RawPost):
            result.posts.append(item)
        else:
            result.rejected.append(item)
    return result
