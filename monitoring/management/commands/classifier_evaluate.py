"""Train the classifier's learnt part on labelled posts and measure it on others.

    python manage.py classifier_evaluate --train TRAIN.tsv [...] --test TEST.tsv [...]

HumAID TSV format (an optional first line naming the file, then a header with
tweet_text and class_label). Several files may follow each option, e.g. every
event of a HumAID set with a shell glob:

    python manage.py classifier_evaluate \\
        --train ../shared/data/crisis/humaid_events_set1/*/*_train.tsv \\
        --test ../shared/data/crisis/humaid_events_set1/*/*_dev.tsv

Prints accuracy, macro-F1, per-class precision/recall/F1 with support, and the
inference throughput. Nothing is saved.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from monitoring.pipeline import evaluation


class Command(BaseCommand):
    help = (
        "Train the post classifier on labelled TSV files (HumAID format) and print "
        "accuracy, macro-F1 and per-class F1 on others."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--train", nargs="+", type=Path, required=True, metavar="TSV"
        )
        parser.add_argument(
            "--test", nargs="+", type=Path, required=True, metavar="TSV"
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=0,
            help="first shuffling seed of SGD (default 0)",
        )
        parser.add_argument(
            "--members",
            type=int,
            default=evaluation.MEMBERS,
            help="SGD runs (seeds seed, seed+1, …) whose weights are averaged "
            f"(default {evaluation.MEMBERS})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            train = evaluation.read_tsv(options["train"])
            test = evaluation.read_tsv(options["test"])
            self.stdout.write(
                f"train: {len(train.texts):,} posts from {train.files} file(s), "
                f"{train.skipped} malformed line(s) skipped"
            )
            self.stdout.write(
                f"test: {len(test.texts):,} posts from {test.files} file(s), "
                f"{test.skipped} malformed line(s) skipped"
            )
            report = evaluation.evaluate(
                train, test, seed=options["seed"], members=options["members"]
            )
        except evaluation.DatasetError as exc:
            raise CommandError(str(exc)) from exc

        write = self.stdout.write
        write(f"training: {report.train_seconds:.1f} s")
        write(f"accuracy: {report.accuracy:.4f}")
        write(f"macro-F1: {report.macro_f1:.4f}")
        width = max([len("class"), *(len(c.label) for c in report.classes)])
        write(f"{'class':<{width}}  precision  recall      F1  support")
        for score in report.classes:
            write(
                f"{score.label:<{width}}  {score.precision:9.4f}  {score.recall:6.4f}  "
                f"{score.f1:6.4f}  {score.support:7d}"
            )
        for label, count in sorted(report.unseen_labels.items()):
            self.stderr.write(
                f"warning: label {label!r} ({count} test posts) never seen in training"
            )
        write(
            f"inference: {report.test_posts:,} posts in {report.inference_seconds:.2f} s "
            f"= {report.posts_per_second:,.0f} posts/s "
            f"({report.posts_per_cpu_second:,.0f} per CPU second; features + model, "
            "one process)"
        )
