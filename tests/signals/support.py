"""Helpers of the signals tests: posts from events, a ready-made open signal."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable

from django.contrib.gis.geos import Point

from monitoring.models import Post
from signals.detector import Event
from signals.models import EmergingSignal

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
_ids = itertools.count(1)


def add_posts(
    activation, events: Iterable[Event], *, location: Point | None = None
) -> list[Post]:
    return Post.objects.bulk_create(
        Post(
            activation=activation,
            platform="x",
            external_id=f"p{next(_ids)}",
            text=event.text,
            place_name=event.place,
            posted_at=event.at,
            received_at=event.at,
            location=location,
        )
        for event in events
    )


def make_signal(
    activation, *, key: str = "crue", sample_text: str = ""
) -> EmergingSignal:
    now = dt.datetime.now(dt.UTC)
    samples = (
        add_posts(activation, [Event(at=now, text=sample_text)]) if sample_text else []
    )
    return EmergingSignal.objects.create(
        activation=activation,
        kind=EmergingSignal.Kind.HASHTAG,
        key=key,
        window_start=now - dt.timedelta(minutes=15),
        current_count=42,
        baseline_rate=5 / 3,
        expected=5.0,
        ratio=8.4,
        zscore=16.5,
        peak_count=42,
        first_seen=now,
        since=now - dt.timedelta(minutes=10),
        last_flagged_at=now,
        series=[0] * 72 + [1, 20, 21],
        sample_post_ids=[p.pk for p in samples],
    )
