"""Near-duplicate detection: MinHash signatures of word shingles, banded for LSH.

Signatures use a stable hash (CRC32) so that every worker process computes the
same bands; the candidate lookup happens in PostgreSQL (ClusterBand), so the
index is shared by all workers and survives restarts.
"""

from __future__ import annotations

import itertools
import zlib

import numpy as np

from monitoring.pipeline.text import dedupe_text

NUM_PERM = 64
BANDS = 16  # 16 bands of 4 rows: pairs above ~0.6 Jaccard almost always share a band
ROWS = NUM_PERM // BANDS
THRESHOLD = 0.6  # estimated Jaccard needed to join a cluster
_PRIME = np.uint64((1 << 61) - 1)
_MAX = np.uint64((1 << 32) - 1)
_rng = np.random.RandomState(20261126)  # fixed: signatures must agree across processes
_A = _rng.randint(1, 1 << 31, size=NUM_PERM, dtype=np.uint64)
_B = _rng.randint(0, 1 << 31, size=NUM_PERM, dtype=np.uint64)


def shingles(text: str) -> set[int]:
    """Hashed word 2-shingles (single words for very short texts)."""
    words = dedupe_text(text).split()
    if len(words) < 3:
        grams = words
    else:
        grams = [f"{a} {b}" for a, b in itertools.pairwise(words)]
    return {zlib.crc32(g.encode()) for g in grams}


def signature(text: str) -> np.ndarray | None:
    """MinHash signature (NUM_PERM uint32), or None for a text with no words."""
    values = shingles(text)
    if not values:
        return None
    x = np.fromiter(values, dtype=np.uint64, count=len(values))
    hashed = (np.outer(x, _A) + _B) % _PRIME & _MAX
    return hashed.min(axis=0).astype(np.uint32)


def bands(sig: np.ndarray) -> list[int]:
    """One signed 64-bit key per band (band index mixed in, so bands never collide)."""
    keys = []
    for index in range(BANDS):
        chunk = sig[index * ROWS : (index + 1) * ROWS].tobytes()
        key = zlib.crc32(chunk, index * 0x9E3779B1 & 0xFFFFFFFF) | (index << 32)
        keys.append(key - (1 << 63) if key >= 1 << 63 else key)
    return keys


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the two shingle sets."""
    return float(np.count_nonzero(a == b)) / NUM_PERM


def to_bytes(sig: np.ndarray) -> bytes:
    return sig.astype("<u4").tobytes()


def from_bytes(data: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<u4")
