"""Import a file of posts into an activation: recorded platform payloads or generic JSONL.

    python manage.py ingest_file --activation SLUG --format FORMAT PATH

Prints `ingested N, duplicates D, rejected R` and one line per rejection. Exit 0 when
the file could be read (even with rejections), 1 when it could not (missing, binary,
unknown format or activation). Records go through the normal pipeline in batches.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from activations.models import Activation, LogEntry
from activations.services import log as activation_log
from monitoring.formats import FORMATS, FormatUnavailable, parser_for, records
from monitoring.pipeline.types import IngestResult, RawPost, RejectedRecord
from monitoring.services import posts_ingest

BATCH_SIZE = 1000
PROGRESS_FROM_BYTES = 1024 * 1024
_SNIFF_BYTES = 8192
_BINARY_MAGIC = {
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a ZIP archive (or an office document)",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x7fELF": "an executable",
    b"SQLite format 3": "an SQLite database",
    b"BZh": "a bzip2 archive",
    b"\xfd7zXZ": "an xz archive",
}
_TEXT_CONTROLS = {9, 10, 12, 13, 27}
_CLOSED = {Activation.Status.CLOSED, Activation.Status.ARCHIVED}


def _binary_kind(head: bytes) -> str | None:
    """What the file looks like when it is not text, else None."""
    for magic, kind in _BINARY_MAGIC.items():
        if head.startswith(magic):
            return kind
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None  # UTF-16 text (some XML feeds)
    if b"\x00" in head:
        return "binary data"
    controls = sum(1 for byte in head if byte < 32 and byte not in _TEXT_CONTROLS)
    if head and controls / len(head) > 0.1:
        return "binary data"
    return None


class _Progress:
    """A tqdm bar over the bytes read, on a terminal only; a no-op otherwise."""

    def __init__(self, *, raw: IO[bytes], total: int, enabled: bool) -> None:
        self.raw = raw
        self.bar: Any = None
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(
                total=total,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc="importing",
                dynamic_ncols=True,
            )

    def update(self) -> None:
        if self.bar is not None:
            with contextlib.suppress(OSError, ValueError):
                self.bar.update(self.raw.tell() - self.bar.n)

    def write(self, text: str, out: Any) -> None:
        if self.bar is not None:
            self.bar.write(text.rstrip("\n"), file=sys.stdout)  # tqdm adds the newline
        else:
            out.write(text)

    def close(self) -> None:
        if self.bar is not None:
            self.update()
            self.bar.close()


class Command(BaseCommand):
    help = (
        "Import a file of posts into an activation. Formats: "
        + ", ".join(sorted(FORMATS))
        + " (generic JSONL is described in docs/formats.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--activation", required=True, help="slug of the activation"
        )
        parser.add_argument(
            "--format",
            required=True,
            dest="fmt",
            metavar="FORMAT",
            help=f"one of: {', '.join(sorted(FORMATS))}",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            help=f"records per batch (default {BATCH_SIZE})",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="never show a progress bar"
        )
        parser.add_argument(
            "path", metavar="PATH", help="the file (gzip-compressed is fine)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        fmt: str = options["fmt"]
        path = Path(options["path"])
        batch_size = max(1, min(int(options["batch_size"]), 10_000))
        try:
            parser_for(fmt)
        except FormatUnavailable as exc:
            raise CommandError(str(exc)) from None
        activation = Activation.objects.filter(slug=options["activation"]).first()
        if activation is None:
            raise CommandError(f"no activation with slug {options['activation']!r}")
        if activation.status in _CLOSED:
            raise CommandError(
                f"activation {activation.slug!r} is {activation.status}: reopen it to import posts"
            )
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        if not path.is_file():
            raise CommandError(f"{path}: not a regular file")

        try:
            raw = path.open("rb")
        except OSError as exc:
            raise CommandError(f"{path}: cannot open ({exc.strerror})") from None
        with raw:
            total = self._import(
                activation=activation,
                path=path,
                raw=raw,
                fmt=fmt,
                batch_size=batch_size,
                progress=not options["no_progress"],
            )
        self.stdout.write(
            f"ingested {total.inserted}, duplicates {total.duplicates}, rejected {total.rejected}"
        )

    def _import(
        self,
        *,
        activation: Activation,
        path: Path,
        raw: IO[bytes],
        fmt: str,
        batch_size: int,
        progress: bool,
    ) -> IngestResult:
        stream = self._text_stream(path, raw)
        size = os.fstat(raw.fileno()).st_size
        bar = _Progress(
            raw=raw,
            total=size,
            enabled=progress and size >= PROGRESS_FROM_BYTES and self._on_terminal(),
        )
        total = IngestResult()
        posts: list[RawPost] = []
        rejected: list[RejectedRecord] = []

        def flush() -> None:
            nonlocal posts, rejected, total
            if not posts and not rejected:
                return
            result = posts_ingest(activation=activation, posts=posts, rejected=rejected)
            for record in result.reasons:
                bar.write(f"rejected: {record.reason}\n", self.stdout)
            result.reasons = []
            total += result
            posts, rejected = [], []
            bar.update()

        try:
            for item in self._records(stream, fmt=fmt, size=size, path=path):
                if isinstance(item, RawPost):
                    posts.append(item)
                else:
                    rejected.append(item)
                if len(posts) + len(rejected) >= batch_size:
                    flush()
            flush()
        except KeyboardInterrupt:
            raise CommandError(
                f"interrupted: ingested {total.inserted}, duplicates {total.duplicates}, "
                f"rejected {total.rejected} before the interruption (batches that landed stay)"
            ) from None
        finally:
            bar.close()
        activation_log(
            activation=activation,
            kind=LogEntry.Kind.SYSTEM,
            text=_(
                "File “%(name)s” imported (%(format)s): %(ingested)s ingested, "
                "%(duplicates)s duplicates, %(rejected)s rejected."
            )
            % {
                "name": path.name[:120],
                "format": fmt,
                "ingested": total.inserted,
                "duplicates": total.duplicates,
                "rejected": total.rejected,
            },
        )
        return total

    def _records(
        self, stream: IO[bytes], *, fmt: str, size: int, path: Path
    ) -> Iterator[RawPost | RejectedRecord]:
        try:
            yield from records(stream, fmt=fmt, size=size)
        except FormatUnavailable as exc:
            raise CommandError(str(exc)) from None
        except (ValueError, EOFError, OSError, gzip.BadGzipFile) as exc:
            raise CommandError(f"{path}: cannot be read as {fmt}: {exc}") from None

    def _text_stream(self, path: Path, raw: IO[bytes]) -> IO[bytes]:
        """The file's bytes (decompressed when gzip); CommandError when it is binary."""
        try:
            magic = raw.read(2)
            raw.seek(0)
            stream: IO[bytes] = raw
            if magic == b"\x1f\x8b":
                stream = cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb"))
            head = stream.read(_SNIFF_BYTES)
            stream.seek(0)
        except (OSError, EOFError) as exc:
            raise CommandError(f"{path}: cannot be read: {exc}") from None
        kind = _binary_kind(head)
        if kind is not None:
            raise CommandError(
                f"{path}: this looks like {kind}, not a text file of posts"
            )
        return stream

    def _on_terminal(self) -> bool:
        out = getattr(self.stdout, "_out", self.stdout)
        isatty = getattr(out, "isatty", None)
        return bool(isatty and isatty())
