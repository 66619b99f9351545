"""Replay of real labelled crisis posts (CrisisLexT6, West, Texas fertilizer plant
explosion, 18 April 2013 00:50 UTC) through the pure detector, minute by minute.

Post times come from the tweet ids (X snowflake ids carry their millisecond time).
The file is a ~1 % sample of the traffic: it has a day of ordinary (off-topic)
posts before the explosion, then the surge. Skipped when ../shared/data is absent.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from signals.detector import Event
from tests.signals.test_detector import replay

pytestmark = pytest.mark.realdata

FILE = "crisis/crisislex_t6/2013_West_Texas_Explosion-ontopic_offtopic.csv"
EXPLOSION = dt.datetime(2013, 4, 18, 0, 50, 38, tzinfo=dt.UTC)
TWITTER_EPOCH_MS = 1288834974657


def _events(path: Path) -> list[Event]:
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    return [
        Event(
            at=dt.datetime.fromtimestamp(
                ((int(row[0].strip("'")) >> 22) + TWITTER_EPOCH_MS) / 1000, dt.UTC
            ),
            text=row[1],
        )
        for row in rows
        if len(row) >= 2
    ]


def test_the_west_explosion_is_flagged_and_the_day_before_is_quiet(shared_data):
    path = shared_data / FILE
    if not path.is_file():
        pytest.skip(f"{FILE} not found in the reference data")
    events = _events(path)
    start = EXPLOSION - dt.timedelta(hours=23)
    first: dict[tuple[str, str], dt.datetime] = {}
    for now, bursts in replay(events, start, EXPLOSION + dt.timedelta(hours=1)):
        assert not bursts or now > EXPLOSION, f"false alert at {now}: {bursts[:3]}"
        for burst in bursts:
            first.setdefault((burst.kind, burst.key), now)
    # within 40 minutes of the blast in a 1 % sample: as soon as 10 sampled posts
    # of one word arrive in 15 minutes
    assert first[("term", "explosion")] - EXPLOSION <= dt.timedelta(minutes=40)
    assert {("term", "fertilizer"), ("term", "texas")} <= set(first)
