"""Near-duplicate benchmark: precision/recall on CrisisLexT26 copies, and throughput.

    .venv/bin/python benchmarks/bench_neardup.py [--data ../shared/data] [--seed 26]

Reads ../shared/data/crisis/crisislex_t26 (skips with a message when absent;
nothing of it is copied or kept). Each event is one activation. Ground truth,
built without the detector's own measure:
- retweets "RT @user: body" of the same user whose bodies are equal or one a
  prefix of the other (truncated retweets) are copies of one original;
- a retweet is a copy of a non-retweet of the event whose text starts with the
  retweet's body (at least 40 characters and 70% of the text);
- texts equal once repost prefixes, links, mentions and punctuation are removed,
  or one a truncation of the other (40 characters and 70% of it, or more), are copies;
- derived near-copies: half of the event's non-retweets (6 words or more) get
  one copy with one small edit (hashtag added, word dropped, link changed,
  "Please share" prefix, a typo, an upper-cased word, "!!"), inserted later;
- every other pair of the event is a negative ("different tweets"); tweets that
  quote with a comment ("... RT @x: ...", "MT @x", "via @x") are left out of the
  pairs (ambiguous), though clustered like the others.
Posts are clustered in arrival order, in batches of 1,000, by the pipeline's own
code (neardup.signatures, band_keys, assign_batch) against an in-memory band
index; the same is done with datasketch (MinHash + MinHashLSH, same shingles)
for comparison. A pair is predicted a copy when both posts share a cluster.
Prints pairwise precision and recall (all pairs, and per kind of pair), a few
false positives and negatives, and the per-core throughput of the stage
(signatures + banding + assignment), on these texts and on 100k synthetic posts.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from monitoring.pipeline import neardup  # noqa: E402

BATCH = 1000
TRUNCATED = 0.7  # a truncated copy keeps at least this share of the text
PRECISION_TARGET, RECALL_TARGET, RATE_TARGET = 0.95, 0.90, 5000

# "RT @user: text", or the older manual form "“@user: text”"; repeated for nested reposts
_RT = re.compile(r"^\s*(?:RT\s*@(\w+):?|[\"“]@(\w+):)\s*(.*?)[\"”]?\s*$", re.DOTALL)
_URL = re.compile(r"https?://\S*|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"@\w+")
_NOT_ALNUM = re.compile(r"[\W_]+")


# --- ground truth ------------------------------------------------------------------
@dataclass
class Doc:
    text: str
    kind: str  # "tweet", "retweet", "edit", "ambiguous"
    source: int | None = None  # for an edit: the index of the tweet it copies


@dataclass
class Event:
    name: str
    docs: list[Doc] = field(default_factory=list)
    group: list[int] = field(default_factory=list)  # ground-truth group per doc


def _repost(text: str) -> tuple[str, str] | None:
    """(original author, body) of a repost, through nested reposts; None otherwise."""
    match = _RT.match(text)
    if match is None:
        return None
    author, body = "", text
    while match is not None:
        author, body = match.group(1) or match.group(2), match.group(3)
        match = _RT.match(body)
    return author.lower(), body


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _body(text: str) -> str:
    """A retweet's body for prefix matching: links dropped, trailing ellipsis removed."""
    body = _collapse(_URL.sub(" ", text)).lower()
    return body.rstrip("…").rstrip(".").strip()


def _copy_key(text: str) -> str:
    return _NOT_ALNUM.sub(" ", _MENTION.sub(" ", _URL.sub(" ", text.lower()))).strip()


def _edit(text: str, rng: random.Random) -> str:
    words = text.split()
    kind = rng.randrange(7)
    if kind == 0:
        words.append(rng.choice(["#breaking", "#news", "#prayers", "#help", "#update"]))
    elif kind == 1:
        del words[rng.randrange(len(words))]
    elif kind == 2:
        words = [w for w in words if not w.startswith("http")]
        words.append(f"http://t.co/{rng.getrandbits(40):010x}")
    elif kind == 3:
        words.insert(0, rng.choice(["Please share:", "Important:", "Wow.", "via"]))
    elif kind == 4:
        index = rng.randrange(len(words))
        word = words[index]
        if len(word) > 3:
            cut = rng.randrange(len(word) - 1)
            words[index] = word[:cut] + word[cut + 1] + word[cut] + word[cut + 2 :]
    elif kind == 5:
        index = rng.randrange(len(words))
        words[index] = words[index].upper()
    else:
        words[-1] += "!!"
    return " ".join(words)


