"""Geoparsing and language detection benchmark, measured in-process.

    .venv/bin/python benchmarks/bench_geoparse.py [--mentions 2000] [--posts 20000]

Creates a throw-away test database (test_vost_bench_geoparse) on the embedded PostGIS
(or DATABASE_URL), loads the INSEE communes from ../shared/data with
`manage.py load_gazetteer` (twice: the second run must create nothing), then:
- accuracy: synthetic French/English sentences naming a commune drawn from the INSEE
  list (35% namesakes; an activation area of ~30 km around the commune; 30% with a
  department cue), right commune = same name within 3 km of the INSEE point; the same
  without area, and with the packaged GeoNames list instead of the INSEE one;
- false positives: place-less sentences and real English crisis posts (CrisisLexT6);
- speed: posts/s through geoparse() on a mix of 80% real posts without French places
  and 20% mentions, with an area;
- language detection (monitoring.pipeline.language): posts/s and accuracy on short
  French and English posts.
Skips (exit 0, with a message) when ../shared/data is absent. The database is dropped.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import os
import platform
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

SHARED = ROOT.parent / "shared" / "data"
COMMUNES = SHARED / "gazetteer_fr" / "communes_insee_2024" / "communes.csv"
CRISIS_POSTS = SHARED / "crisis" / "crisislex_t6"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mentions", type=int, default=2000)
    parser.add_argument("--posts", type=int, default=20000)
    args = parser.parse_args()
    if not COMMUNES.exists():
        print(f"skipped: INSEE communes not found at {COMMUNES}")
        return 0

    import devenv

    with devenv.services() as svc:
        os.environ.update(devenv.django_env(svc.env))
        os.environ.update(
            {
                "DJANGO_SETTINGS_MODULE": "vost.settings_test",
                "DJANGO_LOG_LEVEL": "warning",
            }
        )
        import django

        django.setup()
        from django.db import connection
        from django.test.utils import setup_test_environment

        setup_test_environment()
        connection.settings_dict.setdefault("TEST", {})["NAME"] = (
            "test_vost_bench_geoparse"
        )
        test_db = connection.creation.create_test_db(verbosity=0, keepdb=False)
        try:
            return run(args, test_db)
        finally:
            connection.creation.destroy_test_db(test_db, verbosity=0)


def _km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6371.0 * math.hypot(x, math.radians(lat2 - lat1))


def crisis_posts(limit: int) -> list[str]:
    texts: list[str] = []
    for path in sorted(CRISIS_POSTS.glob("*.csv")):
        with path.open(encoding="utf-8", errors="replace") as handle:
            reader = csv.reader(handle)
            next(reader, None)
            texts.extend(row[1] for row in reader if len(row) > 1)
    random.Random(3).shuffle(texts)
    return texts[:limit]


def accuracy(
    gazetteer, cases, *, use_area: bool, tolerance_km: float, off_centre: bool = False
) -> dict[str, float]:
    from django.contrib.gis.geos import MultiPolygon, Point

    from monitoring.pipeline.geoparse import geoparse_with
    from monitoring.pipeline.text import fold

    rng = random.Random(2)
    hits: dict[str, list[bool]] = {"all": [], "namesakes": [], "unique": []}
    misses: list[str] = []
    for case in cases:
        commune = case.commune
        area = None
        if use_area and case.with_area and off_centre:
            # a department-sized area (~70 km across) with the commune anywhere in it
            shift = rng.uniform(0, 0.3)
            angle = rng.uniform(0, 2 * math.pi)
            centre = Point(
                commune.lon + shift * math.cos(angle),
                commune.lat + shift * math.sin(angle),
            )
            area = MultiPolygon(centre.buffer(0.6), srid=4326)
        elif use_area and case.with_area:
            area = MultiPolygon(Point(commune.lon, commune.lat).buffer(0.3), srid=4326)
        [(point, name)] = geoparse_with(gazetteer, [case.text], area=area)
        right = (
            point is not None
            and fold(name) == fold(commune.name)
            and _km(point.x, point.y, commune.lon, commune.lat) <= tolerance_km
        )
        hits["all"].append(right)
        hits["namesakes" if case.namesake else "unique"].append(right)
        if not right and len(misses) < 12 and (name or os.environ.get("ALL_MISSES")):
            misses.append(
                f"    {case.text!r} -> {name or None!r} (want {commune.name}, {commune.department})"
            )
    result = {k: sum(v) / len(v) for k, v in hits.items() if v}
    result["n"] = len(cases)
    result["n_namesakes"] = len(hits["namesakes"])
    result["misses"] = misses
    return result


def show(label: str, result: dict) -> None:
    print(
        f"  {label:44} {result['all']:.1%} right  (namesakes {result.get('namesakes', 0):.1%} "
        f"of {result['n_namesakes']}, unique names {result.get('unique', 0):.1%}; n={result['n']})"
    )


def run(args: argparse.Namespace, test_db: str) -> int:
    from django.contrib.gis.geos import MultiPolygon, Point
    from django.core.management import call_command

    from monitoring.pipeline import gazetteer
    from monitoring.pipeline.geoparse import geoparse, geoparse_with
    from tests.monitoring.geoparse_support import NO_PLACE, mentions, read_communes

    print(
        f"VOST Hub geoparsing benchmark — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"database {test_db}, load average {os.getloadavg()[0]:.1f}"
    )

    # --- loading --------------------------------------------------------------
    for attempt in ("first load", "second load"):
        t0 = time.perf_counter()
        call_command("load_gazetteer", str(COMMUNES), stdout=sys.stdout)
        print(f"  {attempt}: {time.perf_counter() - t0:.1f} s")
    gazetteer.reset()
    t0 = time.perf_counter()
    insee = gazetteer.current()
    print(
        f"  INSEE index: {len(insee.entries)} places, {len(insee.index)} names, "
        f"built in {time.perf_counter() - t0:.1f} s"
    )
    t0 = time.perf_counter()
    packaged = gazetteer.Gazetteer.build(gazetteer.packaged_entries())
    print(
        f"  packaged GeoNames index: {len(packaged.entries)} places, built in "
        f"{time.perf_counter() - t0:.1f} s"
    )

    # --- accuracy -------------------------------------------------------------
    communes = read_communes(COMMUNES)
    cases = mentions(communes, args.mentions, seed=11)
    print(f"accuracy on {len(cases)} synthetic mentions of INSEE communes:")
    show(
        "INSEE list, larger area, commune off-centre",
        accuracy(insee, cases, use_area=True, tolerance_km=3.0, off_centre=True),
    )
    runs = [
        ("INSEE list, area around the commune", insee, True, 3.0),
        ("INSEE list, no area", insee, False, 3.0),
        ("packaged GeoNames, area around the commune", packaged, True, 5.0),
        ("packaged GeoNames, no area", packaged, False, 5.0),
    ]
    headline = 0.0
    for label, index, use_area, tolerance in runs:
        result = accuracy(index, cases, use_area=use_area, tolerance_km=tolerance)
        show(label, result)
        if index is insee and use_area:
            headline = result["all"]
            misses = result["misses"]
    listed = [c for c in cases if gazetteer.name_key(c.commune.name) in packaged.index]
    show(
        "packaged GeoNames, area, names it lists",
        accuracy(packaged, listed, use_area=True, tolerance_km=5.0),
    )
    cued = [c for c in cases if c.namesake and c.with_cue]
    if cued:
        show(
            "INSEE list, no area, namesakes with dept cue",
            accuracy(insee, cued, use_area=False, tolerance_km=3.0),
        )
    print("  first misses (INSEE, with area):")
    print("\n".join(misses))

    # --- false positives ---------------------------------------------------------
    crisis = crisis_posts(max(args.posts, 5000))
    if not crisis:  # CrisisLexT6 absent: place-less sentences with a counter
        crisis = [f"{t} ({i})" for i in range(args.posts) for t in NO_PLACE][
            : args.posts
        ]
    found = geoparse_with(insee, NO_PLACE, area=None)
    wrong = [(t, n) for t, (_, n) in zip(NO_PLACE, found, strict=True) if n]
    print(
        f"false positives: {len(wrong)} of {len(NO_PLACE)} place-less sentences {wrong}"
    )
    sample = crisis[:5000]
    found = geoparse_with(insee, sample, area=None)
    matched = [(t, n) for t, (_, n) in zip(sample, found, strict=True) if n]
    print(
        f"  English crisis posts (US/Canada/Australia, CrisisLexT6): {len(matched)} of "
        f"{len(sample)} matched a French commune ({len(matched) / len(sample):.2%})"
    )
    for text, name in matched[:8]:
        print(f"    {name!r} in {text[:90]!r}")

    # --- speed ------------------------------------------------------------------
    mix = [c.text for c in mentions(communes, args.posts // 5, seed=5)]
    posts = mix + crisis[: args.posts - len(mix)]
    random.Random(1).shuffle(posts)
    herault = MultiPolygon(Point(3.6, 43.6).buffer(0.5), srid=4326)
    for label, fn in (
        (
            "geoparse() with the INSEE table",
            lambda batch: geoparse(batch, area=herault),
        ),
        (
            "packaged GeoNames",
            lambda batch: geoparse_with(packaged, batch, area=herault),
        ),
    ):
        fn(posts[:100])
        t0, c0 = time.perf_counter(), time.process_time()
        for start in range(0, len(posts), 500):
            fn(posts[start : start + 500])
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(
            f"speed, {label}: {len(posts)} posts in {elapsed:.2f} s = "
            f"{len(posts) / elapsed:,.0f} posts/s ({len(posts) / cpu:,.0f} per CPU-second)"
        )

    language_benchmark(crisis)
    print(f"headline: {headline:.1%} right commune (target >= 90%)")
    return 0


def language_benchmark(crisis: list[str]) -> None:
    from monitoring.pipeline import language
    from tests.monitoring.language_support import ENGLISH_POSTS, FRENCH_POSTS

    labelled = [(t, "fr") for t in FRENCH_POSTS] + [(t, "en") for t in ENGLISH_POSTS]
    language.detect_languages(["warm up"], [""])
    texts = [t for t, _ in labelled]
    found = language.detect_languages(texts, [""] * len(texts))
    right = sum(f == want for f, (_, want) in zip(found, labelled, strict=True))
    unsure = sum(not f for f in found)
    wrong = [
        (t, f) for f, (t, want) in zip(found, labelled, strict=True) if f and f != want
    ]
    print(
        f"language: {right}/{len(labelled)} right on short French/English posts "
        f"({right / len(labelled):.1%}; {unsure} unsure, {len(wrong)} wrong {wrong[:5]})"
    )
    posts = (crisis * 2)[:20000]
    unique = [f"{t} {i}" for i, t in enumerate(posts)]  # all distinct: no cache hit
    for label, batch in (
        ("distinct posts", unique),
        ("posts as they come (reposts repeat)", posts),
    ):
        language._cache.clear()
        t0, c0 = time.perf_counter(), time.process_time()
        for start in range(0, len(batch), 500):
            part = batch[start : start + 500]
            language.detect_languages(part, [""] * len(part))
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(
            f"language speed, {label}: {len(batch) / elapsed:,.0f} posts/s "
            f"({len(batch) / cpu:,.0f} per CPU-second, lingua on 2 threads)"
        )
    decided = sum(bool(language.precheck(t)) for t in unique)
    print(f"  decided by the function-word pre-check: {decided / len(unique):.0%}")


if __name__ == "__main__":
    sys.exit(main())
