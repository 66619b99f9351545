"""Near-duplicate detection: MinHash signatures of word shingles, banded for LSH.

Everything is computed for a whole batch at once: words are hashed once each
(CRC32: stable across processes, unlike hash()), shingles and signatures come
from numpy passes over the batch, and the assignment below only loops over
posts. The candidate lookup happens in PostgreSQL (neardup_store), so the
index is shared by all workers and survives restarts.

Parameters are tuned by benchmarks/bench_neardup.py on repost/copy pairs from
CrisisLexT26 (precision and recall of the clusters, and throughput).
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Mapping, Sequence

import numpy as np

# Tuned on CrisisLexT26 (benchmarks/bench_neardup.py): copies there are mostly near
# identical, while different tweets of one event often share most of their words
# (headlines, slogans), so the bar is high. 10 bands of 6 rows still make pairs at
# the threshold candidates almost surely (1 - (1 - 0.82^6)^10 = 0.97; 0.99 at 0.85),
# with 10 index rows per cluster; 12 bands of 5 measured the same, for 20% more rows.
NUM_PERM = 64
BANDS = 10
ROWS = 6  # BANDS * ROWS <= NUM_PERM: the last slots only refine the similarity
# Estimated Jaccard similarity with a cluster's representative needed to join it.
THRESHOLD = 0.82
# A band shared by many clusters (a slogan, a headline everybody varies) would make
# every post compare with all of them: only the most recent ones are candidates.
CANDIDATES_PER_BAND = 32
EMPTY = np.uint32(0xFFFFFFFF)  # every slot of a text with no words: matches nothing

# Multiply-shift hashing, h(x) = ((a·x + b) mod 2^64) >> 32 for a 32-bit x: strongly
# universal, and numpy's wrapping uint64 product avoids a much slower modulo.
_seeds = np.random.default_rng(20261126)
_A = _seeds.integers(1, 1 << 63, size=NUM_PERM, dtype=np.uint64) | np.uint64(1)
_B = _seeds.integers(0, 1 << 63, size=NUM_PERM, dtype=np.uint64)
_PAIR = np.uint64(0x9E3779B97F4A7C15)  # mixes two word hashes into a 2-shingle
_BAND_MIX = _seeds.integers(
    1, 1 << 63, size=(BANDS, ROWS), dtype=np.uint64
) | np.uint64(1)
_BAND_SALT = _seeds.integers(0, 1 << 63, size=BANDS, dtype=np.uint64)
_SHIFT = np.uint64(32)

# What near-duplicate detection ignores: repost markers ("RT @user:", "via @user"),
# mentions and links; accents are dropped (NFKD, then the combining marks).
_NOISE = re.compile(
    r"\b(?:rt|mt|via)\b\s*@[\w.\-]+:?|https?://\S+|www\.\S+|(?<!\w)@[\w.\-]+(?:@[\w.\-]+)?",
    re.IGNORECASE,
)
_COMBINING = re.compile(r"[\u0300-\u036f]+")
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The words near-duplicate detection compares: lower case, no accents, no
    punctuation, links, mentions or repost markers."""
    if "@" in text or "://" in text or "www." in text:
        text = _NOISE.sub(" ", text)
    text = text.lower()
    if not text.isascii():
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return _WORD.findall(text)


