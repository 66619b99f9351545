"""The learnt part of the classifier: stateless hashed text features, a linear model
trained by SGD, and its storage as plain arrays.

Features need no vocabulary (hashing into a fixed space), so a model can be
trained a few decisions at a time (`partial_fit`) and stored as numbers only:
- words and word pairs of the folded text (URLs, mentions and digits generalised);
- character n-grams (3 to 5) of each word with its boundaries, which carry
  spelling variants, inflections and hashtags glued together ("#inondationsgard");
- the lexicon's evidence per category and its urgency, so a young model starts
  from what the lexicon knows.

Hashing is MurmurHash3 with a fixed seed (stable across processes, unlike
Python's `hash`), and each distinct word's features are computed once per process
and cached: crisis streams repeat the same few thousand words.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.special import expit
from sklearn.linear_model import SGDClassifier
from sklearn.preprocessing import normalize
from sklearn.utils import murmurhash3_32

from monitoring.pipeline import lexicon

N_HASHED: Final = 2**18
N_LEXICON: Final = len(lexicon.CATEGORIES) + 1  # evidence per category, urgency
N_FEATURES: Final = N_HASHED + N_LEXICON
CHAR_NGRAMS: Final = (3, 4, 5)
FORMAT_VERSION: Final = 1

# Block weights (each block is L2-normalised, then the row): tuned on HumAID train
# by cross-validation, never on its dev split.
WORD_WEIGHT: Final = 1.0
PAIR_WEIGHT: Final = 0.6
CHAR_WEIGHT: Final = 1.0
LEXICON_WEIGHT: Final = 0.2

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<!\w)@\w+")
_HASHTAG = re.compile(r"#(\w+)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_DIGITS = re.compile(r"\d")
_WORD = re.compile(r"[#@]?\w+")
_COMBINING = re.compile(r"[\u0300-\u036f]")
_MASK: Final = N_HASHED - 1
_PAIR_MULT: Final = 0x9E3779B1
_WORD_CACHE_LIMIT: Final = 300_000


def _split_hashtag(match: re.Match[str]) -> str:
    tag = match.group(1)
    parts = _CAMEL.sub(" ", tag)
    return f"#{tag} {parts}" if parts != tag else f"#{tag}"


def words(text: str) -> list[str]:
    """The words the model sees: folded, URLs and mentions replaced by a marker, digits
    as 0, hashtags kept whole and split on their capitals (#FloodWarning -> flood warning)."""
    text = _URL.sub(" httpurl ", text)
    text = _MENTION.sub(" @user ", text)
    if "#" in text:
        text = _HASHTAG.sub(_split_hashtag, text)
    text = text.lower()
    if not text.isascii():
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return _WORD.findall(_DIGITS.sub("0", text))


def _hash(feature: str) -> int:
    return int(murmurhash3_32(feature, seed=17, positive=True)) & _MASK


class _WordFeatures:
    """Per-process cache: word -> (its own feature, its character n-gram features)."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[int, npt.NDArray[np.int32]]] = {}

    def get(self, word: str) -> tuple[int, npt.NDArray[np.int32]]:
        found = self._cache.get(word)
        if found is None:
            padded = f"<{word.lstrip('#')}>"
            grams = {
                padded[i : i + n]
                for n in CHAR_NGRAMS
                for i in range(len(padded) - n + 1)
            }
            found = (
                _hash("w " + word),
                np.array(sorted(_hash("c " + g) for g in grams), dtype=np.int32),
            )
            if len(self._cache) >= _WORD_CACHE_LIMIT:
                self._cache.clear()
            self._cache[word] = found
        return found


_word_features = _WordFeatures()


def _block(
    rows: int, indices: npt.NDArray[Any], indptr: npt.NDArray[Any], weight: float
) -> sp.csr_matrix[np.float64]:
    """Rows of hashed feature indices as a block (see `_binary`)."""
    block = sp.csr_matrix(
        (np.ones(len(indices)), indices, indptr), shape=(rows, N_HASHED)
    )
    return _binary(block, weight)


def _binary(
    counts: sp.csr_matrix[np.float64], weight: float
) -> sp.csr_matrix[np.float64]:
    """Presence (1/0) of each feature, each row L2-normalised to `weight`: in a post of
    twenty words, saying a word twice adds little."""
    block = sp.csr_matrix(counts)
    block.sum_duplicates()
    block.data[:] = 1.0
    return normalize(block) * weight


def features(
    texts: Sequence[str],
    langs: Sequence[str],
    *,
    lexicon_scores: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]
    | None = None,
) -> sp.csr_matrix[np.float64]:
    """Hashed features of each text (rows L2-normalised), lexicon columns appended
    (`lexicon_scores`: `lexicon.score_batch` output when the caller already has it).

    Python only splits words and numbers the batch's distinct words; the n-grams of
    the whole batch are then assembled with a few array operations.
    """
    rows = len(texts)
    if rows == 0:
        return sp.csr_matrix((0, N_FEATURES))
    vocabulary: dict[str, int] = {}
    positions: list[int] = []
    indptr = [0]
    for text in texts:
        positions.extend(
            [vocabulary.setdefault(word, len(vocabulary)) for word in words(text)]
        )
        indptr.append(len(positions))
    get = _word_features.get
    known = [get(word) for word in vocabulary]
    word_ids = np.array([k[0] for k in known], dtype=np.int64)
    token_vocab = np.asarray(positions, dtype=np.int64)
    token_ids = word_ids[token_vocab] if len(token_vocab) else token_vocab
    starts = np.asarray(indptr, dtype=np.int64)

    unigrams = _block(rows, token_ids, starts, WORD_WEIGHT)

    # word pairs: consecutive tokens of the same text
    same_text = np.ones(max(len(token_ids) - 1, 0), dtype=bool)
    inner = starts[1:-1]
    same_text[inner[(inner > 0) & (inner < len(token_ids))] - 1] = False
    pair_ids = ((token_ids[:-1] * _PAIR_MULT) ^ token_ids[1:]) & _MASK
    pair_ids = pair_ids[same_text]
    pair_counts = np.maximum(np.diff(starts) - 1, 0)
    pair_starts = np.concatenate([[0], np.cumsum(pair_counts)]).astype(np.int64)
    pairs = _block(rows, pair_ids, pair_starts, PAIR_WEIGHT)

    # character n-grams: (texts x words) @ (words x n-grams)
    gram_lists = [k[1] for k in known]
    gram_indptr = np.concatenate(
        [[0], np.cumsum([len(g) for g in gram_lists], dtype=np.int64)]
    ).astype(np.int64)
    grams_of_word = sp.csr_matrix(
        (
            np.ones(int(gram_indptr[-1])),
            np.concatenate(gram_lists) if gram_lists else np.zeros(0, np.int32),
            gram_indptr,
        ),
        shape=(len(known), N_HASHED),
    )
    words_of_text = sp.csr_matrix(
        (np.ones(len(token_vocab)), token_vocab, starts), shape=(rows, len(known))
    )
    chars = _binary(words_of_text @ grams_of_word, CHAR_WEIGHT)

    evidence, urgency = lexicon_scores or lexicon.score_batch(texts, langs)
    dense = np.hstack([np.log1p(evidence), urgency[:, None]]) * LEXICON_WEIGHT
    matrix = sp.hstack([unigrams + pairs + chars, sp.csr_matrix(dense)], format="csr")
    return normalize(matrix)


# --- the model -------------------------------------------------------------------------
@dataclass(frozen=True)
class ModelSettings:
    alpha: float
    epochs: int
    average: bool = False


# Online learning from triage decisions: one pass per call (classify repeats small
# batches), a stronger penalty as there are few examples, plain weights so the
# stored state is just coefficients, intercepts and the step counter.
ONLINE = ModelSettings(alpha=1e-4, epochs=1)


def new_model(
    settings: ModelSettings = ONLINE, *, seed: int = 0, balanced: bool = False
) -> SGDClassifier:
    """Logistic regression trained by SGD: supports partial_fit and predict_proba.
    `balanced` weighs classes by inverse frequency (batch fit only)."""
    return SGDClassifier(
        loss="log_loss",
        alpha=settings.alpha,
        max_iter=settings.epochs,
        tol=None,
        average=settings.average,
        class_weight="balanced" if balanced else None,
        random_state=seed,
    )


def dump(model: SGDClassifier) -> bytes:
    """The model as a compressed .npz of plain arrays: no pickle, nothing executable.
    The weights are stored sparse (only the features it has seen are non-zero) and
    in single precision (half the size; SGD's own noise is far above 1e-7).
    Only plain (non-averaged) models: their state is complete in these arrays."""
    if model.average:
        raise ValueError("averaged SGD state is not stored")
    coef = np.asarray(model.coef_, dtype=np.float64)
    columns = np.flatnonzero(np.any(coef != 0.0, axis=0)).astype(np.int64)
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        version=np.array([FORMAT_VERSION]),
        classes=np.array([str(c) for c in model.classes_], dtype=np.str_),
        n_features=np.array([coef.shape[1]]),
        columns=columns,
        weights=coef[:, columns].astype(np.float32),
        intercept=np.asarray(model.intercept_, dtype=np.float64),
        t=np.array([float(model.t_)]),
        alpha=np.array([float(model.alpha)]),
    )
    return buffer.getvalue()


def _read(data: bytes) -> dict[str, Any]:
    """The arrays of a stored state; ValueError if it is not one (pickles are refused)."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            parts: dict[str, Any] = {name: arrays[name] for name in arrays.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(f"unreadable classifier state: {exc}") from exc
    version = parts.get("version")
    if version is None or version.shape != (1,) or int(version[0]) != FORMAT_VERSION:
        raise ValueError("unsupported classifier state version")
    return parts


def load(data: bytes) -> SGDClassifier:
    """Rebuild a model from `dump` output (allow_pickle=False: arrays only); it can go
    on learning with partial_fit exactly where it stopped. Raises ValueError on junk."""
    parts = _read(data)
    try:
        classes = parts["classes"]
        n_features = int(parts["n_features"][0])
        coef = np.zeros((len(classes), n_features))
        coef[:, parts["columns"]] = parts["weights"]
        model = new_model(ModelSettings(alpha=float(parts["alpha"][0]), epochs=1))
        model.classes_ = classes
        model.coef_ = coef
        model.intercept_ = np.asarray(parts["intercept"], dtype=np.float64)
        model.t_ = float(parts["t"][0])
        model.n_features_in_ = n_features
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"inconsistent classifier state: {exc}") from exc
    if coef.shape[0] != model.intercept_.shape[0]:
        raise ValueError("inconsistent classifier state: intercept shape")
    return model


@dataclass(frozen=True)
class Predictor:
    """A stored model, read for prediction only: sparse weights (the features it has
    seen), so a worker holds a few of them cheaply. Same probabilities as the
    SGDClassifier's predict_proba (one-vs-rest logistic, normalised)."""

    classes: tuple[str, ...]
    weights: sp.csr_matrix[np.float64]  # features x classes
    intercept: npt.NDArray[np.float64]

    @classmethod
    def from_bytes(cls, data: bytes) -> Predictor:
        """Raises ValueError on anything that is not a `dump` output."""
        parts = _read(data)
        try:
            classes = tuple(str(c) for c in parts["classes"])
            n_features = int(parts["n_features"][0])
            columns = np.asarray(parts["columns"], dtype=np.int64)
            weights = np.asarray(parts["weights"], dtype=np.float64)
            intercept = np.asarray(parts["intercept"], dtype=np.float64)
            if weights.shape != (len(classes), len(columns)) or intercept.shape != (
                len(classes),
            ):
                raise ValueError("shapes")
            if len(columns) and (columns.min() < 0 or columns.max() >= n_features):
                raise ValueError("feature index out of range")
            k = len(classes)
            full = sp.csr_matrix(
                (
                    weights.T.ravel(),
                    (np.repeat(columns, k), np.tile(np.arange(k), len(columns))),
                ),
                shape=(n_features, k),
            )
        except (KeyError, IndexError, ValueError, TypeError) as exc:
            raise ValueError(f"inconsistent classifier state: {exc}") from exc
        return cls(classes, full, intercept)

    def probabilities(
        self, matrix: sp.csr_matrix[np.float64], classes: Sequence[str]
    ) -> npt.NDArray[np.float64]:
        """Probabilities with columns in `classes` order (zeros for unseen classes)."""
        decision = np.asarray((matrix @ self.weights).todense()) + self.intercept
        proba = _ovr_probabilities(decision)
        return _reorder(proba, self.classes, classes)


def _ovr_probabilities(decision: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    proba: npt.NDArray[np.float64] = expit(decision)
    if proba.shape[1] == 1:
        return np.hstack([1.0 - proba, proba])
    total = proba.sum(axis=1, keepdims=True)
    total[total == 0] = 1.0
    return proba / total


def _reorder(
    proba: npt.NDArray[np.float64], have: Sequence[str], want: Sequence[str]
) -> npt.NDArray[np.float64]:
    out = np.zeros((proba.shape[0], len(want)))
    position = {str(c): i for i, c in enumerate(have)}
    for j, name in enumerate(want):
        if name in position:
            out[:, j] = proba[:, position[name]]
    return out


def probabilities(
    model: SGDClassifier, matrix: sp.csr_matrix[np.float64], classes: Sequence[str]
) -> npt.NDArray[np.float64]:
    """predict_proba with columns in `classes` order (zeros for classes it never saw)."""
    return _reorder(
        model.predict_proba(matrix), [str(c) for c in model.classes_], classes
    )
