"""The pure burst detector: steady streams, injected surges, thresholds, keys."""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect_right

from signals import detector
from signals.detector import Event, detect_events, event_keys

T0 = dt.datetime(2026, 3, 10, 6, 0, tzinfo=dt.UTC)
VOCAB = [
    "Bouchons sur la route de Montpellier ce matin",
    "Il pleut encore à Lattes, la rivière monte doucement #meteo",
    "Traffic is slow near the station this morning",
    "Réunion de quartier annulée à cause de la pluie #Montpellier",
    "Le marché de Castelnau est ouvert malgré le vent",
    "School bus late again in Pérols",
    "Beau temps prévu demain après-midi #meteo",
    "Coupure d'électricité signalée rue de la Paix",
]
PLACES = ["Montpellier", "Lattes", "Pérols", "", "", "Castelnau-le-Lez"]


def steady_stream(
    start: dt.datetime, hours: float, per_minute: float, seed: int = 7
) -> list[Event]:
    """Poisson arrivals of ordinary chatter."""
    rng = random.Random(seed)  # noqa: S311 (reproducible test data)
    events, at = [], start
    end = start + dt.timedelta(hours=hours)
    while True:
        at += dt.timedelta(seconds=rng.expovariate(per_minute / 60))
        if at >= end:
            return events
        events.append(Event(at=at, text=rng.choice(VOCAB), place=rng.choice(PLACES)))


def surge(start: dt.datetime, minutes: int, per_minute: int) -> list[Event]:
    texts = [
        "La #Crue du Lez déborde, l'eau monte très vite à Lattes !",
        "#crue rue inondée, voitures emportées près du Lez",
        "Flooding: the Lez is overflowing #CRUE",
    ]
    return [
        Event(
            at=start + dt.timedelta(seconds=60 * m + 60 * k / per_minute),
            text=texts[(m + k) % 3],
            place="Lattes",
        )
        for m in range(minutes)
        for k in range(per_minute)
    ]


def replay(events: list[Event], start: dt.datetime, end: dt.datetime):
    """Run the detector every minute of scenario time; yield (now, bursts)."""
    events = sorted(events, key=lambda e: e.at)
    times = [e.at for e in events]
    history_start = events[0].at if events else None
    span = detector.BUCKET * (detector.WINDOW_BUCKETS + detector.BASELINE_BUCKETS)
    now = start
    while now <= end:
        visible = events[bisect_right(times, now - span) : bisect_right(times, now)]
        yield now, detect_events(visible, now=now, history_start=history_start)
        now += dt.timedelta(minutes=1)


def test_a_steady_stream_raises_no_alert_over_hours() -> None:
    events = steady_stream(T0, hours=8, per_minute=6)
    alerts = [
        (now, bursts)
        for now, bursts in replay(
            events, T0 + dt.timedelta(minutes=5), T0 + dt.timedelta(hours=8)
        )
        if bursts
    ]
    assert alerts == []


def test_a_heavy_steady_stream_raises_no_alert_either() -> None:
    events = steady_stream(T0, hours=4, per_minute=40, seed=3)
    for _now, bursts in replay(
        events, T0 + dt.timedelta(hours=1), T0 + dt.timedelta(hours=4)
    ):
        assert bursts == []


def test_an_injected_surge_is_detected_within_5_minutes_of_scenario_time() -> None:
    surge_at = T0 + dt.timedelta(hours=3, minutes=2, seconds=30)
    events = steady_stream(T0, hours=4, per_minute=6) + surge(
        surge_at, minutes=20, per_minute=4
    )
    first: dict[tuple[str, str], dt.datetime] = {}
    for now, bursts in replay(
        events, T0 + dt.timedelta(hours=1), surge_at + dt.timedelta(minutes=15)
    ):
        assert not bursts or now >= surge_at, f"false alert at {now}: {bursts}"
        for burst in bursts:
            first.setdefault((burst.kind, burst.key), now)
    assert first[("hashtag", "crue")] - surge_at <= dt.timedelta(minutes=5)
    assert first[("term", "lez")] - surge_at <= dt.timedelta(minutes=5)
    # Lattes is an everyday place: it rises too, from its usual level
    assert ("place", "lattes") in first