def _shingle_hashes(
    texts: Sequence[str],
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The batch's shingle hashes, concatenated, with the count per text: single
    words, then pairs of consecutive words. Repeats are harmless (MinHash keeps minima)."""
    word_hashes: list[int] = []
    lengths = np.zeros(len(texts), dtype=np.int64)
    for index, text in enumerate(texts):
        found = words(text)
        lengths[index] = len(found)
        word_hashes.extend(zlib.crc32(w.encode()) for w in found)
    hashes = np.array(word_hashes, dtype=np.uint64)
    # pairs of consecutive words, minus those that straddle two texts
    pairs = hashes[:-1] * _PAIR + hashes[1:]
    ends = np.cumsum(lengths)
    keep = np.ones(len(pairs), dtype=bool)
    keep[ends[(lengths > 0) & (ends < len(hashes))] - 1] = False
    pairs = pairs[keep]
    pairs = (pairs >> _SHIFT) ^ (pairs & np.uint64(0xFFFFFFFF))
    return (hashes, lengths), (pairs, np.maximum(lengths - 1, 0))


def signatures(texts: Sequence[str]) -> np.ndarray:
    """MinHash signatures, one row of NUM_PERM uint32 per text (all EMPTY when the text
    has no words), computed in vectorised passes over the whole batch."""
    minima = np.full((len(texts), NUM_PERM), np.uint64(0xFFFFFFFFFFFFFFFF))
    for values, counts in _shingle_hashes(texts):
        filled = counts > 0
        if not filled.any():
            continue
        starts = (np.cumsum(counts) - counts)[filled]
        rows = np.flatnonzero(filled)
        # One 1-D pass per permutation: reduceat over many short segments of a
        # 2-D array is several times slower. The minimum of the full 64-bit values
        # orders like their high halves, kept below.
        for slot in range(NUM_PERM):
            hashed = values * _A[slot] + _B[slot]
            column = np.minimum.reduceat(hashed, starts)
            minima[rows, slot] = np.minimum(minima[rows, slot], column)
    return (minima >> _SHIFT).astype(np.uint32)


def signature(text: str) -> np.ndarray | None:
    """The MinHash signature of one text, or None when it has no words."""
    sig = signatures([text])[0]
    return None if is_empty(sig) else sig


def is_empty(sig: np.ndarray) -> bool:
    return bool(sig[0] == EMPTY and (sig == EMPTY).all())


def band_keys(sigs: np.ndarray) -> np.ndarray:
    """(N, BANDS) signed 64-bit LSH keys; the band index is mixed in, so equal rows in
    different bands never collide. Texts with no words get keys too: callers skip them."""
    chunks = sigs[:, : BANDS * ROWS].reshape(len(sigs), BANDS, ROWS).astype(np.uint64)
    keys = (chunks * _BAND_MIX).sum(axis=2, dtype=np.uint64) + _BAND_SALT
    keys ^= keys >> np.uint64(31)  # finaliser: spread the linear combination's bits
    keys *= np.uint64(0xBF58476D1CE4E5B9)
    keys ^= keys >> np.uint64(29)
    return keys.view(np.int64)


def bands(sig: np.ndarray) -> list[int]:
    """The LSH keys of one signature (see band_keys)."""
    return [int(k) for k in band_keys(sig.reshape(1, NUM_PERM))[0]]


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the two shingle sets."""
    return float(np.count_nonzero(a == b)) / NUM_PERM


def assign_batch(
    sigs: np.ndarray,
    keys: np.ndarray,
    *,
    stored_by_band: Mapping[
        int, Sequence[int]
    ],  # band -> stored clusters, oldest first
    stored_sigs: Mapping[int, np.ndarray],
    join_stored: Sequence[int | None] | None = None,
    join_row: Sequence[int | None] | None = None,
) -> tuple[list[int], list[int]]:
    """Decide a cluster for each row of a batch, in order.

    A row joins: the stored cluster `join_stored[i]` or the cluster of the earlier
    row `join_row[i]` when given (a repost follows its original); else the best
    candidate sharing a band (the last CANDIDATES_PER_BAND of each band, oldest
    first), stored (representative signature in `stored_sigs`)
    or started earlier in this batch, if its estimated similarity reaches
    THRESHOLD; else it starts a cluster. Returns (targets, representatives):
    targets[i] is a stored cluster id (>= 0) or ~j for the batch's new cluster j,
    whose representative is row representatives[j].
    """
    count = len(sigs)
    targets = [0] * count
    representatives: list[int] = []
    local_by_band: dict[int, list[int]] = {}
    empty = (sigs[:, 0] == EMPTY) & (sigs == EMPTY).all(axis=1)
    row_keys = keys.tolist()
    for index in range(count):
        forced = join_stored[index] if join_stored is not None else None
        if forced is None and join_row is not None:
            earlier = join_row[index]
            if earlier is not None and earlier < index:
                forced = targets[earlier]
        if forced is not None:
            targets[index] = forced
            continue
        if empty[index]:
            targets[index] = ~len(representatives)
            representatives.append(index)
            continue
        sig = sigs[index]
        # best score wins; on a tie the oldest cluster (stored before new), so that
        # equal texts always make the same choice whichever batch they arrive in
        best_rank: tuple[float, int, int] = (THRESHOLD - 1e-9, 0, 0)
        best: int | None = None
        seen: set[int] = set()
        local_seen: set[int] = set()
        for key in row_keys[index]:
            stored = stored_by_band.get(key)
            if stored:
                for cluster_id in stored[-CANDIDATES_PER_BAND:]:
                    if cluster_id in seen:
                        continue
                    seen.add(cluster_id)
                    other = stored_sigs.get(cluster_id)
                    if other is None:
                        continue
                    rank = (np.count_nonzero(sig == other) / NUM_PERM, 1, -cluster_id)
                    if rank > best_rank:
                        best_rank, best = rank, cluster_id
            local = local_by_band.get(key)
            if local:
                for position in local[-CANDIDATES_PER_BAND:]:
                    if position in local_seen:
                        continue
                    local_seen.add(position)
                    other = sigs[representatives[position]]
                    rank = (np.count_nonzero(sig == other) / NUM_PERM, 0, -position)
                    if rank > best_rank:
                        best_rank, best = rank, ~position
        if best is not None:
            targets[index] = best
            continue
        new_position = len(representatives)
        targets[index] = ~new_position
        representatives.append(index)
        for key in row_keys[index]:
            local_by_band.setdefault(key, []).append(new_position)
    return targets, representatives


def to_bytes(sig: np.ndarray) -> bytes:
    return sig.astype("<u4").tobytes()


def from_bytes(data: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<u4")
