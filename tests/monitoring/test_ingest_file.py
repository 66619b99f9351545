"""`manage.py ingest_file`: the generic JSONL format, bad input, exit codes, batches."""

from __future__ import annotations

import datetime as dt
import gzip
import importlib.util
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from activations.models import Activation, LogEntry
from monitoring.formats import records
from monitoring.formats.generic import MAX_LINE_BYTES, parse_file
from monitoring.management.commands import ingest_file
from monitoring.models import IngestBatch, Post, Rejection
from monitoring.pipeline.types import RawPost
from tests.factories import ActivationFactory
from tests.monitoring.fileimport_support import GOOD, line, run_ingest, write_lines

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]


def _state(activation: Activation) -> tuple[int, int, int, int]:
    return (
        Post.objects.filter(activation=activation).count(),
        Rejection.objects.filter(activation=activation).count(),
        IngestBatch.objects.filter(activation=activation).count(),
        LogEntry.objects.filter(activation=activation).count(),
    )


@pytest.fixture
def mixed_file(tmp_path: Path) -> tuple[Path, int]:
    """Good lines and every kind of bad line; returns the path and the huge line's size."""
    huge = line(id="p-9", text="x" * 1_100_000)
    no_id = dict(GOOD)
    del no_id["id"]
    lines: list[str | bytes] = [
        line(),  # 1 good
        "",  # 2 blank: skipped
        '{"id": "p-2", "text": "broken"',  # 3 cut after the last value
        '{"id": "p-3" "text": "x"}',  # 4 malformed
        json.dumps(no_id),  # 5 missing id
        line(id="p-5", posted_at="2026-10-14T18:05:00"),  # 6 naive time
        line(id="p-6", lat=143.0),  # 7 out of range
        "[1, 2]",  # 8 not an object
        b'\xff\xfe{"id": "p-8"}',  # 9 not UTF-8
        huge,  # 10 > 1 MB
        line(id="p-10", text="<script>alert(1)</script>"),  # 11 nothing left
        line(
            id="p-11", text="<p>Eau <b>dans</b> la rue</p><script>steal()</script>"
        ),  # 12 repaired
        line(id="p-12", platform="myspace"),  # 13 unknown platform
        line(
            id="p-13",
            text="RT @marie34: Le Lez déborde à Lattes, route de Pérols coupée",
            repost_of="p-1",
            url="javascript:alert(1)",
            lat=None,
            lon=None,
        ),  # 14 repost, bad url dropped
    ]
    path = write_lines(tmp_path / "mixed.jsonl", lines)
    with path.open("ab") as handle:
        handle.write(b'{"id": "p-14", "text": "coup')  # 15 truncated, no newline
    return path, len(huge.encode()) + 1


EXPECTED_REASONS = [
    "line 3: truncated JSON (Expecting ',' delimiter)",
    "line 4: malformed JSON (Expecting ',' delimiter at column 14)",
    "line 5: missing id",
    "line 6: posted_at has no UTC offset: '2026-10-14T18:05:00'",
    "line 7: coordinates out of range: lat 143.0, lon 3.9",
    "line 8: expected a JSON object, got list",
    "line 9: not valid UTF-8 (byte 0)",
    "line 10: record too large ({huge:,} bytes, at most 1,000,000)",
    "line 11: text is empty once markup is removed",
    "line 13: unknown platform 'myspace'",
    "line 15: truncated JSON (Unterminated string starting at)",
]


def test_generic_file_lands_good_lines_and_rejects_bad_ones_with_reasons(
    activation, mixed_file, monkeypatch
):
    # given a file with 3 usable lines and 11 bad ones
    path, huge = mixed_file

    # when it is imported
    code, out, err = run_ingest(
        monkeypatch, "--activation", activation.slug, "--format", "generic", str(path)
    )

    # then the file counts as read (exit 0), with one line per rejection and a summary
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[-1] == "ingested 3, duplicates 0, rejected 11"
    assert lines[:-1] == ["rejected: " + r.format(huge=huge) for r in EXPECTED_REASONS]
    # the good posts are stored, normalised
    posts = {p.external_id: p for p in Post.objects.filter(activation=activation)}
    assert sorted(posts) == ["p-1", "p-11", "p-13"]
    first = posts["p-1"]
    assert (first.platform, first.author_handle, first.lang) == (
        "generic",
        "marie34",
        "fr",
    )
    assert first.posted_at == dt.datetime(2026, 10, 14, 16, 5, tzinfo=dt.UTC)
    assert (first.location.x, first.location.y) == (3.9, 43.567)
    assert (first.location_source, first.place_name, first.in_area) == (
        "platform",
        "Lattes",
        True,
    )
    assert first.raw["followers"] == 120  # unknown field kept
    assert posts["p-11"].text == "Eau dans la rue"
    assert posts["p-11"].raw["_repairs"] == ["markup removed from text"]
    assert posts["p-13"].repost_of == first
    assert posts["p-13"].url == ""
    # every rejection is recorded, and the import is in the activation log
    assert Rejection.objects.filter(activation=activation).count() == 11
    assert Rejection.objects.filter(
        activation=activation, reason="line 5: missing id"
    ).exists()
    entry = LogEntry.objects.filter(activation=activation).latest("at")
    assert entry.kind == LogEntry.Kind.SYSTEM
    assert "mixed.jsonl" in entry.text


