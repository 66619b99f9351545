"""The monitoring part of the demo: the flash-flood exercise replay on the demo activation."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from activations.models import Activation
from monitoring.models import Platform, Source
from monitoring.replay import ScenarioError, parse_started_at, replay_speed

DEMO_REPLAY_NAME = "Exercice crue éclair"
DEMO_SCENARIO = "flash_flood_herault"
DEMO_SPEED = 6  # two scenario hours in twenty minutes
RESUME_AFTER_SECONDS = 60


def demo_replay_seed(
    activation: Activation, *, now: dt.datetime | None = None
) -> Source:
    """Create the replay source if missing and start it if it has never run.

    Idempotent. A replay interrupted by stopping the demo resumes where it stopped
    (its clock is moved forward) instead of releasing the rest at once; a finished
    replay stays finished (its posts are stored; replaying would only find duplicates).
    """
    now = now or timezone.now()
    source, _created = Source.objects.get_or_create(
        activation=activation,
        name=DEMO_REPLAY_NAME,
        defaults={
            "platform": Platform.REPLAY,
            "params": {"scenario": DEMO_SCENARIO, "speed": DEMO_SPEED},
            "interval_seconds": 5,
        },
    )
    if source.platform != Platform.REPLAY:
        return source
    cursor = dict(source.cursor or {})
    started = parse_started_at(cursor)
    if started is None:
        cursor = {"started_at": now.isoformat()}
    elif not cursor.get("finished"):
        try:
            speed = replay_speed(source.params or {})
        except ScenarioError:
            return source  # a trainer changed it: their business
        position = cursor.get("position")
        played = position / speed if isinstance(position, int | float) else 0.0
        if (now - started).total_seconds() - played <= RESUME_AFTER_SECONDS:
            return source  # playing now
        cursor["started_at"] = (now - dt.timedelta(seconds=played)).isoformat()
    else:
        return source
    Source.objects.filter(pk=source.pk).update(cursor=cursor)
    source.cursor = cursor
    return source
