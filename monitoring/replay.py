"""Exercise replay: scenario files of timed posts and injects, played at a chosen speed.

A scenario is JSONL in monitoring/scenarios/<name>.jsonl (docs/formats.md): each line
has `t` (seconds from the start of the scenario) and `kind`, "post" (the other fields
as in the generic format, without posted_at) or "inject" (`title`, `text`: an event
for the players, written to the activation log as "INJECT: …").

A replay Source (platform "replay", params {"scenario", "speed"}) is played by the
`monitoring.play_replays` beat task: the connector releases what is due since the
cursor's position, the normal pipeline stores it, and the injects that have landed
are then written to the activation log, each exactly once.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from activations.models import Activation, LogEntry
from activations.services import log as activation_log
from monitoring.models import Platform, Post, Source

logger = logging.getLogger(__name__)

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"
SCENARIO_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,79}$")
MIN_SPEED, MAX_SPEED = 1, 60
MAX_SCENARIO_BYTES = 20 * 1024 * 1024
MAX_INJECT_TITLE = 200
MAX_INJECT_TEXT = 2000
INJECT_PREFIX = "INJECT: "
LOGGED_KEY = "inject_logged_at"
_OPEN = (Activation.Status.ACTIVE, Activation.Status.STANDBY)


class ScenarioError(ValueError):
    """The scenario file cannot be played; the message says which line and why."""


@dataclass(frozen=True)
class ScenarioItem:
    t: float
    kind: str  # "post" or "inject"
    id: str
    line: int
    record: dict[str, Any]


@dataclass(frozen=True)
class Scenario:
    name: str
    items: tuple[ScenarioItem, ...]  # sorted by time

    @property
    def duration(self) -> float:
        return self.items[-1].t if self.items else 0.0


def scenario_path(name: Any) -> Path:
    if not isinstance(name, str) or not SCENARIO_NAME.match(name):
        raise ScenarioError(
            "scenario must be a name like flash_flood_herault (lower-case letters, digits, _ and -)"
        )
    path = SCENARIO_DIR / f"{name}.jsonl"
    if not path.is_file():
        raise ScenarioError(f"no scenario named {name!r}")
    return path


def scenario_names() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.jsonl"))


def load_scenario(name: Any) -> Scenario:
    """The scenario, validated line by line (ScenarioError at the first structural fault)."""
    path = scenario_path(name)  # checks the name first: no path tricks
    stat = path.stat()
    return _load(str(path), name, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _load(path: str, name: str, _mtime: int, size: int) -> Scenario:
    if size > MAX_SCENARIO_BYTES:
        raise ScenarioError(
            f"scenario {name!r} is larger than {MAX_SCENARIO_BYTES:,} bytes"
        )
    items: list[ScenarioItem] = []
    seen: set[str] = set()
    with open(path, encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            item = parse_item(number, line)
            if item.id in seen:
                raise ScenarioError(f"line {number}: id {item.id!r} is used twice")
            seen.add(item.id)
            items.append(item)
    items.sort(key=lambda i: (i.t, i.line))
    return Scenario(name=name, items=tuple(items))


def parse_item(number: int, line: str) -> ScenarioItem:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"line {number}: malformed JSON ({exc.msg})") from None
    if not isinstance(record, dict):
        raise ScenarioError(f"line {number}: expected a JSON object")
    t = record.get("t")
    if (
        isinstance(t, bool)
        or not isinstance(t, int | float)
        or not math.isfinite(t)
        or t < 0
    ):
        raise ScenarioError(f"line {number}: t must be a number of seconds, 0 or more")
    kind = record.get("kind", "post")
    if kind not in {"post", "inject"}:
        raise ScenarioError(f"line {number}: kind must be post or inject")
    raw_id = record.get("id")
    if kind == "inject":
        for field, limit in (("title", MAX_INJECT_TITLE), ("text", MAX_INJECT_TEXT)):
            value = record.get(field, "")
            if not isinstance(value, str) or len(value) > limit:
                raise ScenarioError(
                    f"line {number}: inject {field} must be text of at most {limit} characters"
                )
        if not (record.get("title") or record.get("text")):
            raise ScenarioError(f"line {number}: an inject needs a title or a text")
        if raw_id in (None, ""):
            raw_id = f"inject-{number}"
    if (
        isinstance(raw_id, bool)
        or not isinstance(raw_id, str | int)
        or not str(raw_id).strip()
    ):
        raise ScenarioError(f"line {number}: missing id")
    return ScenarioItem(
        t=float(t), kind=kind, id=str(raw_id).strip()[:200], line=number, record=record
    )


def inject_text(record: dict[str, Any]) -> str:
    title = str(record.get("title") or "").strip()
    text = str(record.get("text") or "").strip()
    return INJECT_PREFIX + (f"{title} — {text}" if title and text else title or text)


# --- playing ------------------------------------------------------------------------
def replay_speed(params: dict[str, Any]) -> float:
    speed = params.get("speed", 1)
    if isinstance(speed, bool) or not isinstance(speed, int | float):
        raise ScenarioError("speed must be a number from 1 to 60")
    if not (MIN_SPEED <= speed <= MAX_SPEED):
        raise ScenarioError("speed must be a number from 1 to 60")
    return float(speed)


def parse_started_at(cursor: dict[str, Any]) -> dt.datetime | None:
    value = cursor.get("started_at")
    if not isinstance(value, str):
        return None
    try:
        started = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return started if started.tzinfo is not None else None


def is_due(source: Source, *, now: dt.datetime) -> bool:
    """Whether the replay has something to release now (or has to start)."""
    cursor = source.cursor or {}
    if cursor.get("finished"):
        return False
    if (
        source.consecutive_failures
        and source.next_attempt_at is not None
        and source.next_attempt_at > now
    ):
        return False  # backing off after a failure
    started = parse_started_at(cursor)
    next_t = cursor.get("next_t")
    if started is None or not isinstance(next_t, int | float):
        return True  # not started yet, or an old cursor: let the connector decide
    try:
        speed = replay_speed(source.params or {})
    except ScenarioError:
        return True  # the poll records the configuration error
    return (now - started).total_seconds() * speed >= next_t


def replay_sources() -> list[Source]:
    """Enabled replay sources of open activations."""
    return list(
        Source.objects.filter(
            platform=Platform.REPLAY, is_enabled=True, activation__status__in=_OPEN
        ).only(
            "id",
            "activation_id",
            "cursor",
            "params",
            "consecutive_failures",
            "next_attempt_at",
        )
    )


def replays_due(*, now: dt.datetime | None = None) -> list[int]:
    """Ids of enabled replay sources of open activations with something to play."""
    now = now or timezone.now()
    return [s.pk for s in replay_sources() if is_due(s, now=now)]


def replay_injects_log(*, sources: Sequence[Source]) -> int:
    """Write one activation log entry per inject of these sources that has landed and
    is not logged yet.

    Race-safe and idempotent: each inject post is claimed with a conditional UPDATE
    (its raw payload gets `inject_logged_at`) in the same transaction as its entry.
    """
    if not sources:
        return 0
    pending = (
        Post.objects.filter(
            activation_id__in={s.activation_id for s in sources},
            platform=Platform.REPLAY,
            source_id__in=[s.pk for s in sources],
            raw__kind="inject",
        )
        .exclude(raw__has_key=LOGGED_KEY)
        .select_related("activation")
        .order_by("posted_at", "id")
    )
    logged = 0
    for post in pending[:200]:
        with transaction.atomic():
            raw = {**post.raw, LOGGED_KEY: timezone.now().isoformat()}
            won = (
                Post.objects.filter(pk=post.pk)
                .exclude(raw__has_key=LOGGED_KEY)
                .update(raw=raw)
            )
            if won != 1:
                continue  # another worker logged it
            activation_log(
                activation=post.activation, kind=LogEntry.Kind.SYSTEM, text=post.text
            )
            logged += 1
    if logged:
        logger.info("logged %s exercise injects", logged)
    return logged
