"""Load a fuller gazetteer (e.g. the INSEE communes CSV) into the Place table.

    python manage.py load_gazetteer communes.csv [--source insee] [--prune]

Idempotent: places are inserted or updated by (source, code), all in one transaction,
so a file with a bad line loads nothing. Once the table has rows, geoparsing uses
them instead of the packaged GeoNames list.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from monitoring.pipeline.gazetteer import (
    SOURCE_LABEL,
    GazetteerFileError,
    load_communes_file,
)


class Command(BaseCommand):
    help = "Load places (INSEE communes CSV format) into the geoparsing gazetteer."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="CSV file of communes")
        parser.add_argument(
            "--source",
            default="insee",
            help="label stored with each place (default: insee); reloading the same "
            "source updates its places",
        )
        parser.add_argument(
            "--prune",
            action="store_true",
            help="also delete this source's places that are not in the file",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        source: str = options["source"]
        if not SOURCE_LABEL.match(source):
            raise CommandError(
                f"invalid --source {source!r}: 1 to 20 of a-z, 0-9, '_' or '-'"
            )
        started = time.perf_counter()
        try:
            parsed, result = load_communes_file(
                path, source=source, prune=options["prune"]
            )
        except GazetteerFileError as exc:
            raise CommandError(f"{path}: {exc}; nothing was loaded") from None
        self.stdout.write(
            f"loaded {len(parsed.entries)} places from {path} (source {source}): "
            f"created {result.created}, updated {result.updated}, "
            f"unchanged {result.unchanged}, deleted {result.deleted}, skipped {parsed.without_point} without "
            f"coordinates, {parsed.repeated} repeated rows, "
            f"in {time.perf_counter() - started:.1f} s"
        )