def test_the_explained_figures() -> None:
    now = T0 + dt.timedelta(hours=7)
    events = steady_stream(T0, hours=7, per_minute=6) + surge(
        now - dt.timedelta(minutes=10) + dt.timedelta(seconds=1),
        minutes=10,
        per_minute=4,
    )
    bursts = {
        (b.kind, b.key): b for b in detect_events(events, now=now, history_start=T0)
    }
    crue = bursts[("hashtag", "crue")]
    assert crue.count == 40
    assert crue.rate == 0
    assert crue.expected == detector.MIN_EXPECTED
    assert crue.since_bucket == 1  # the rise started 5 to 10 minutes ago
    assert len(crue.series) == detector.WINDOW_BUCKETS + detector.BASELINE_BUCKETS
    assert crue.series[-3:] == [0, 20, 20]


def test_below_the_minimum_count_nothing_is_flagged() -> None:
    now = T0 + dt.timedelta(hours=7)
    few = surge(now - dt.timedelta(minutes=3), minutes=3, per_minute=3)  # 9 posts
    events = steady_stream(T0, hours=7, per_minute=2) + few
    assert [
        b for b in detect_events(events, now=now, history_start=T0) if b.key == "crue"
    ] == []
    events += surge(now - dt.timedelta(seconds=30), minutes=1, per_minute=1)  # the 10th
    assert ("hashtag", "crue") in {
        (b.kind, b.key) for b in detect_events(events, now=now, history_start=T0)
    }


def test_a_modest_rise_of_a_busy_key_is_not_a_burst() -> None:
    # "pluie" usually 10 per 5 min: 45 in 15 min is 1.5x, far below the 3x ratio
    now = T0 + dt.timedelta(hours=7)
    counts = {
        ("term", "pluie"): {**dict.fromkeys(range(3, 75), 10), 0: 15, 1: 15, 2: 15}
    }
    assert detector.detect(counts) == []
    counts = {
        ("term", "pluie"): {**dict.fromkeys(range(3, 75), 10), 0: 40, 1: 40, 2: 40}
    }
    assert [b.key for b in detector.detect(counts)] == ["pluie"]
    assert now  # noqa: the figures are relative to now


def test_nothing_is_flagged_while_warming_up() -> None:
    now = T0 + dt.timedelta(minutes=20)
    events = surge(T0 + dt.timedelta(minutes=5), minutes=15, per_minute=4)
    assert detect_events(events, now=now, history_start=T0) == []
    # without a known start, the whole baseline is taken as covered
    assert detect_events(events, now=now) != []


def test_hashtags_and_terms_are_separate_keys() -> None:
    keys = event_keys("#Crue: la crue du Lez http://x.fr/crue @crue_info", "")
    assert ("hashtag", "crue") in keys
    assert ("term", "crue") in keys
    assert ("term", "lez") in keys
    assert ("term", "info") not in keys  # mentions are ignored
    assert not any("http" in key or "x.fr" in key for _kind, key in keys)
    assert ("term", "la") not in keys
    assert ("term", "du") not in keys


def test_accents_case_and_stop_words_are_folded() -> None:
    assert event_keys("ÉVACUATION à Pérols", "Pérols") == {
        ("term", "evacuation"),
        ("term", "perols"),
        ("place", "perols"),
    }
    assert event_keys("#Évacuation #evacuation", "") == {("hashtag", "evacuation")}
    assert event_keys("The water is here and nous avons peur", "") == {
        ("term", "water"),
        ("term", "avons"),
        ("term", "peur"),
    }
    assert event_keys("Castelnau-le-Lez", "Castelnau-le-Lez") >= {
        ("place", "castelnau le lez")
    }
    assert event_keys("cœur 2026", "") == {("term", "coeur")}


def test_a_key_counts_once_per_post() -> None:
    now = T0 + dt.timedelta(hours=1)
    counts = detector.count_events(
        [Event(at=now - dt.timedelta(minutes=1), text="crue crue #crue #Crue")], now=now
    )
    assert counts[("term", "crue")] == {0: 1}
    assert counts[("hashtag", "crue")] == {0: 1}


def test_future_and_too_old_events_are_ignored() -> None:
    now = T0 + dt.timedelta(hours=8)
    counts = detector.count_events(
        [
            Event(at=now + dt.timedelta(minutes=1), text="futur"),
            Event(at=now - dt.timedelta(hours=7), text="ancien"),
        ],
        now=now,
    )
    assert dict(counts) == {}
