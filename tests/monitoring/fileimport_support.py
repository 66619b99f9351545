"""Helpers for the file import and replay tests."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

from monitoring.management.commands.ingest_file import Command

GOOD = {
    "id": "p-1",
    "text": "Le Lez déborde à Lattes, route de Pérols coupée",
    "posted_at": "2026-10-14T18:05:00+02:00",
    "author": "@marie34",
    "url": "https://example.org/p/1",
    "lang": "fr-FR",
    "lat": 43.567,
    "lon": 3.9,
    "place": "Lattes",
    "platform": "generic",
    "official": False,
    "followers": 120,  # unknown field: kept in raw
}


def line(**fields: Any) -> str:
    return json.dumps({**GOOD, **fields}, ensure_ascii=False)


def write_lines(path: Path, lines: list[str | bytes]) -> Path:
    with path.open("wb") as handle:
        for item in lines:
            handle.write(item if isinstance(item, bytes) else item.encode("utf-8"))
            handle.write(b"\n")
    return path


def run_ingest(monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str, str]:
    """Run `manage.py ingest_file ARGS` as the command line does: (exit code, stdout, stderr).

    run_from_argv closes every connection at the end, which would end the test's
    transaction: that one call is neutralised.
    """
    monkeypatch.setattr(connections, "close_all", lambda: None)
    out, err = io.StringIO(), io.StringIO()
    command = Command(stdout=out, stderr=err, no_color=True)
    try:
        command.run_from_argv(["manage.py", "ingest_file", *args])
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()