class _Groups:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def load_event(path: Path, rng: random.Random) -> Event:
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    texts = [row[1] for row in rows if len(row) > 1 and row[1].strip()]
    docs: list[Doc] = []
    for text in texts:
        if _repost(text):
            kind = "retweet"
        elif re.search(r"\b(?:RT|MT|via)\s*@\w+", text, re.IGNORECASE):
            kind = "ambiguous"
        else:
            kind = "tweet"
        docs.append(Doc(text, kind))
    # derived near-copies, each inserted somewhere after its source
    for index, doc in enumerate(list(docs)):
        if doc.kind == "tweet" and len(doc.text.split()) >= 6 and rng.random() < 0.5:
            position = rng.randint(index + 1, len(docs))
            docs.insert(position, Doc(_edit(doc.text, rng), "edit", source=id(doc)))
    by_id = {id(doc): i for i, doc in enumerate(docs)}
    groups = _Groups(len(docs))
    for i, doc in enumerate(docs):
        if doc.kind == "edit" and doc.source is not None:
            doc.source = by_id[doc.source]
            groups.union(i, doc.source)
    # retweets of one original: same user, equal bodies or one a prefix of the other
    retweets: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for i, doc in enumerate(docs):
        repost = _repost(doc.text) if doc.kind == "retweet" else None
        if repost:
            retweets[repost[0]].append((i, _body(repost[1])))
    for items in retweets.values():
        for (a, body_a), (b, body_b) in itertools.combinations(items, 2):
            if len(min(body_a, body_b, key=len)) >= 20 and (
                body_a.startswith(body_b) or body_b.startswith(body_a)
            ):
                groups.union(a, b)
    # a retweet and its original, when the original is in the sample
    originals: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for i, doc in enumerate(docs):
        if doc.kind == "tweet":
            text = _collapse(_URL.sub(" ", doc.text)).lower()
            originals[text[:40]].append((i, text))
    for items in retweets.values():
        for i, body in items:
            if len(body) < 40:
                continue
            for j, text in originals.get(body[:40], ()):
                if text.startswith(body) and len(body) >= TRUNCATED * len(text):
                    groups.union(i, j)
    # copies once repost prefixes, links, mentions and punctuation are ignored: equal
    # texts, or a truncated one (40 characters and 70% or more) that starts the other
    keys = sorted(
        (_copy_key((_repost(doc.text) or ("", doc.text))[1]), i)
        for i, doc in enumerate(docs)
    )
    for (key_a, a), (key_b, b) in itertools.pairwise(keys):
        if len(key_a) >= 10 and key_a == key_b:
            groups.union(a, b)
    for position, (key, i) in enumerate(keys):
        if len(key) < 40:
            continue
        for longer, j in keys[position + 1 :]:
            if not longer.startswith(key):
                break
            if len(key) >= TRUNCATED * len(longer):
                groups.union(i, j)
    return Event(path.parent.name, docs, [groups.find(i) for i in range(len(docs))])


# --- clustering --------------------------------------------------------------------
Clusterer = Callable[[Sequence[str]], list[int]]


