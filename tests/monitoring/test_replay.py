"""Exercise replay: the scenario file, the connector's clock, injects in the log, the
beat task and the demo."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.utils import timezone

from activations.demo import LEZ_VALLEY
from activations.models import Activation, LogEntry
from monitoring import replay, tasks
from monitoring.connectors import connector_for
from monitoring.connectors.base import SourceConfigError
from monitoring.connectors.replay import PAGE_SIZE, ReplayConnector
from monitoring.demo import DEMO_REPLAY_NAME, demo_replay_seed
from monitoring.formats.generic import parse_record
from monitoring.models import Platform, Post, Source
from monitoring.pipeline.text import dedupe_text
from monitoring.services import source_poll, sources_due

REPO = Path(__file__).resolve().parents[2]
SCENARIO = REPO / "monitoring" / "scenarios" / "flash_flood_herault.jsonl"
T0 = dt.datetime(2026, 10, 14, 16, 0, tzinfo=dt.UTC)

TINY = [
    {
        "t": 0,
        "kind": "inject",
        "id": "i-1",
        "title": "Start",
        "text": "Exercise begins",
    },
    {
        "t": 0,
        "kind": "post",
        "id": "a",
        "text": "Il pleut fort à Lattes",
        "author": "x1",
        "platform": "x",
        "lang": "fr",
    },
    {
        "t": 30,
        "kind": "post",
        "id": "b",
        "text": "Le Lez monte",
        "author": "x2",
        "platform": "mastodon",
        "lat": 43.6,
        "lon": 3.88,
    },
    {
        "t": 60,
        "kind": "inject",
        "id": "i-2",
        "title": "Point de situation",
        "text": "La préfecture demande un point",
    },
    {
        "t": 60,
        "kind": "post",
        "id": "c",
        "text": "RT @x1: Il pleut fort à Lattes",
        "author": "x3",
        "repost_of": "a",
    },
    {
        "t": 120,
        "kind": "post",
        "id": "d",
        "text": "Route coupée",
        "author": "x4",
        "official": True,
    },
    {
        "t": 600,
        "kind": "post",
        "id": "e",
        "author": "x5",
    },  # no text: rejected when played
]


def lines(records: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


@pytest.fixture
def scenario_dir(tmp_path, monkeypatch) -> Path:
    """A private scenario folder holding `tiny` (the shipped scenario stays untouched)."""
    monkeypatch.setattr(replay, "SCENARIO_DIR", tmp_path)
    (tmp_path / "tiny.jsonl").write_text(lines(TINY), encoding="utf-8")
    return tmp_path


def connector(name: str = "tiny", speed: float = 2) -> ReplayConnector:
    return ReplayConnector(params={"scenario": name, "speed": speed}, credentials=None)


# --- the connector's clock ------------------------------------------------------------
def test_posts_are_released_as_scenario_time_passes_at_the_chosen_speed(scenario_dir):
    # given the tiny scenario at speed 2, started at T0
    replayer = connector(speed=2)
    cursor = {"started_at": T0.isoformat()}

    # when fetched 20 s after the start (40 scenario seconds)
    page = replayer.fetch(cursor=cursor, now=T0 + dt.timedelta(seconds=20))

    # then what happened at t=0 and t=30 is out, dated start + t / speed
    assert [p.external_id for p in page.posts] == ["i-1", "a", "b"]
    assert [p.posted_at for p in page.posts] == [T0, T0, T0 + dt.timedelta(seconds=15)]
    assert page.cursor["position"] == 40
    assert (page.cursor["next_t"], page.cursor["finished"]) == (60, False)

    # when fetched again from that cursor 25 s later (90 scenario seconds)
    page = replayer.fetch(cursor=page.cursor, now=T0 + dt.timedelta(seconds=45))

    # then only what is new comes: the t=60 inject and post
    assert [p.external_id for p in page.posts] == ["i-2", "c"]
    assert page.cursor["started_at"] == T0.isoformat()

    # when fetched again at the same moment: nothing new
    again = replayer.fetch(cursor=page.cursor, now=T0 + dt.timedelta(seconds=45))
    assert again.posts == []
    assert again.rejected == []

    # when the scenario's end has passed: the rest, and the replay is finished
    end = replayer.fetch(cursor=again.cursor, now=T0 + dt.timedelta(seconds=400))
    assert [p.external_id for p in end.posts] == ["d"]
    assert [r.reason for r in end.rejected] == ["scenario tiny line 7: missing text"]
    assert (end.cursor["next_t"], end.cursor["finished"]) == (None, True)


def test_a_replay_without_a_start_starts_now(scenario_dir):
    # given a fresh cursor
    now = T0 + dt.timedelta(hours=3)

    # when fetched
    page = connector().fetch(cursor={}, now=now)

    # then it starts at that moment: the t=0 items are due
    assert page.cursor["started_at"] == now.isoformat()
    assert [p.external_id for p in page.posts] == ["i-1", "a"]


def test_replayed_posts_are_marked_as_exercise_material(scenario_dir):
    # given the whole tiny scenario played
    page = connector().fetch(
        cursor={"started_at": T0.isoformat()}, now=T0 + dt.timedelta(hours=1)
    )
    posts = {p.external_id: p for p in page.posts}

    # then every post is of platform "replay", the simulated platform kept in raw
    assert {p.platform for p in page.posts} == {"replay"}
    assert posts["b"].raw["platform"] == "mastodon"
    assert posts["b"].raw["scenario"] == "tiny"
    assert posts["b"].geo == (3.88, 43.6)
    assert posts["c"].repost_of_external_id == "a"
    assert posts["d"].is_official is True
    # and injects are official posts whose text says what they are
    assert (
        posts["i-2"].text
        == "INJECT: Point de situation — La préfecture demande un point"
    )
    assert posts["i-2"].is_official is True
    assert posts["i-2"].raw["kind"] == "inject"


def test_a_long_backlog_comes_in_pages(monkeypatch):
    # given the shipped scenario, far past its end
    replayer = connector("flash_flood_herault", speed=60)
    cursor = {"started_at": T0.isoformat()}
    now = T0 + dt.timedelta(hours=1)

    # when fetched
    first = replayer.fetch(cursor=cursor, now=now)
    second = replayer.fetch(cursor=first.cursor, now=now)

    # then a full page says there is more, and the next page has the rest
    assert first.more is True
    assert PAGE_SIZE <= len(first.posts) < PAGE_SIZE + 5
    assert second.more is False
    assert second.cursor["finished"] is True
    total = sum(1 for _ in SCENARIO.open(encoding="utf-8"))
    assert len(first.posts) + len(second.posts) == total


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"scenario": "../../etc/passwd", "speed": 6}, "scenario must be a name"),
        ({"scenario": "nope", "speed": 6}, "no scenario named 'nope'"),
        ({"scenario": "tiny", "speed": 0}, "speed must be a number from 1 to 60"),
        ({"scenario": "tiny", "speed": 61}, "speed must be a number from 1 to 60"),
        ({"scenario": "tiny", "speed": "fast"}, "speed must be a number from 1 to 60"),
        ({"scenario": "broken", "speed": 6}, "line 2: t must be a number of seconds"),
        ({"scenario": "twice", "speed": 6}, "line 2: id 'a' is used twice"),
    ],
)
def test_bad_replay_settings_are_configuration_errors(scenario_dir, params, message):
    # given scenarios with a fault
    (scenario_dir / "broken.jsonl").write_text(
        lines([TINY[1], {"t": "soon", "kind": "post", "id": "z", "text": "x"}])
    )
    (scenario_dir / "twice.jsonl").write_text(lines([TINY[1], TINY[1]]))

    # when a connector is made for them: a configuration error naming the fault
    with pytest.raises(SourceConfigError, match=re.escape(message)):
        ReplayConnector(params=params, credentials=None)


# --- through the pipeline -------------------------------------------------------------
@pytest.fixture
def replay_source(db, activation, scenario_dir) -> Source:
    return Source.objects.create(
        activation=activation,
        platform=Platform.REPLAY,
        name="Exercice",
        params={"scenario": "tiny", "speed": 1},
        # 35 scenario seconds played: t <= 35 is due, the next item (t=60) is 25 s away
        cursor={"started_at": (timezone.now() - dt.timedelta(seconds=35)).isoformat()},
    )


def test_polling_lands_due_posts_and_injects_are_logged_once(replay_source):
    # given a replay started 35 s ago at speed 1
    activation = replay_source.activation
    log_before = LogEntry.objects.filter(activation=activation).count()

    # when it is polled, then the injects are logged (twice, as two beats would)
    result = source_poll(source=replay_source)
    replay.replay_injects_log(sources=[replay_source])
    replay.replay_injects_log(sources=[replay_source])

    # then the due posts landed and the one inject is in the log once
    assert result.inserted == 3
    assert set(
        Post.objects.filter(activation=activation).values_list("external_id", flat=True)
    ) == {"i-1", "a", "b"}
    entries = LogEntry.objects.filter(activation=activation).order_by("id")
    assert entries.count() == log_before + 1
    assert entries.last().text == "INJECT: Start — Exercise begins"
    assert entries.last().kind == LogEntry.Kind.SYSTEM
    replay_source.refresh_from_db()
    assert replay_source.cursor["next_t"] == 60


def test_a_replayed_page_doubles_nothing(replay_source):
    # given a poll that landed and whose injects were logged
    source_poll(source=replay_source)
    replay.replay_injects_log(sources=[replay_source])
    posts = Post.objects.count()
    entries = LogEntry.objects.count()

    # when the same page is fetched again (the cursor lost its position, as after a
    # crash before it was saved) and the injects step runs again
    Source.objects.filter(pk=replay_source.pk).update(
        cursor={"started_at": replay_source.cursor["started_at"]}
    )
    replay_source.refresh_from_db()
    result = source_poll(source=replay_source)
    replay.replay_injects_log(sources=[replay_source])

    # then everything is a duplicate and no inject is logged twice
    assert (result.inserted, result.duplicates) == (0, 3)
    assert (Post.objects.count(), LogEntry.objects.count()) == (posts, entries)


def test_play_replays_fans_out_only_replays_with_something_due(
    db, scenario_dir, monkeypatch
):
    # given replays in every state
    now = timezone.now()
    started = (now - dt.timedelta(seconds=20)).isoformat()

    def make(
        name: str, *, cursor: dict, enabled: bool = True, status: str = "active"
    ) -> Source:
        activation = Activation.objects.get(pk=_activation(status).pk)
        return Source.objects.create(
            activation=activation,
            platform=Platform.REPLAY,
            name=name,
            params={"scenario": "tiny", "speed": 2},
            cursor=cursor,
            is_enabled=enabled,
        )

    new = make("not started", cursor={})
    due = make("due", cursor={"started_at": started, "position": 0, "next_t": 30})
    make("waiting", cursor={"started_at": started, "position": 30, "next_t": 60})
    make(
        "finished",
        cursor={
            "started_at": started,
            "position": 900,
            "next_t": None,
            "finished": True,
        },
    )
    make("paused", cursor={}, enabled=False)
    make("standby", cursor={}, status="standby")
    make("closed", cursor={}, status="closed")
    sent: list[int] = []
    monkeypatch.setattr(tasks.poll_source, "delay", sent.append)

    # when the beat task runs
    count = tasks.play_replays()

    # then only the sources with something to play now get a poll
    standby = Source.objects.get(name="standby").pk
    assert sorted(sent) == sorted([new.pk, due.pk, standby])
    assert count == 3
    # and replays never go through the generic poll fan-out
    assert not set(sources_due()) & set(
        Source.objects.filter(platform=Platform.REPLAY).values_list("pk", flat=True)
    )


def _activation(status: str) -> Activation:
    from tests.factories import ActivationFactory

    extra = {"closed_at": timezone.now()} if status == "closed" else {}
    return ActivationFactory(status=status, **extra)


def test_beat_task_then_poll_task_play_the_scenario_and_log_its_injects(
    replay_source, monkeypatch
):
    # given the beat fanning out to the poll task (run inline here)
    monkeypatch.setattr(
        tasks.poll_source, "delay", lambda source_id: tasks.poll_source(source_id)
    )

    # when two beats pass
    tasks.play_replays()
    tasks.play_replays()

    # then the due posts are in and the t=0 inject is logged once
    activation = replay_source.activation
    assert Post.objects.filter(activation=activation, platform="replay").count() == 3
    assert (
        LogEntry.objects.filter(
            activation=activation, text__startswith="INJECT: "
        ).count()
        == 1
    )


def test_connector_registry_knows_the_replay_platform(replay_source):
    made = connector_for(source=replay_source, credentials=None)
    assert isinstance(made, ReplayConnector)


# --- the demo -----------------------------------------------------------------------------
def test_demo_replay_is_created_started_and_left_alone(activation):
    # given the demo seeded once
    source = demo_replay_seed(activation, now=T0)
    assert source.platform == Platform.REPLAY
    assert source.params == {"scenario": "flash_flood_herault", "speed": 6}
    assert source.cursor == {"started_at": T0.isoformat()}

    # when seeded again while it plays
    Source.objects.filter(pk=source.pk).update(
        cursor={"started_at": T0.isoformat(), "position": 600, "next_t": 610}
    )
    again = demo_replay_seed(activation, now=T0 + dt.timedelta(seconds=110))

    # then nothing changes: one source, same clock
    assert (
        Source.objects.filter(activation=activation, name=DEMO_REPLAY_NAME).count() == 1
    )
    assert again.cursor["started_at"] == T0.isoformat()


def test_an_interrupted_demo_replay_resumes_where_it_stopped(activation):
    # given a replay that played 600 scenario seconds (100 s at speed 6), then the
    # demo was stopped for a day
    source = demo_replay_seed(activation, now=T0)
    Source.objects.filter(pk=source.pk).update(
        cursor={"started_at": T0.isoformat(), "position": 600, "next_t": 610}
    )
    later = T0 + dt.timedelta(days=1)

    # when the demo starts again
    resumed = demo_replay_seed(activation, now=later)

    # then its clock moves so that it goes on from 600 s instead of flooding the rest
    assert (
        resumed.cursor["started_at"] == (later - dt.timedelta(seconds=100)).isoformat()
    )
    assert resumed.cursor["position"] == 600


def test_demo_seed_adds_the_replay_to_the_demo_activation(db):
    from activations.demo import DEMO_SLUG, demo_seed

    activation = demo_seed()
    demo_seed()
    assert activation.slug == DEMO_SLUG
    source = Source.objects.get(activation=activation, name=DEMO_REPLAY_NAME)
    assert source.cursor["started_at"]


# --- the shipped scenario -----------------------------------------------------------------
@pytest.fixture(scope="module")
def scenario() -> list[dict]:
    return [
        json.loads(text) for text in SCENARIO.read_text(encoding="utf-8").splitlines()
    ]


def test_scenario_is_playable_and_about_500_posts_over_two_hours(scenario):
    loaded = replay.load_scenario("flash_flood_herault")
    posts = [r for r in scenario if r["kind"] == "post"]
    injects = [r for r in scenario if r["kind"] == "inject"]
    assert len(loaded.items) == len(scenario)
    assert 450 <= len(posts) <= 550
    assert 8 <= len(injects) <= 12
    assert all(0 <= r["t"] <= 7200 for r in scenario)
    assert loaded.duration == 7200
    # every post is valid in the generic format
    for record in posts:
        parse_record(
            {k: v for k, v in record.items() if k not in {"t", "kind"}}, posted_at=T0
        )


def test_scenario_timeline_starts_slowly_peaks_then_declines(scenario):
    per_10_min = [0] * 12
    for record in scenario:
        if record["kind"] == "post":
            per_10_min[min(int(record["t"] // 600), 11)] += 1
    assert per_10_min[0] < per_10_min[2] < max(per_10_min)
    peak = per_10_min.index(max(per_10_min))
    assert 3 <= peak <= 7
    assert per_10_min[10] + per_10_min[11] < per_10_min[peak]


def test_scenario_is_bilingual(scenario):
    langs = [r.get("lang") for r in scenario if r["kind"] == "post"]
    assert langs.count("fr") >= 350
    assert langs.count("en") >= 20


def test_scenario_has_reposts_and_near_copies(scenario):
    posts = [r for r in scenario if r["kind"] == "post"]
    by_id = {r["id"]: r for r in posts}
    reposts = [r for r in posts if "repost_of" in r]
    assert len(reposts) >= 60
    for r in reposts:
        original = by_id[r["repost_of"]]
        assert original["t"] <= r["t"]
        assert r["text"].startswith("RT @")

    def words(text: str) -> set[str]:
        return set(dedupe_text(text).split())

    originals = [r for r in posts if "repost_of" not in r]
    near = 0
    for i, a in enumerate(originals):
        wa = words(a["text"])
        for b in originals[i + 1 :]:
            wb = words(b["text"])
            retyped = a["text"] != b["text"] and len(wa & wb) / len(wa | wb) >= 0.7
            if retyped and (a["author"], a["platform"]) != (b["author"], b["platform"]):
                near += 1
    assert near >= 30


def test_scenario_has_official_messages_rumours_and_debunks(scenario):
    posts = [r for r in scenario if r["kind"] == "post"]
    official = [r for r in posts if r.get("official")]
    assert len(official) >= 30
    assert all(r["author"].endswith("_EX") for r in official)

    def first(pattern: str, only_official: bool = False) -> float:
        return min(
            r["t"]
            for r in posts
            if re.search(pattern, r["text"])
            and (r.get("official") or not only_official)
        )

    # each rumour comes first, its official debunk later
    assert first(r"barrage du Salagou a cédé") < first(
        r"aucune rupture de barrage", True
    )
    assert first(r"12 morts") < first(r"AUCUN décès", True)
    assert first(r"[Pp]illeurs") < first(r"Aucun pillage", True)
    assert first(r"contaminée") < first(r"reste POTABLE", True)
    # vigilance rouge, prefecture, fire service, town halls
    authors = {r["author"] for r in official}
    assert {
        "Prefet34_EX",
        "SDIS34_EX",
        "VigiMeteo_EX",
        "MairieMontpellier_EX",
    } <= authors
    assert any("Vigilance ROUGE" in r["text"] for r in official)


def test_scenario_geotags_mostly_in_the_demo_area_and_place_names(scenario):
    posts = [r for r in scenario if r["kind"] == "post"]
    area = MultiPolygon(Polygon(LEZ_VALLEY), srid=4326)
    geotagged = [r for r in posts if "lat" in r]
    inside = [
        r for r in geotagged if area.contains(Point(r["lon"], r["lat"], srid=4326))
    ]
    assert len(geotagged) >= 50
    assert len(inside) >= 0.7 * len(geotagged)
    assert len(geotagged) - len(inside) >= 3
    communes = (
        "Montpellier",
        "Lattes",
        "Castelnau",
        "Juvignac",
        "Pérols",
        "Palavas",
        "Saint-Jean-de-Védas",
        "Grabels",
        "Le Crès",
    )
    named_only = [
        r for r in posts if "lat" not in r and any(c in r["text"] for c in communes)
    ]
    assert len(named_only) >= 100
    assert all(r["url"].startswith("https://replay.invalid/") for r in posts)


def test_scenario_injects_cover_the_exercise(scenario):
    injects = [r for r in scenario if r["kind"] == "inject"]
    assert injects[0]["t"] == 0
    assert injects[-1]["t"] == 7200
    assert any("point de situation" in r["title"].lower() for r in injects)
    assert all(r["title"] and r["text"] for r in injects)


def test_scenario_file_is_what_the_script_generates(monkeypatch):
    spec = importlib.util.spec_from_file_location(
        "make_scenario", REPO / "scripts" / "make_scenario.py"
    )
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "make_scenario", module)  # dataclasses look it up
    spec.loader.exec_module(module)
    assert module.render(module.build()) == SCENARIO.read_text(encoding="utf-8")