def test_importing_the_same_file_twice_only_counts_duplicates(
    activation, mixed_file, monkeypatch
):
    # given a file already imported
    path, _huge = mixed_file
    args = ("--activation", activation.slug, "--format", "generic", str(path))
    run_ingest(monkeypatch, *args)
    posts = list(Post.objects.order_by("id").values_list("id", "external_id"))

    # when it is imported again
    code, out, _err = run_ingest(monkeypatch, *args)

    # then nothing new lands: every good line is a duplicate
    assert code == 0
    assert out.splitlines()[-1] == "ingested 0, duplicates 3, rejected 11"
    assert list(Post.objects.order_by("id").values_list("id", "external_id")) == posts


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("unknown format", "unknown format 'myspace'; formats: bluesky, cap, generic"),
        ("unknown activation", "no activation with slug 'nope'"),
        ("missing file", "missing.jsonl: no such file"),
        ("directory", ": not a regular file"),
        ("png", "this looks like a PNG image, not a text file of posts"),
        ("binary", "this looks like binary data, not a text file of posts"),
        ("closed activation", "is closed: reopen it to import posts"),
    ],
)
def test_unreadable_or_unsupported_input_exits_non_zero_and_changes_nothing(
    activation, tmp_path, monkeypatch, case, message
):
    # given an input that cannot be imported
    slug, fmt = activation.slug, "generic"
    path = write_lines(tmp_path / "posts.jsonl", [line()])
    if case == "unknown format":
        fmt = "myspace"
    elif case == "unknown activation":
        slug = "nope"
    elif case == "missing file":
        path = tmp_path / "missing.jsonl"
    elif case == "directory":
        path = tmp_path
    elif case == "png":
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    elif case == "binary":
        path.write_bytes(os.urandom(4096) + b"\x00" * 16)
    elif case == "closed activation":
        Activation.objects.filter(pk=activation.pk).update(
            status=Activation.Status.CLOSED, closed_at=timezone.now()
        )
    before = _state(activation)

    # when the command runs
    code, out, err = run_ingest(
        monkeypatch, "--activation", slug, "--format", fmt, str(path)
    )

    # then it fails with a clear message, and nothing changed
    assert code == 1
    assert out == ""
    assert err.startswith("CommandError: ")
    assert message in err
    assert _state(activation) == before


def test_the_real_command_line_exits_non_zero_on_an_unknown_format(tmp_path):
    # given the command run as a separate process, as an operator would
    path = write_lines(tmp_path / "posts.jsonl", [line()])

    # when the format is not one we know
    done = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "ingest_file",
            "--activation",
            "demo",
            "--format",
            "tweets",
            str(path),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "vost.settings_test"},
    )

    # then the exit status says so
    assert done.returncode == 1
    assert "unknown format 'tweets'" in done.stderr


def test_large_files_are_ingested_in_batches_of_a_thousand(
    activation, tmp_path, monkeypatch
):
    # given 2,001 good lines
    path = write_lines(
        tmp_path / "big.jsonl",
        [
            line(id=f"b-{n}", text=f"Message {n} : l'eau monte", lat=None, lon=None)
            for n in range(2001)
        ],
    )

    # when they are imported
    code, out, _err = run_ingest(
        monkeypatch, "--activation", activation.slug, "--format", "generic", str(path)
    )

    # then three batches landed: 1,000 + 1,000 + 1
    assert code == 0
    assert out.splitlines()[-1] == "ingested 2001, duplicates 0, rejected 0"
    assert sorted(
        IngestBatch.objects.filter(activation=activation).values_list(
            "received", flat=True
        )
    ) == [1, 1000, 1000]


