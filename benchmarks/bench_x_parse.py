"""X page parsing throughput: `parse_file(..., fmt="x")` on a large synthetic file.

    .venv/bin/python benchmarks/bench_x_parse.py [--posts 100000] [--repeat 3]

Builds JSONL of v2 search pages (100 posts each) shaped like real ones:
includes with users, places, media and the originals of retweets; about a
third retweets, 10% with coordinates, 20% with a place, 15% with media, links
in entities, one `errors` item per page. Prints posts/s (best of --repeat, and
the median) for the JSONL file and for the same pages as one JSON array, and
posts per CPU second (less sensitive to other load on the machine). No
database, no network.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vost.settings_test")
# Parsing touches no database and no Redis: placeholders let the settings load without one.
os.environ.setdefault("DATABASE_URL", "postgis://bench:unused@127.0.0.1:9/unused")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:9/0")

EPOCH_MS = 1288834974657
WORDS = [
    "inondation",
    "crue",
    "route",
    "coupée",
    "pompiers",
    "secours",
    "évacuation",
    "école",
    "pont",
    "rivière",
    "eau",
    "monte",
    "vigilance",
    "rouge",
    "Lattes",
    "Montpellier",
    "Pérols",
    "Hérault",
    "aide",
    "besoin",
    "flooding",
    "road",
    "closed",
    "rescue",
    "water",
    "rising",
    "stay",
    "safe",
    "shelter",
]


def _id(ms: int, seq: int) -> str:
    return str(((ms - EPOCH_MS) << 22) | seq)


def make_page(rng: random.Random, page_no: int, size: int = 100) -> dict[str, Any]:
    base_ms = 1_749_564_000_000 + page_no * 60_000
    users = [
        {
            "id": str(10_000 + u),
            "username": f"user_{page_no}_{u}",
            "name": f"Personne {u}",
            "created_at": "2018-04-01T10:00:00.000Z",
            "verified": u % 10 == 0,
            "public_metrics": {"followers_count": rng.randint(0, 50_000)},
        }
        for u in range(40)
    ]
    places = [
        {
            "id": "p_lattes",
            "full_name": "Lattes, France",
            "geo": {"bbox": [3.86, 43.54, 3.95, 43.60]},
        },
        {
            "id": "p_herault",
            "full_name": "Hérault, France",
            "geo": {"bbox": [2.54, 43.21, 4.19, 43.97]},
        },
    ]
    data, media, originals = [], [], []
    for n in range(size):
        post_id = _id(base_ms - n * 500, n)
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30)))
        link = f"https://t.co/{post_id[-10:]}"
        tweet: dict[str, Any] = {
            "id": post_id,
            "author_id": str(10_000 + rng.randrange(40)),
            "created_at": f"2025-06-10T14:{n % 60:02d}:00.000Z",
            "lang": "fr",
            "edit_history_tweet_ids": [post_id],
            "text": f"{words} &amp; {link}",
            "entities": {
                "urls": [
                    {"url": link, "expanded_url": f"https://example.org/{post_id}"}
                ]
            },
        }
        roll = rng.random()
        if roll < 0.33:
            original_id = _id(base_ms - 3_600_000 - n, n)
            tweet["referenced_tweets"] = [{"type": "retweeted", "id": original_id}]
            tweet["text"] = f"RT @someone: {words[:100]}…"
            originals.append(
                {
                    "id": original_id,
                    "author_id": "10001",
                    "text": words,
                    "created_at": "2025-06-10T13:00:00.000Z",
                }
            )
        elif roll < 0.43:
            tweet["geo"] = {
                "place_id": "p_lattes",
                "coordinates": {
                    "type": "Point",
                    "coordinates": [3.9 + rng.random() / 50, 43.57 + rng.random() / 50],
                },
            }
        elif roll < 0.63:
            tweet["geo"] = {"place_id": rng.choice(["p_lattes", "p_herault"])}
        if rng.random() < 0.15:
            key = f"3_{post_id}"
            tweet["attachments"] = {"media_keys": [key]}
            media.append(
                {
                    "media_key": key,
                    "type": "photo",
                    "url": f"https://pbs.twimg.com/media/{post_id}.jpg",
                    "alt_text": "Rue inondée",
                }
            )
        data.append(tweet)
    return {
        "data": data,
        "includes": {
            "users": users,
            "places": places,
            "media": media,
            "tweets": originals,
        },
        "errors": [{"title": "Not Found Error", "detail": "Could not find tweet"}],
        "meta": {"newest_id": data[0]["id"], "result_count": size},
    }


def measure(label: str, blob: bytes, expected: int, repeat: int) -> None:
    from monitoring.connectors.x import parse_file

    rates, cpu_rates = [], []
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        result = parse_file(blob, fmt="x")
        elapsed = time.perf_counter() - started
        cpu_rates.append(expected / (time.process_time() - cpu_started))
        if len(result.posts) != expected:
            raise SystemExit(f"parsed {len(result.posts)} posts, expected {expected}")
        rates.append(len(result.posts) / elapsed)
    print(
        f"{label}: {expected} posts, {len(blob) / 1e6:.1f} MB — "
        f"best {max(rates):,.0f} posts/s, median {statistics.median(rates):,.0f} posts/s "
        f"({max(rates) * len(blob) / expected / 1e6:.1f} MB/s); "
        f"per CPU second {max(cpu_rates):,.0f} posts"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    rng = random.Random(4)  # the same file every run
    pages = [make_page(rng, n) for n in range(max(1, args.posts // 100))]
    total = len(pages) * 100
    jsonl = "\n".join(json.dumps(page, ensure_ascii=False) for page in pages).encode()
    array = json.dumps(pages, ensure_ascii=False).encode()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus")
    measure("JSONL pages", jsonl, total, args.repeat)
    measure("JSON array of pages", array, total, args.repeat)


if __name__ == "__main__":
    main()
