"""Offline evaluation of the classifier's learnt part on labelled posts (HumAID TSV).

It trains the production feature pipeline and model family (textmodel.features,
SGD logistic regression) on one set of files and measures it on another, in the
files' own label space. Nothing is stored: a model trained on third-party data
never reaches the database or the repository.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, precision_recall_fscore_support

from monitoring.pipeline import textmodel

TEXT_COLUMN = "tweet_text"
LABEL_COLUMN = "class_label"
MAX_FILE_BYTES = 200 * 1024 * 1024

# Batch training of the same model family as the online one: more passes, a
# lighter penalty, averaged weights and balanced classes (HumAID's classes range
# from 125 to 8,500 training posts). Chosen by cross-validation on HumAID train
# (folds by event), not on dev. The weights of a few runs with different shuffles
# are averaged into one linear model: SGD's result depends on the order it sees
# the posts, and averaging halves that spread.
BATCH = textmodel.ModelSettings(alpha=5e-6, epochs=10, average=True)
MEMBERS = 3


class DatasetError(ValueError):
    """A file that cannot be read as labelled posts at all."""


@dataclass
class Dataset:
    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    files: int = 0
    skipped: int = 0  # malformed lines (wrong number of columns, no text or label)


def read_tsv(paths: Iterable[Path]) -> Dataset:
    """Posts and labels from HumAID-style TSV files: an optional first line naming the
    file, a header with tweet_text and class_label, one post per line."""
    data = Dataset()
    for path in paths:
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise DatasetError(f"{path}: larger than {MAX_FILE_BYTES} bytes")
            raw = path.read_bytes()
        except OSError as exc:
            raise DatasetError(f"{path}: {exc.strerror or exc}") from exc
        text = raw.decode("utf-8", errors="replace").lstrip("\ufeff")
        lines = text.splitlines()
        header_at = next(
            (
                i
                for i, line in enumerate(lines[:2])
                if TEXT_COLUMN in line.split("\t") and LABEL_COLUMN in line.split("\t")
            ),
            None,
        )
        if header_at is None:
            raise DatasetError(
                f"{path}: not a HumAID TSV (no header with {TEXT_COLUMN} and {LABEL_COLUMN})"
            )
        header = lines[header_at].split("\t")
        text_at, label_at = header.index(TEXT_COLUMN), header.index(LABEL_COLUMN)
        for line in lines[header_at + 1 :]:
            if not line.strip():
                continue
            cells = line.split("\t")
            if len(cells) != len(header):
                data.skipped += 1
                continue
            post, label = cells[text_at].strip(), cells[label_at].strip()
            if not post or not label:
                data.skipped += 1
                continue
            data.texts.append(post)
            data.labels.append(label)
        data.files += 1
    return data


@dataclass
class ClassScore:
    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class Report:
    accuracy: float
    macro_f1: float
    classes: list[ClassScore]
    train_posts: int
    test_posts: int
    train_seconds: float
    inference_seconds: float
    inference_cpu_seconds: float
    unseen_labels: dict[str, int]  # test labels absent from training: always wrong

    @property
    def posts_per_second(self) -> float:
        return (
            self.test_posts / self.inference_seconds if self.inference_seconds else 0.0
        )

    @property
    def posts_per_cpu_second(self) -> float:
        return (
            self.test_posts / self.inference_cpu_seconds
            if self.inference_cpu_seconds
            else 0.0
        )


def evaluate(
    train: Dataset,
    test: Dataset,
    *,
    settings: textmodel.ModelSettings = BATCH,
    seed: int = 0,
    members: int = MEMBERS,
) -> Report:
    """Train on `train`, measure on `test` (accuracy, macro-F1 over the labels of
    both sets, per-class scores) and time inference (features + model) on `test`."""
    if len(set(train.labels)) < 2:
        raise DatasetError("training data needs at least two labels")
    if not test.texts:
        raise DatasetError("no test posts")
    started = time.perf_counter()
    matrix = textmodel.features(train.texts, [""] * len(train.texts))
    targets = np.asarray(train.labels)
    runs = [
        textmodel.new_model(settings, seed=seed + i, balanced=True).fit(matrix, targets)
        for i in range(max(1, members))
    ]
    model = runs[0]
    model.coef_ = np.mean([run.coef_ for run in runs], axis=0)
    model.intercept_ = np.mean([run.intercept_ for run in runs], axis=0)
    train_seconds = time.perf_counter() - started

    started, started_cpu = time.perf_counter(), time.process_time()
    predicted = model.predict(textmodel.features(test.texts, [""] * len(test.texts)))
    inference = time.perf_counter() - started
    inference_cpu = time.process_time() - started_cpu

    labels: Sequence[str] = sorted(set(train.labels) | set(test.labels))
    precision, recall, f1, support = precision_recall_fscore_support(
        test.labels, predicted, labels=labels, zero_division=0
    )
    known = set(train.labels)
    tested = [i for i, label in enumerate(labels) if support[i] > 0]
    return Report(
        accuracy=float(accuracy_score(test.labels, predicted)),
        # macro over the classes present in the test set (HumAID's definition)
        macro_f1=float(np.mean([f1[i] for i in tested])),
        classes=[
            ClassScore(label, float(p), float(r), float(f), int(s))
            for label, p, r, f, s in zip(
                labels, precision, recall, f1, support, strict=True
            )
        ],
        train_posts=len(train.texts),
        test_posts=len(test.texts),
        train_seconds=train_seconds,
        inference_seconds=inference,
        inference_cpu_seconds=inference_cpu,
        unseen_labels=dict(Counter(lbl for lbl in test.labels if lbl not in known)),
    )
