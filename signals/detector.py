"""Burst detection as pure functions: events in, bursts out (no database, no clock).

An event is a post reduced to ``(timestamp, text, place)``. Each event gives keys:

* ``hashtag``: ``#Crue`` -> ``crue`` (accents folded, lower case);
* ``term``: the other words, accents folded, lower case, at least 3 letters, not
  a French or English stop word, not a number; links and @mentions are ignored;
* ``place``: the post's place name, folded the same way.

A key counts at most once per post. Time is cut into 5-minute buckets counted
back from ``now``: bucket 0 is ``(now - 5 min, now]``. The current window is the
last ``WINDOW_BUCKETS`` buckets (15 minutes); the baseline is the
``BASELINE_BUCKETS`` buckets before it (6 hours).

Method (documented in README "Emerging signals"): the baseline rate is the mean
count per 5-minute bucket over the baseline buckets that the stream covers (a key
absent from the baseline has rate 0). The expected count in the window is
``max(WINDOW_BUCKETS * rate, MIN_EXPECTED)``, the floor standing in for the
uncertainty of a rate seen over few posts (a Poisson prior). A key is a burst when
all hold:

* ``count >= MIN_COUNT`` (10 posts): no alert on a handful of posts;
* ``count / expected >= MIN_RATIO`` (3x): the rise is large, not merely significant;
* ``(count - expected) / sqrt(expected) >= MIN_Z`` (4): the Poisson z-score, so a
  busy key must rise by many standard deviations;
* the stream covers at least ``MIN_BASELINE_BUCKETS`` baseline buckets (30 min of
  history): during warm-up everything would look new, so nothing is flagged.

Steady traffic, even heavy, stays within a few standard deviations of its mean;
a surge of a new hashtag passes ``MIN_COUNT`` within minutes of its start.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

BUCKET = dt.timedelta(minutes=5)
WINDOW_BUCKETS = 3  # 15 minutes
BASELINE_BUCKETS = 72  # 6 hours
MIN_COUNT = 10
MIN_RATIO = 3.0
MIN_Z = 4.0
MIN_EXPECTED = 1.0
MIN_BASELINE_BUCKETS = 6  # 30 minutes of history before anything is flagged
MIN_TERM_LENGTH = 3

KINDS = ("term", "hashtag", "place")

_FRENCH_STOP_WORDS = """
    alors aussi autre avant avec avoir bon car ces cet cette ceci cela ceux chaque
    comme comment dans des deja depuis donc dont elle elles encore entre est etait etre
    fait faire fois ici ils jai les leur leurs lui mais meme mes moi mon nos notre nous
    par pas peu peut plus pour pourquoi quand que quel quelle quels qui quoi rien sans
    ses sont sous suis sur tes toi ton tous tout toute toutes tres trop une vers voici
    voila vos votre vous avez ont aux ete sera sont cest quil apres ans non oui
"""
_ENGLISH_STOP_WORDS = """
    about after again all also and any are because been before being but can could did
    does doing down during each few for from further had has have having her here hers
    him his how into its just more most not now off once only other our out over own
    same she should some such than that the their them then there these they this those
    through too under until very was were what when where which while who whom why will
    with would you your yours via amp http https www com get got like one two new just
    dont cant its
