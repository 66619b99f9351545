"""Category and priority (0-1) of each post.

By default the keyword lexicon decides (monitoring.pipeline.lexicon). Each
activation also has an online model (monitoring.pipeline.textmodel) that learns
from its triage decisions through `classifier_learn`; once it has learnt
MIN_DECISIONS of them, its probabilities are blended with the lexicon's, its share
growing with experience up to MAX_MODEL_SHARE (the lexicon keeps a say: a few
hundred decisions never cover every way of calling for help).

Priority mixes what the category usually means (a request for help outranks a
road closure, which outranks sympathy) with urgency signals found in the text
(people trapped, water rising, children or elderly people involved); urgency
barely moves sympathy or off-topic posts.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Final

import numpy as np
import numpy.typing as npt
from django.db import transaction

from monitoring.models import Category, ClassifierState
from monitoring.pipeline import lexicon, textmodel

logger = logging.getLogger(__name__)

CATEGORIES: Final = lexicon.CATEGORIES
MIN_DECISIONS: Final = 30
MAX_MODEL_SHARE: Final = 0.75
FULL_SHARE_AT: Final = 500  # decisions after which the model has its full share
LEARN_PASSES: Final = 3  # a handful of decisions is seen a few times, not once
MAX_LEARN_BATCH: Final = 5000

# What a post of each category is worth before reading its urgency signals.
BASE_PRIORITY: Final[dict[str, float]] = {
    Category.REQUEST: 0.75,
    Category.INJURED_DEAD: 0.7,
    Category.MISSING_FOUND: 0.7,
    Category.DISPLACED: 0.55,
    Category.INFRASTRUCTURE: 0.45,
    Category.CAUTION: 0.4,
    Category.RESCUE_DONATION: 0.35,
    Category.SYMPATHY: 0.08,
    Category.OFFICIAL: 0.6,
    Category.RUMOUR: 0.5,
    Category.OTHER_RELEVANT: 0.3,
    Category.NOT_RELEVANT: 0.02,
}
# How far urgency signals can lift a category ("prayers for the trapped children" is
# still sympathy).
URGENCY_REACH: Final[dict[str, float]] = {
    Category.SYMPATHY: 0.25,
    Category.NOT_RELEVANT: 0.1,
    Category.OFFICIAL: 0.6,
    Category.RESCUE_DONATION: 0.7,
}
# What the lexicon believes before any evidence: situational, rarely urgent.
LEXICON_PRIOR: Final[dict[str, float]] = {
    Category.OTHER_RELEVANT: 0.3,
    Category.NOT_RELEVANT: 0.05,
}
DEFAULT_PRIOR: Final = 0.01
# General hazard words ("flood", "orage") are weaker evidence than specific ones.
OTHER_EVIDENCE_SCALE: Final = 0.5

_BASE = np.array([BASE_PRIORITY[c] for c in CATEGORIES])
_REACH = np.array([URGENCY_REACH.get(c, 1.0) for c in CATEGORIES])
_PRIOR = np.array([LEXICON_PRIOR.get(c, DEFAULT_PRIOR) for c in CATEGORIES])
_EVIDENCE_SCALE = np.array(
    [OTHER_EVIDENCE_SCALE if c == Category.OTHER_RELEVANT else 1.0 for c in CATEGORIES]
)


# --- lexicon and priority ---------------------------------------------------------------
def lexicon_probabilities(
    evidence: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Category probabilities from lexicon evidence (rows sum to 1)."""
    mass = evidence * _EVIDENCE_SCALE + _PRIOR
    return mass / mass.sum(axis=1, keepdims=True)  # type: ignore[no-any-return]