def cluster_ours(texts: Sequence[str], timings: dict[str, float]) -> list[int]:
    """The pipeline's code, with an in-memory band index instead of ClusterBand rows."""
    by_band: dict[int, list[int]] = defaultdict(list)
    stored: dict[int, np.ndarray] = {}
    labels: list[int] = []
    for offset in range(0, len(texts), BATCH):
        batch = texts[offset : offset + BATCH]
        started = time.perf_counter()
        sigs = neardup.signatures(batch)
        keys = neardup.band_keys(sigs)
        middle = time.perf_counter()
        wanted = set(np.unique(keys).tolist())
        candidates = {
            k: by_band[k][-neardup.CANDIDATES_PER_BAND :]
            for k in wanted
            if k in by_band
        }
        targets, representatives = neardup.assign_batch(
            sigs, keys, stored_by_band=candidates, stored_sigs=stored
        )
        new_ids = []
        for row in representatives:
            cluster_id = len(stored) + 1
            stored[cluster_id] = sigs[row]
            new_ids.append(cluster_id)
            if not neardup.is_empty(sigs[row]):
                for key in keys[row].tolist():
                    by_band[key].append(cluster_id)
        labels.extend(t if t >= 0 else new_ids[~t] for t in targets)
        ended = time.perf_counter()
        timings["signatures"] += middle - started
        timings["assignment"] += ended - middle
    return labels