"""
# accents folded, as the keys are
STOP_WORDS: frozenset[str] = frozenset(
    [*_FRENCH_STOP_WORDS.split(), *_ENGLISH_STOP_WORDS.split()]
)

_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"@\w+")
_HASHTAG = re.compile(r"#(\w+)")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower case without accents: ``Écluse`` -> ``ecluse``."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return plain.translate(_LIGATURES)


@lru_cache(maxsize=65536)
def event_keys(text: str, place: str = "") -> frozenset[tuple[str, str]]:
    """The ``(kind, key)`` pairs of one post, each once (cached: reposts repeat)."""
    keys: set[tuple[str, str]] = set()
    for tag in _HASHTAG.findall(text):
        folded = _NON_WORD.sub("", fold(tag))
        if folded:
            keys.add(("hashtag", folded))
    rest = _HASHTAG.sub(" ", _MENTION.sub(" ", _URL.sub(" ", text)))
    for word in _NON_WORD.split(fold(rest)):
        if (
            len(word) >= MIN_TERM_LENGTH
            and not word.isdigit()
            and word not in STOP_WORDS
        ):
            keys.add(("term", word))
    place_key = " ".join(_NON_WORD.split(fold(place))).strip()
    if place_key:
        keys.add(("place", place_key))
    return frozenset(keys)


@dataclass(frozen=True)
class Event:
    at: dt.datetime
    text: str
    place: str = ""
    post_id: int | None = None


# counts[(kind, key)][bucket] = posts; bucket 0 is the most recent 5 minutes
Counts = Mapping[tuple[str, str], Mapping[int, int]]


def bucket_of(at: dt.datetime, now: dt.datetime) -> int | None:
    """Bucket index of a timestamp (0 = last 5 min), None if in the future or too old."""
    if at > now:
        return None
    index = int((now - at) / BUCKET)
    return index if index < WINDOW_BUCKETS + BASELINE_BUCKETS else None


def count_events(
    events: Iterable[Event], *, now: dt.datetime
) -> dict[tuple[str, str], dict[int, int]]:
    """Posts per key per bucket, as the service computes them in SQL."""
    counts: dict[tuple[str, str], dict[int, int]] = defaultdict(
        lambda: defaultdict(int)
    )
    for event in events:
        bucket = bucket_of(event.at, now)
        if bucket is None:
            continue
        for key in event_keys(event.text, event.place):
            counts[key][bucket] += 1
    return counts


@dataclass(frozen=True)
class Burst:
    kind: str
    key: str
    count: int  # posts in the current window
    rate: float  # usual posts per 5 minutes
    expected: float  # usual posts per window (floored)
    ratio: float
    z: float
    since_bucket: int  # oldest bucket of the window where the rise shows
    series: list[int] = field(default_factory=list)  # oldest first, for sparklines

    @property
    def usual(self) -> float:
        return self.rate * WINDOW_BUCKETS


def covered_baseline_buckets(
    *, history_start: dt.datetime | None, now: dt.datetime
) -> int:
    """How many full baseline buckets the stream covers (all when unknown)."""
    if history_start is None:
        return BASELINE_BUCKETS
    full = int((now - history_start) / BUCKET) - WINDOW_BUCKETS
    return max(0, min(BASELINE_BUCKETS, full))


def series_of(per_bucket: Mapping[int, int]) -> list[int]:
    total = WINDOW_BUCKETS + BASELINE_BUCKETS
    return [per_bucket.get(i, 0) for i in range(total - 1, -1, -1)]


def detect(
    counts: Counts,
    *,
    covered: int = BASELINE_BUCKETS,
    min_count: int = MIN_COUNT,
    min_ratio: float = MIN_RATIO,
    min_z: float = MIN_Z,
) -> list[Burst]:
    """The keys whose window count rises far above their baseline, biggest first."""
    if covered < MIN_BASELINE_BUCKETS:
        return []
    bursts = []
    last_baseline = WINDOW_BUCKETS + covered
    for (kind, key), per_bucket in counts.items():
        count = sum(per_bucket.get(i, 0) for i in range(WINDOW_BUCKETS))
        if count < min_count:
            continue
        base = sum(
            n for i, n in per_bucket.items() if WINDOW_BUCKETS <= i < last_baseline
        )
        rate = base / covered
        expected = max(rate * WINDOW_BUCKETS, MIN_EXPECTED)
        ratio = count / expected
        z = (count - expected) / math.sqrt(expected)
        if ratio < min_ratio or z < min_z:
            continue
        since = max(i for i in range(WINDOW_BUCKETS) if per_bucket.get(i, 0) > 0)
        bursts.append(
            Burst(
                kind=kind,
                key=key,
                count=count,
                rate=rate,
                expected=expected,
                ratio=ratio,
                z=z,
                since_bucket=since,
                series=series_of(per_bucket),
            )
        )
    bursts.sort(key=lambda b: (-b.z, b.kind, b.key))
    return bursts


def detect_events(
    events: Iterable[Event],
    *,
    now: dt.datetime,
    history_start: dt.datetime | None = None,
) -> list[Burst]:
    """Bursts at ``now`` from raw events (the replay and unit-test entry point)."""
    return detect(
        count_events(events, now=now),
        covered=covered_baseline_buckets(history_start=history_start, now=now),
    )