def test_batch_size_option_and_gzip_input(activation, tmp_path, monkeypatch):
    # given five lines, gzip-compressed
    path = tmp_path / "posts.jsonl.gz"
    with gzip.open(path, "wb") as handle:
        for n in range(5):
            handle.write((line(id=f"g-{n}") + "\n").encode())

    # when imported two records at a time
    code, out, _err = run_ingest(
        monkeypatch,
        "--activation",
        activation.slug,
        "--format",
        "generic",
        "--batch-size",
        "2",
        str(path),
    )

    # then all land, in three batches
    assert (code, out.splitlines()[-1]) == (0, "ingested 5, duplicates 0, rejected 0")
    assert IngestBatch.objects.filter(activation=activation).count() == 3


def test_generic_lines_are_streamed_not_loaded_whole(tmp_path):
    # given a 3 MB file
    path = write_lines(
        tmp_path / "big.jsonl",
        [line(id=f"s-{n}", text="y" * 3000) for n in range(1000)],
    )
    size = path.stat().st_size

    # when the first record is read
    with path.open("rb") as handle:
        first = next(records(handle, fmt="generic"))
        position = handle.tell()

    # then only the start of the file has been read
    assert isinstance(first, RawPost)
    assert first.external_id == "s-0"
    assert position < 64 * 1024 < size


def test_progress_bar_only_on_a_terminal(activation, tmp_path, monkeypatch, capsys):
    # given a file over 1 MB
    path = write_lines(
        tmp_path / "big.jsonl",
        [line(id=f"t-{n}", text="z" * 2000, lat=None, lon=None) for n in range(600)],
    )
    args = ("--activation", activation.slug, "--format", "generic", str(path))

    # when stdout is not a terminal: no bar
    run_ingest(monkeypatch, *args)
    assert "importing" not in capsys.readouterr().err

    # when it is: a bar on stderr
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    command = ingest_file.Command(stdout=Terminal(), stderr=io.StringIO())
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)
    command.run_from_argv(["manage.py", "ingest_file", *args])
    assert "importing" in capsys.readouterr().err


def test_parse_file_reads_a_small_generic_file_whole():
    # given bytes of a generic file
    data = (line() + "\n" + "{oops\n").encode()

    # when parsed in the connectors' shape
    result = parse_file(data, fmt="generic")

    # then one post and one rejection
    assert [p.external_id for p in result.posts] == ["p-1"]
    assert [r.reason for r in result.rejected] == [
        "line 2: malformed JSON (Expecting property name enclosed in double quotes at column 2)"
    ]
    assert MAX_LINE_BYTES == 1_000_000


# --- the platform formats (their parsers belong to the connector modules) ----------
X_PAGE = {
    "data": [
        {
            "id": "1840000000000000001",
            "text": "Le Lez déborde à Lattes",
            "created_at": "2026-10-14T16:05:00.000Z",
            "author_id": "42",
            "lang": "fr",
        }
    ],
    "includes": {"users": [{"id": "42", "username": "marie34", "name": "Marie"}]},
    "meta": {"newest_id": "1840000000000000001", "result_count": 1},
}
X_STREAM_LINE = {
    "data": {
        "id": "1840000000000000002",
        "text": "Route coupée à Pérols",
        "created_at": "2026-10-14T16:06:00.000Z",
        "author_id": "42",
    },
    "includes": {"users": [{"id": "42", "username": "marie34", "name": "Marie"}]},
    "matching_rules": [{"id": "1", "tag": "src:1"}],
}
MASTODON = [
    {
        "id": "111",
        "created_at": "2026-10-14T16:05:00.000Z",
        "content": "<p>Le Lez déborde <b>à Lattes</b></p>",
        "url": "https://mastodon.example/@marie/111",
        "uri": "https://mastodon.example/users/marie/statuses/111",
        "language": "fr",
        "visibility": "public",
        "account": {
            "id": "7",
            "acct": "marie@mastodon.example",
            "username": "marie",
            "display_name": "Marie",
            "url": "https://mastodon.example/@marie",
        },
        "media_attachments": [],
        "mentions": [],
        "tags": [],
        "reblog": None,
        "sensitive": False,
        "spoiler_text": "",
    }
]
BLUESKY = {
    "posts": [
        {
            "uri": "at://did:plc:abc123/app.bsky.feed.post/3kabc",
            "cid": "bafyreia",
            "author": {"did": "did:plc:abc123", "handle": "marie.bsky.social"},
            "record": {
                "$type": "app.bsky.feed.post",
                "text": "Le Lez déborde à Lattes",
                "createdAt": "2026-10-14T16:05:00.000Z",
                "langs": ["fr"],
            },
            "indexedAt": "2026-10-14T16:05:01.000Z",
        }
    ]
}
RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Préfecture</title><link>https://example.org/</link>
<description>Alertes</description>
<item><title>Vigilance rouge</title><link>https://example.org/a/1</link>
<guid>https://example.org/a/1</guid><pubDate>Wed, 14 Oct 2026 16:05:00 +0000</pubDate>
<description>Restez chez vous.</description></item></channel></rss>"""
CAP = """<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>FR-EX-2026-001</identifier><sender>prefecture@example.org</sender>
  <sent>2026-10-14T18:05:00+02:00</sent><status>Exercise</status><msgType>Alert</msgType>
  <scope>Public</scope>
  <info><language>fr-FR</language><category>Met</category><event>Crue</event>
    <urgency>Immediate</urgency><severity>Severe</severity><certainty>Observed</certainty>
    <headline>Vigilance rouge crues</headline><description>Le Lez est en crue.</description>
    <area><areaDesc>Lattes</areaDesc><circle>43.567,3.9 5</circle></area></info>
