"""dashboard_figures on known data: exact numbers, in a pinned number of queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboards.selectors import (
    dashboard_figures,
    dashboard_snapshot,
    terms_count,
    window,
)
from tests.dashboards.support import NOW, known_activation

pytestmark = pytest.mark.django_db


def test_the_figures_of_a_known_activation_are_exact(activation):
    # given
    made = known_activation(activation)
    # when
    figures = dashboard_figures(activation=activation, hours=24, now=NOW)
    # then: the window is 24 one-hour buckets, the last one the current hour
    assert len(figures.buckets) == 24
    assert figures.buckets[-1] == dt.datetime(2026, 11, 26, 10, tzinfo=dt.UTC)
    assert figures.window_start == dt.datetime(2026, 11, 25, 11, tzinfo=dt.UTC)
    # volume: 3 posts in the window (the older ones are left out)
    volume = figures.volume
    assert volume.total == 3
    assert volume.last_hour == 2
    assert [(s.key, s.total) for s in volume.by_platform] == [("x", 2), ("mastodon", 1)]
    x = volume.by_platform[0]
    assert x.values[-2:] == (1, 1)
    assert sum(x.values[:-2]) == 0
    assert [(s.key, s.values[-2:]) for s in volume.by_category] == [
        ("request", (0, 1)),
        ("infrastructure", (1, 1)),
    ]
    assert volume.by_category[0].colour == "#d62728"  # CATEGORY_COLOURS
    # backlog
    backlog = figures.backlog
    assert (backlog.open_items, backlog.waiting, backlog.urgent_waiting) == (3, 2, 1)
    assert backlog.in_triage == 1
    # throughput: skips, undone decisions and older ones are left out
    assert figures.throughput.per_hour[-2:] == (1, 1)
    assert figures.throughput.total == 2
    assert figures.throughput.last_hour == 1
    # funnel
    funnel = figures.funnel
    assert funnel.relevant_items == 3  # urgent, verify, relevant (not not_relevant)
    assert (funnel.cases_opened, funnel.unverified, funnel.in_progress) == (6, 1, 2)
    assert (funnel.verified, funnel.false, funnel.misleading) == (1, 1, 0)
    assert (funnel.unverifiable, funnel.concluded) == (1, 3)
    # top places and terms (once per post, no stop words, links or mentions)
    assert [(p.label, p.count) for p in figures.top_places] == [
        ("Montpellier", 2),
        ("Lattes", 1),
    ]
    terms = [(t.label, t.count) for t in figures.top_terms]
    assert terms[:3] == [("#inondation", 2), ("lattes", 2), ("pont", 2)]
    assert ("aide", 1) in terms
    assert not {"https", "pompiers34", "t.co", "de", "du", "rue"} & {
        t for t, _n in terms[:3]
    }
    assert all(t not in ("à", "de", "du", "d") for t, _n in terms)
    # escalations: three acknowledged in the window after 60, 120 and 300 s
    esc = figures.escalations
    assert (esc.raised, esc.acknowledged, esc.open_now) == (4, 3, 1)
    assert esc.median_ack_seconds == 120
    assert esc.p90_ack_seconds == 264  # 120 + 0.8 * (300 - 120)
    assert [(e.id, e.age_seconds) for e in esc.oldest_open] == [
        (made["waiting"].pk, 2400)
    ]


def test_the_72_hour_window_includes_older_posts(activation):
    known_activation(activation)
    figures = dashboard_figures(activation=activation, hours=72, now=NOW)
    assert len(figures.buckets) == 72
    assert figures.volume.total == 3 + 4 + 5  # the older items at 30 h
    assert figures.throughput.total == 3
    assert [(p.label, p.count) for p in figures.top_places] == [
        ("Sète", 9),
        ("Montpellier", 2),
        ("Lattes", 1),
    ]


def test_an_empty_activation_has_zero_figures(activation):
    figures = dashboard_figures(activation=activation, hours=24, now=NOW)
    assert figures.volume.total == 0
    assert figures.volume.by_platform == ()
    assert figures.escalations.median_ack_seconds is None
    assert figures.top_terms == ()
    assert figures.top_places == ()


def test_an_unknown_window_is_refused(activation):
    with pytest.raises(ValueError, match="hours"):
        dashboard_figures(activation=activation, hours=5)


def test_the_query_count_is_pinned(activation):
    known_activation(activation)
    with CaptureQueriesContext(connection) as queries:
        dashboard_figures(activation=activation, hours=24, now=NOW)
    assert len(queries) == 4


def test_the_snapshot_is_shared_for_a_while(activation):
    # given a first viewer
    known_activation(activation)
    first = dashboard_snapshot(activation=activation, hours=24)
    # when more viewers come within SNAPSHOT_MAX_AGE
    with CaptureQueriesContext(connection) as queries:
        for _viewer in range(5):
            again = dashboard_snapshot(activation=activation, hours=24)
    # then they cost no query and see the same figures
    assert len(queries) == 0
    assert again == first


def test_window_buckets_are_whole_hours():
    buckets = window(hours=3, now=dt.datetime(2026, 1, 1, 5, 59, 59, tzinfo=dt.UTC))
    assert [b.hour for b in buckets] == [3, 4, 5]


def test_terms_are_counted_once_per_post_without_stop_words():
    ranked = terms_count(
        ["Crue crue CRUE à Sète", "La crue monte #Crue", "the flood and the river"]
    )
    assert [(r.label, r.count) for r in ranked] == [
        ("crue", 2),
        ("#crue", 1),
        ("flood", 1),
        ("monte", 1),
        ("river", 1),
        ("sète", 1),
    ]


def test_a_viewer_waiting_on_someone_elses_computation_falls_back(
    activation, monkeypatch
):
    # given another viewer computing the snapshot (the lock is taken) who never finishes
    from django.core.cache import cache

    from dashboards import selectors

    cache.add(f"dashboards:figures:{activation.pk}:24:lock", 1, 10)
    waits = []
    monkeypatch.setattr(selectors.time, "sleep", waits.append)
    # when
    figures = dashboard_snapshot(activation=activation, hours=24)
    # then this viewer waited a little, then computed the figures itself
    assert len(waits) == 20
    assert figures.activation_id == activation.pk