def priorities(
    probabilities: npt.NDArray[np.float64], urgency: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Priority in [0, 1]: the expected worth of the category, lifted by urgency as far
    as the category lets it."""
    base = probabilities @ _BASE
    reach = probabilities @ _REACH
    lifted = 1.0 - (1.0 - base) * (1.0 - reach * urgency)
    return np.clip(lifted, 0.0, 1.0)  # type: ignore[no-any-return]


def model_share(decisions: int) -> float:
    """The model's weight in the blend after `decisions` triage decisions, where the
    lexicon has clear evidence."""
    if decisions < MIN_DECISIONS:
        return 0.0
    progress = min(1.0, (decisions - MIN_DECISIONS) / (FULL_SHARE_AT - MIN_DECISIONS))
    return 0.3 + (MAX_MODEL_SHARE - 0.3) * progress


def blend(
    lexicon_proba: npt.NDArray[np.float64],
    evidence: npt.NDArray[np.float64],
    model_proba: npt.NDArray[np.float64],
    decisions: int,
) -> npt.NDArray[np.float64]:
    """Mix the two opinions. Where the lexicon found little (no phrase, or only general
    hazard words), its opinion is mostly its prior, so the model gets more say."""
    share = model_share(decisions)
    confidence = np.minimum(1.0, 0.2 + (evidence * _EVIDENCE_SCALE).sum(axis=1) / 2.0)
    weight = share / (share + (1.0 - share) * confidence)
    return (  # type: ignore[no-any-return]
        1.0 - weight[:, None]
    ) * lexicon_proba + weight[:, None] * model_proba


def classify_with_lexicon(
    texts: Sequence[str], langs: Sequence[str]
) -> list[tuple[str, float]]:
    """(category, priority) per text from the lexicon alone (no database)."""
    evidence, urgency = lexicon.score_batch(texts, langs)
    return _labels(lexicon_probabilities(evidence), urgency)


def _labels(
    proba: npt.NDArray[np.float64], urgency: npt.NDArray[np.float64]
) -> list[tuple[str, float]]:
    best = proba.argmax(axis=1)
    scores = priorities(proba, urgency)
    return [
        (CATEGORIES[b], round(float(s), 3)) for b, s in zip(best, scores, strict=True)
    ]


# --- the activation's model -------------------------------------------------------------
_CACHE_SIZE: Final = 4
_cache: OrderedDict[int, tuple[tuple[int, str], textmodel.Predictor]] = OrderedDict()
_cache_lock = threading.Lock()


def _predictor(activation_id: int) -> tuple[textmodel.Predictor, int] | None:
    """The activation's learnt model if it has learnt enough, else None (one query; the
    arrays are read again only when the state changed)."""
    row = (
        ClassifierState.objects.filter(activation_id=activation_id)
        .values_list("updates", "updated_at")
        .first()
    )
    if row is None or row[0] < MIN_DECISIONS:
        return None
    key = (row[0], row[1].isoformat())
    with _cache_lock:
        cached = _cache.get(activation_id)
        if cached is not None and cached[0] == key:
            _cache.move_to_end(activation_id)
            return cached[1], row[0]
    data = (
        ClassifierState.objects.filter(activation_id=activation_id)
        .values_list("arrays", flat=True)
        .first()
    )
    try:
        predictor = textmodel.Predictor.from_bytes(bytes(data or b""))
    except ValueError:
        logger.warning(
            "classifier state of activation %s unreadable; using the lexicon",
            activation_id,
        )
        return None
    with _cache_lock:
        _cache[activation_id] = (key, predictor)
        _cache.move_to_end(activation_id)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return predictor, row[0]


def classify(
    texts: list[str], langs: list[str], *, activation_id: int
) -> list[tuple[str, float]]:
    """(category, priority) per text, for the activation's posts."""
    if not texts:
        return []
    langs = list(langs) if len(langs) == len(texts) else [""] * len(texts)
    evidence, urgency = lexicon.score_batch(texts, langs)
    proba = lexicon_probabilities(evidence)
    learnt = _predictor(activation_id)
    if learnt is not None:
        predictor, decisions = learnt
        matrix = textmodel.features(texts, langs, lexicon_scores=(evidence, urgency))
        proba = blend(
            proba, evidence, predictor.probabilities(matrix, CATEGORIES), decisions
        )
    return _labels(proba, urgency)


@transaction.atomic
def classifier_learn(
    *,
    activation_id: int,
    texts: Sequence[str],
    labels: Sequence[str],
    langs: Sequence[str] | None = None,
) -> int:
    """Teach the activation's model triage decisions (a post's text and the category a
    person gave it); returns how many decisions it has learnt in all.

    Raises ValueError (and stores nothing) on unknown labels or mismatched lengths.
    Concurrent calls for one activation are serialised on its state row; an
    unreadable stored state is replaced by a fresh model (logged).
    """
    if len(texts) != len(labels) or (langs is not None and len(langs) != len(texts)):
        raise ValueError("texts, labels and langs must have the same length")
    unknown = sorted({str(label) for label in labels} - set(CATEGORIES))
    if unknown:
        raise ValueError(f"unknown categories: {', '.join(unknown)}")
    if not texts:
        state_row = ClassifierState.objects.filter(activation_id=activation_id).first()
        return state_row.updates if state_row else 0
    ClassifierState.objects.get_or_create(
        activation_id=activation_id, defaults={"arrays": b"", "updates": 0}
    )
    state = ClassifierState.objects.select_for_update().get(activation_id=activation_id)
    model = None
    if state.arrays:
        try:
            model = textmodel.load(bytes(state.arrays))
        except ValueError:
            logger.warning(
                "classifier state of activation %s unreadable; starting afresh",
                activation_id,
            )
    if model is None:
        model = textmodel.new_model()
        state.updates = 0
    targets = np.array([str(label) for label in labels])
    codes = list(langs) if langs is not None else [""] * len(texts)
    for start in range(0, len(texts), MAX_LEARN_BATCH):
        end = start + MAX_LEARN_BATCH
        matrix = textmodel.features(list(texts[start:end]), codes[start:end])
        for _ in range(LEARN_PASSES):
            model.partial_fit(matrix, targets[start:end], classes=np.array(CATEGORIES))
    state.arrays = textmodel.dump(model)
    state.updates += len(texts)
    state.save(update_fields=["arrays", "updates", "updated_at"])
    return state.updates
