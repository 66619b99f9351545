"""Reading import files: which formats exist and how each is read.

Line formats (generic, x-stream, and x when it is JSONL of pages) are streamed one
line at a time, so a file of any size can be imported; the others are parsed whole
by their connector module's `parse_file(data, fmt=...)`, up to MAX_WHOLE_FILE_BYTES.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable, Iterator
from typing import IO

from monitoring.formats import generic
from monitoring.pipeline.types import FetchResult, RawPost, RejectedRecord

# format -> module that parses it (monitoring.connectors.<module> or monitoring.formats.generic)
FORMATS: dict[str, str] = {
    "generic": "monitoring.formats.generic",
    "x": "monitoring.connectors.x",
    "x-stream": "monitoring.connectors.x",
    "mastodon": "monitoring.connectors.mastodon",
    "bluesky": "monitoring.connectors.bluesky",
    "rss": "monitoring.connectors.rss",
    "cap": "monitoring.connectors.cap",
}
MAX_WHOLE_FILE_BYTES = 200 * 1024 * 1024
_LINE_ONE = re.compile(r"\bline 1\b")

ParseFile = Callable[..., FetchResult]
Record = RawPost | RejectedRecord


class FormatUnavailable(Exception):
    """The format is unknown, or its parser is not installed."""


def parser_for(fmt: str) -> ParseFile:
    """The `parse_file` function of the module handling `fmt` (imported lazily)."""
    module_name = FORMATS.get(fmt)
    if module_name is None:
        raise FormatUnavailable(
            f"unknown format {fmt!r}; formats: {', '.join(sorted(FORMATS))}"
        )
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        raise FormatUnavailable(
            f"format {fmt!r} is not available in this installation ({module_name} is missing)"
        ) from None
    parse = getattr(module, "parse_file", None)
    if not callable(parse):
        raise FormatUnavailable(
            f"format {fmt!r} is not available: {module_name} has no parse_file()"
        )
    return parse  # type: ignore[no-any-return]


def _per_line(stream: IO[bytes], fmt: str, parse: ParseFile) -> Iterator[Record]:
    """Feed each line to the connector's parser; a failing line is one rejection."""
    for number, line, size in generic.iter_lines(stream):
        if line is None:
            yield RejectedRecord(
                f"line {number}: record too large ({size:,} bytes, at most {generic.MAX_LINE_BYTES:,})"
            )
            continue
        if not line.strip():
            continue  # keep-alive newlines of the filtered stream
        try:
            page = parse(line, fmt=fmt)
        except ValueError as exc:
            yield RejectedRecord(f"line {number}: {exc}", generic.excerpt(line))
            continue
        yield from page.posts
        for rejected in page.rejected:
            yield RejectedRecord(_at_line(rejected.reason, number), rejected.excerpt)


def _at_line(reason: str, number: int) -> str:
    """The parser saw a one-line document: its "line 1" is the file's line `number`."""
    if _LINE_ONE.search(reason):
        return _LINE_ONE.sub(f"line {number}", reason, count=1)
    return f"line {number}: {reason}"


def _first_line_is_json(stream: IO[bytes]) -> bool:
    """Whether the first non-blank line is a complete JSON value (JSONL), then rewind."""
    start = stream.tell()
    try:
        for _number, line, _size in generic.iter_lines(stream):
            if line is None:
                return False
            if line.strip():
                try:
                    json.loads(line)
                except ValueError:
                    return False
                return True
        return False
    finally:
        stream.seek(start)


def records(
    stream: IO[bytes], *, fmt: str, size: int | None = None
) -> Iterator[Record]:
    """Every post and rejection of the file, in order.

    Raises FormatUnavailable, or ValueError when the file as a whole cannot be read.
    """
    parse = parser_for(fmt)
    if fmt == "generic":
        yield from generic.iter_records(stream)
        return
    if fmt == "x-stream" or (fmt == "x" and _first_line_is_json(stream)):
        yield from _per_line(stream, fmt, parse)
        return
    if size is not None and size > MAX_WHOLE_FILE_BYTES:
        raise ValueError(
            f"the {fmt} format is read whole and this file has {size:,} bytes "
            f"(at most {MAX_WHOLE_FILE_BYTES:,}); split it, or convert it to generic JSONL"
        )
    data = stream.read(MAX_WHOLE_FILE_BYTES + 1)
    if len(data) > MAX_WHOLE_FILE_BYTES:
        raise ValueError(
            f"the {fmt} format is read whole and this file is larger than "
            f"{MAX_WHOLE_FILE_BYTES:,} bytes; split it, or convert it to generic JSONL"
        )
    page = parse(data, fmt=fmt)
    yield from page.posts
    yield from page.rejected