def cluster_datasketch(texts: Sequence[str], timings: dict[str, float]) -> list[int]:
    """Same shingles and decisions, with datasketch's MinHash and MinHashLSH."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(
        threshold=neardup.THRESHOLD,
        num_perm=neardup.NUM_PERM,
        params=(neardup.BANDS, neardup.ROWS),
    )
    representatives: dict[str, MinHash] = {}
    labels: list[int] = []
    for offset in range(0, len(texts), BATCH):
        batch = texts[offset : offset + BATCH]
        started = time.perf_counter()
        shingle_sets = []
        for text in batch:
            words = neardup.words(text)
            shingle_sets.append(
                [w.encode() for w in words]
                + [f"{a} {b}".encode() for a, b in itertools.pairwise(words)]
            )
        hashes = MinHash.bulk(shingle_sets, num_perm=neardup.NUM_PERM)
        middle = time.perf_counter()
        for index, (shingles, minhash) in enumerate(
            zip(shingle_sets, hashes, strict=True)
        ):
            best, best_score = None, neardup.THRESHOLD - 1e-9
            if shingles:
                for key in lsh.query(minhash):
                    score = minhash.jaccard(representatives[key])
                    if score > best_score:
                        best, best_score = key, score
            if best is None:
                best = str(offset + index)
                representatives[best] = minhash
                if shingles:
                    lsh.insert(best, minhash)
            labels.append(int(best))
        timings["signatures"] += middle - started
        timings["assignment"] += time.perf_counter() - middle
    return labels


# --- scoring -----------------------------------------------------------------------
@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    found_by_kind: Counter[str] = field(default_factory=Counter)
    false_positives: list[tuple[str, str]] = field(default_factory=list)
    false_negatives: list[tuple[str, str]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def _pair_kind(a: Doc, b: Doc) -> str:
    kinds = sorted([a.kind, b.kind])
    if "edit" in kinds:
        return "edit-source"
    if kinds == ["retweet", "retweet"]:
        return "retweet-retweet"
    if kinds == ["retweet", "tweet"]:
        return "retweet-original"
    return "copy by another author"


def score(event: Event, labels: list[int], result: Score) -> None:
    usable = [i for i, d in enumerate(event.docs) if d.kind != "ambiguous"]
    by_group: dict[int, list[int]] = defaultdict(list)
    by_label: dict[int, list[int]] = defaultdict(list)
    for i in usable:
        by_group[event.group[i]].append(i)
        by_label[labels[i]].append(i)
    for members in by_group.values():
        for a, b in itertools.combinations(members, 2):
            kind = _pair_kind(event.docs[a], event.docs[b])
            result.by_kind[kind] += 1
            if labels[a] == labels[b]:
                result.tp += 1
                result.found_by_kind[kind] += 1
            else:
                result.fn += 1
                if len(result.false_negatives) < 200:
                    result.false_negatives.append(
                        (event.docs[a].text, event.docs[b].text)
                    )
    for members in by_label.values():
        for a, b in itertools.combinations(members, 2):
            if event.group[a] != event.group[b]:
                result.fp += 1
                if len(result.false_positives) < 200:
                    result.false_positives.append(
                        (event.docs[a].text, event.docs[b].text)
                    )


def evaluate(
    events: list[Event], clusterer: Callable[..., list[int]]
) -> tuple[Score, dict[str, float], int]:
    result = Score()
    timings: dict[str, float] = defaultdict(float)
    posts = 0
    for event in events:
        labels = clusterer([d.text for d in event.docs], timings)
        posts += len(event.docs)
        score(event, labels, result)
    return result, timings, posts


def report(name: str, result: Score, timings: dict[str, float], posts: int) -> bool:
    seconds = timings["signatures"] + timings["assignment"]
    rate = posts / seconds
    print(f"\n{name}")
    print(
        f"   precision {result.precision:.3f}   recall {result.recall:.3f}   "
        f"(true pairs found {result.tp}, missed {result.fn}, false pairs {result.fp})"
    )
    for kind, total in sorted(result.by_kind.items()):
        print(
            f"   recall on {kind:<17} {result.found_by_kind[kind] / total:.3f}  ({total} pairs)"
        )
    print(
        f"   throughput: {rate:,.0f} posts/s on one core "
        f"(signatures + banding {posts / timings['signatures']:,.0f}/s, "
        f"assignment {posts / timings['assignment']:,.0f}/s)"
    )
    return (
        result.precision >= PRECISION_TARGET
        and result.recall >= RECALL_TARGET
        and rate >= RATE_TARGET
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--seed", type=int, default=26)
    parser.add_argument("--examples", type=int, default=5)
    parser.add_argument("--skip-datasketch", action="store_true")
    args = parser.parse_args()

    folder = args.data / "crisis" / "crisislex_t26"
    files = sorted(folder.glob("*/*-tweets_labeled.csv"))
    print(
        f"VOST Hub near-duplicate benchmark — NUM_PERM {neardup.NUM_PERM}, "
        f"{neardup.BANDS} bands of {neardup.ROWS}, threshold {neardup.THRESHOLD}"
    )
    ok = True
    if not files:
        print(f"CrisisLexT26 not found under {folder}: quality evaluation skipped")
    else:
        rng = random.Random(args.seed)
        events = [load_event(path, rng) for path in files]
        kinds = Counter(d.kind for e in events for d in e.docs)
        print(
            f"{len(events)} events, {sum(kinds.values())} posts ({kinds['tweet']} tweets, "
            f"{kinds['retweet']} retweets, {kinds['edit']} derived near-copies, "
            f"{kinds['ambiguous']} ambiguous quotes left out of the pairs)"
        )
        result, timings, posts = evaluate(events, cluster_ours)
        ok &= report("pipeline (numpy MinHash, banded LSH)", result, timings, posts)
        rng = random.Random(args.seed)
        for label, pairs in (
            ("false positives", result.false_positives),
            ("missed", result.false_negatives),
        ):
            for a, b in rng.sample(pairs, min(args.examples, len(pairs))):
                print(f"   {label}: {a[:90]!r}\n   {' ' * len(label)}  {b[:90]!r}")
        if not args.skip_datasketch:
            result, timings, posts = evaluate(events, cluster_datasketch)
            report(
                "datasketch (MinHash.bulk + MinHashLSH), same shingles",
                result,
                timings,
                posts,
            )

    from pipeline_data import make_posts

    texts = [p.text for p in make_posts(100_000, seed=5)]
    timings: dict[str, float] = defaultdict(float)
    cluster_ours(texts, timings)
    seconds = timings["signatures"] + timings["assignment"]
    rate = len(texts) / seconds
    print(
        f"\n100k synthetic posts (pipeline code, in-memory index): {rate:,.0f} posts/s on one core "
        f"(signatures + banding {len(texts) / timings['signatures']:,.0f}/s, "
        f"assignment {len(texts) / timings['assignment']:,.0f}/s)"
    )
    ok &= rate >= RATE_TARGET
    print(
        f"targets: precision >= {PRECISION_TARGET}, recall >= {RECALL_TARGET}, "
        f">= {RATE_TARGET:,} posts/s per core: {'met' if ok else 'NOT met'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
