"""Exercise replay: releases a scenario's posts and injects as the clock runs.

params: {"scenario": "<name in monitoring/scenarios>", "speed": 1-60}
cursor: {"started_at": ISO, "position": scenario seconds played, "next_t": the time of
the next item or null, "finished": bool}

A fetch at wall time `now` releases the items with position < t <= (now - started_at)
x speed, each dated started_at + t / speed, so the timeline looks real. Every post is
stored with platform "replay" (exercise material is never mistaken for a real post;
the simulated platform stays in the raw payload). Injects come as official posts
whose text starts with "INJECT: "; monitoring.replay logs them once they have landed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from monitoring.connectors import register
from monitoring.connectors.base import Connector, SourceConfigError
from monitoring.formats.generic import RecordError, parse_record
from monitoring.models import Platform
from monitoring.pipeline.types import FetchResult, RawPost, RejectedRecord
from monitoring.replay import (
    Scenario,
    ScenarioError,
    ScenarioItem,
    inject_text,
    load_scenario,
    parse_started_at,
    replay_speed,
)

PAGE_SIZE = 500


@register
class ReplayConnector(Connector):
    platform = Platform.REPLAY.value

    scenario: Scenario
    speed: float

    def validate(self) -> None:
        try:
            self.scenario = load_scenario(self.params.get("scenario"))
            self.speed = replay_speed(self.params)
        except ScenarioError as exc:
            raise SourceConfigError(str(exc)) from None

    def fetch(
        self, *, cursor: dict[str, Any], now: dt.datetime | None = None
    ) -> FetchResult:
        now = now or timezone.now()
        started = parse_started_at(cursor) or now
        position = cursor.get("position")
        if isinstance(position, bool) or not isinstance(position, int | float):
            position = None  # nothing played yet: t = 0 is due
        elapsed = max(0.0, (now - started).total_seconds() * self.speed)

        due = [
            item
            for item in self.scenario.items
            if (position is None or item.t > position) and item.t <= elapsed
        ]
        more = False
        if len(due) > PAGE_SIZE:
            last_t = due[PAGE_SIZE - 1].t
            due = [item for item in due if item.t <= last_t]
            more = True
            played_to = last_t
        else:
            played_to = max(elapsed, position or 0.0)
        upcoming = next((i.t for i in self.scenario.items if i.t > played_to), None)

        result = FetchResult(posts=[], more=more)
        for item in due:
            posted_at = started + dt.timedelta(seconds=item.t / self.speed)
            try:
                result.posts.append(self._post(item, posted_at))
            except RecordError as exc:
                result.rejected.append(
                    RejectedRecord(
                        f"scenario {self.scenario.name} line {item.line}: {exc}",
                        str(item.record)[:300],
                    )
                )
        result.cursor = {
            "started_at": started.isoformat(),
            "position": played_to,
            "next_t": upcoming,
            "finished": upcoming is None,
            "scenario": self.scenario.name,
        }
        return result

    def _post(self, item: ScenarioItem, posted_at: dt.datetime) -> RawPost:
        base = {"scenario": self.scenario.name, "t": item.t}
        if item.kind == "inject":
            return RawPost(
                platform=self.platform,
                external_id=item.id,
                text=inject_text(item.record),
                posted_at=posted_at,
                author_handle="exercice",
                author_name="Direction de l'exercice",
                lang_hint=str(item.record.get("lang") or ""),
                is_official=True,
                raw={
                    **base,
                    "kind": "inject",
                    "title": item.record.get("title", ""),
                    "text": item.record.get("text", ""),
                },
            )
        record = {k: v for k, v in item.record.items() if k not in {"t", "kind"}}
        post = parse_record(record, posted_at=posted_at, platform=self.platform)
        post.raw = {**base, "kind": "post", **post.raw}
        return post