</alert>"""
FORMAT_FILES = {
    "x": ("x", json.dumps(X_PAGE) + "\n" + json.dumps(X_PAGE)),
    "x-stream": (
        "x",
        "\n".join(
            [json.dumps(X_STREAM_LINE), "", "{not json", json.dumps(X_STREAM_LINE)]
        ),
    ),
    "mastodon": ("mastodon", json.dumps(MASTODON)),
    "bluesky": ("bluesky", json.dumps(BLUESKY)),
    "rss": ("rss", RSS),
    "cap": ("cap", CAP),
}


def _needs(module: str) -> None:
    if importlib.util.find_spec(f"monitoring.connectors.{module}") is None:
        pytest.skip(f"monitoring.connectors.{module} is not written yet")


@pytest.mark.parametrize("fmt", sorted(FORMAT_FILES))
def test_platform_formats_are_dispatched_to_their_connector(
    activation, tmp_path, monkeypatch, fmt
):
    # given a small file of that platform's payloads
    module, content = FORMAT_FILES[fmt]
    _needs(module)
    path = tmp_path / f"file.{fmt}"
    path.write_text(content, encoding="utf-8")

    # when imported in that format
    code, out, err = run_ingest(
        monkeypatch, "--activation", activation.slug, "--format", fmt, str(path)
    )

    # then its post lands (the same post twice in a file is one post and a duplicate)
    assert (code, err) == (0, ""), err
    platform = "x" if fmt == "x-stream" else fmt
    assert Post.objects.filter(activation=activation, platform=platform).count() == 1
    expected = {
        "x": "ingested 1, duplicates 1, rejected 0",
        "x-stream": "ingested 1, duplicates 1, rejected 1",
    }.get(fmt, "ingested 1, duplicates 0, rejected 0")
    assert out.splitlines()[-1] == expected
    if fmt == "x-stream":
        # a bad stream line is rejected with its own line number
        assert out.splitlines()[0].startswith("rejected: ")
        assert "line 3" in out.splitlines()[0]


@pytest.mark.parametrize("fmt", ["mastodon", "bluesky", "rss", "cap"])
def test_a_file_that_is_not_of_the_format_exits_non_zero(
    activation, tmp_path, monkeypatch, fmt
):
    # given text that is no payload of that platform at all
    _needs(fmt)
    path = tmp_path / "notes.txt"
    path.write_text("Compte rendu de réunion\nrien à voir\n", encoding="utf-8")
    before = _state(activation)

    # when imported in that format
    code, _out, err = run_ingest(
        monkeypatch, "--activation", activation.slug, "--format", fmt, str(path)
    )

    # then the whole file is refused
    assert code == 1
    assert f"cannot be read as {fmt}" in err
    assert _state(activation) == before


def test_other_activations_are_untouched(tmp_path, monkeypatch):
    # given two activations
    target, other = ActivationFactory(), ActivationFactory()
    path = write_lines(tmp_path / "posts.jsonl", [line()])

    # when a file goes into one
    run_ingest(
        monkeypatch, "--activation", target.slug, "--format", "generic", str(path)
    )

    # then the other gets nothing
    assert Post.objects.filter(activation=target).count() == 1
    assert Post.objects.filter(activation=other).count() == 0
