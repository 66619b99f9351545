"""Classifier benchmark: throughput of classify() on the production path, and quality
of the learnt part on HumAID.

    .venv/bin/python benchmarks/bench_classifier.py [--posts 50000] [--batch 1000]
        [--decisions 500] [--seeds 3] [--skip-humaid]

1. Production path, in a throw-away test database: one activation without learnt
   state (lexicon only) and one whose model has learnt `--decisions` synthetic
   triage decisions (lexicon + hashed features + model, blended). classify() runs
   over `--posts` posts in batches of `--batch`, as the ingest pipeline calls it;
   throughput is given per wall second and per CPU second of this process (the
   machine may be shared: the CPU figure is the one that does not depend on it).
   Posts are synthetic French and English crisis posts, plus HumAID's English
   tweets as input text when ../shared/data is there.
2. HumAID (when ../shared/data is there): train on every event's train split,
   measure on every dev split, as `manage.py classifier_evaluate` does, repeated
   `--seeds` times with other SGD seeds; and the lexicon alone (no training) on dev, its labels
   mapped onto ours, as a zero-shot reference.
Nothing trained here is stored outside the throw-away database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

TEST_DB = "test_vost_bench_classifier"
HUMAID = ROOT.parent / "shared" / "data" / "crisis" / "humaid_events_set1"

# HumAID's classes onto ours (for the lexicon's zero-shot figure only)
HUMAID_TO_OURS = {
    "requests_or_urgent_needs": "request",
    "injured_or_dead_people": "injured_dead",
    "missing_or_found_people": "missing_found",
    "displaced_people_and_evacuations": "displaced",
    "infrastructure_and_utility_damage": "infrastructure",
    "caution_and_advice": "caution",
    "rescue_volunteering_or_donation_effort": "rescue_donation",
    "sympathy_and_support": "sympathy",
    "other_relevant_information": "other_relevant",
    "not_humanitarian": "not_relevant",
}

PLACES = ["Sommières", "Quissac", "Alès", "Nîmes", "Lunel", "Anduze", "Sauve", "Ganges"]
ROADS = ["D999", "D35", "A9", "D6110", "N106", "D40"]
TEMPLATES = {
    "request": [
        ("fr", "Au secours on est coincés au {n}e étage à {place}, l'eau monte"),
        ("fr", "Besoin d'un bateau rue {n} à {place}, ma grand-mère est bloquée"),
        ("en", "Please help, we are trapped on the roof in {place} with {n} kids"),
        ("en", "We need water and insulin at the {place} school, nobody is coming"),
    ],
    "injured_dead": [
        ("fr", "{n} blessés et un mort après la crue à {place} selon le bilan"),
        ("en", "Death toll rises to {n} after the flash flood in {place}"),
    ],
    "missing_found": [
        ("fr", "Mon frère est porté disparu depuis {n}h près de {place}, avez-vous vu"),
        ("en", "Has anyone seen my dad? Missing near {place} since {n}pm"),
    ],
    "displaced": [
        ("fr", "Évacuation du quartier de {place}, {n} personnes hébergées au gymnase"),
        ("en", "Mandatory evacuation in {place}, shelter open for {n} families"),
    ],
    "infrastructure": [
        ("fr", "Route {road} coupée à {place}, pont emporté, {n} foyers sans courant"),
        ("en", "Road {road} closed near {place}, power outage for {n} homes"),
    ],
    "caution": [
        (
            "fr",
            "Vigilance rouge sur {place} : évitez les déplacements, restez chez vous",
        ),
        ("en", "Flash flood warning for {place}: stay off the roads, {n} mm expected"),
    ],
    "rescue_donation": [
        ("fr", "Collecte de dons à {place}, {n} bénévoles attendus demain"),
        ("en", "Volunteers needed in {place}, donate to the relief fund, {n} raised"),
    ],
    "sympathy": [
        ("fr", "Toutes nos pensées aux habitants de {place}, courage"),
        ("en", "Thoughts and prayers for everyone in {place} tonight"),
    ],
    "official": [
        ("fr", "Communiqué de la préfecture : point de situation à {n}h sur {place}"),
        ("en", "Press conference by the mayor of {place} at {n}pm"),
    ],
    "rumour": [
        (
            "fr",
            "Il paraît que le barrage de {place} a cédé, quelqu'un peut confirmer ?",
        ),
        ("en", "Is it true the dam in {place} broke? sounds like a hoax"),
    ],
    "other_relevant": [
        ("fr", "Le Gardon monte encore à {place}, {n} cm de plus depuis ce matin"),
        ("en", "Heavy rain over {place}, river levels still rising, {n} mm so far"),
    ],
    "not_relevant": [
        ("fr", "Jeu concours : gagnez {n} places de concert à {place}"),
        ("en", "Giveaway! Win {n} tickets, follow back {place}"),
    ],
}
FILLER = [
    "ce matin",
    "ce soir",
    "vite",
    "svp",
    "merci",
    "now",
    "tonight",
    "omg",
    "#Gard",
    "#inondations",
    "#flood",
    "!!",
    "photo",
    "video",
    "",
    "",
]


def synthetic(count: int, seed: int) -> tuple[list[str], list[str], list[str]]:
    """(texts, langs, categories): filled templates with a little noise."""
    rng = random.Random(seed)
    flat = [(cat, lang, t) for cat, items in TEMPLATES.items() for lang, t in items]
    texts, langs, labels = [], [], []
    for _ in range(count):
        category, lang, template = rng.choice(flat)
        text = template.format(
            place=rng.choice(PLACES), road=rng.choice(ROADS), n=rng.randint(2, 300)
        )
        texts.append(f"{text} {rng.choice(FILLER)} {rng.choice(FILLER)}".strip())
        langs.append(lang)
        labels.append(category)
    return texts, langs, labels


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--decisions", type=int, default=500)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--skip-humaid", action="store_true")
    args = parser.parse_args()

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
        from django.conf import settings

        django.setup()
        from django.db import connection
        from django.test.utils import setup_test_environment

        setup_test_environment()
        settings.DATABASES["default"]["TEST"]["NAME"] = TEST_DB
        test_db = connection.creation.create_test_db(verbosity=0, keepdb=False)
        try:
            status = run_production(args, test_db)
        finally:
            connection.close()
            connection.creation.destroy_test_db(test_db, verbosity=0)
    if not args.skip_humaid:
        status |= run_humaid(args)
    return status


def _throughput(texts: list[str], langs: list[str], batch: int, activation_id: int):
    from monitoring.pipeline.classify import classify

    wall, cpu = time.perf_counter(), time.process_time()
    results = []
    for start in range(0, len(texts), batch):
        results.extend(
            classify(
                texts[start : start + batch],
                langs[start : start + batch],
                activation_id=activation_id,
            )
        )
    return (
        len(texts) / (time.perf_counter() - wall),
        len(texts) / (time.process_time() - cpu),
        results,
    )


def run_production(args: argparse.Namespace, test_db: str) -> int:
    from collections import Counter

    from monitoring.models import ClassifierState
    from monitoring.pipeline import evaluation
    from monitoring.pipeline.classify import classifier_learn
    from tests.factories import ActivationFactory

    print(
        f"VOST Hub classifier benchmark — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"database {test_db}"
    )
    texts, langs, _ = synthetic(args.posts, seed=1)
    if HUMAID.is_dir():
        humaid = evaluation.read_tsv(sorted(HUMAID.glob("*/*.tsv"))).texts
        # half synthetic, half real tweets (text only), interleaved
        for i in range(min(len(humaid), args.posts // 2)):
            texts[2 * i + 1], langs[2 * i + 1] = humaid[i], ""
        print(f"posts: {args.posts:,} (half synthetic FR/EN, half HumAID tweets)")
    else:
        print(f"posts: {args.posts:,} synthetic FR/EN (no ../shared/data)")

    plain = ActivationFactory(slug="bench-lexicon")
    learnt = ActivationFactory(slug="bench-learnt")
    teach_texts, teach_langs, teach_labels = synthetic(args.decisions, seed=2)
    started = time.perf_counter()
    for start in range(0, args.decisions, 50):  # as triage would: small batches
        classifier_learn(
            activation_id=learnt.pk,
            texts=teach_texts[start : start + 50],
            labels=teach_labels[start : start + 50],
            langs=teach_langs[start : start + 50],
        )
    learn_seconds = time.perf_counter() - started
    state = ClassifierState.objects.get(activation=learnt)
    print(
        f"learning: {state.updates} decisions in batches of 50 in {learn_seconds:.1f} s "
        f"({learn_seconds / (args.decisions / 50) * 1000:.0f} ms per batch); "
        f"stored state {len(bytes(state.arrays)) / 1024:.0f} KiB"
    )

    print(f"\nclassify() in batches of {args.batch} (first pass includes warm-up)")
    print("| path | pass | posts/s (wall) | posts/s (CPU) |")
    print("|---|---|---|---|")
    failed = 0
    for name, activation in (("lexicon only", plain), ("lexicon + model", learnt)):
        for run_number in (1, 2):
            wall, cpu, results = _throughput(texts, langs, args.batch, activation.pk)
            print(f"| {name} | {run_number} | {wall:,.0f} | {cpu:,.0f} |")
        if cpu < 5000:
            failed = 1
        counts = Counter(c for c, _ in results)
        top = ", ".join(f"{c} {n}" for c, n in counts.most_common(5))
        print(f"|   categories ({name}): {top} … | | | |")
    print("target: >= 5,000 posts/s per CPU second on the production path")
    return failed


def run_humaid(args: argparse.Namespace) -> int:
    if not HUMAID.is_dir():
        print(f"\nHumAID: skipped, {HUMAID} not found")
        return 0
    from sklearn.metrics import f1_score

    from monitoring.pipeline import evaluation
    from monitoring.pipeline.classify import classify_with_lexicon

    train = evaluation.read_tsv(sorted(HUMAID.glob("*/*_train.tsv")))
    dev = evaluation.read_tsv(sorted(HUMAID.glob("*/*_dev.tsv")))
    print(
        f"\nHumAID set 1: train {len(train.texts):,} posts ({train.files} files), "
        f"dev {len(dev.texts):,} posts ({dev.files} files)"
    )
    macros = []
    reports = []
    for seed in range(max(1, args.seeds)):
        first = seed * evaluation.MEMBERS  # disjoint seeds for each repeat
        report = evaluation.evaluate(train, dev, seed=first)
        reports.append(report)
        macros.append(report.macro_f1)
        print(
            f"seeds {first}-{first + evaluation.MEMBERS - 1}: accuracy {report.accuracy:.4f}, macro-F1 {report.macro_f1:.4f}, "
            f"training {report.train_seconds:.1f} s, inference "
            f"{report.posts_per_second:,.0f} posts/s ({report.posts_per_cpu_second:,.0f} per CPU s)"
        )
    print(
        f"macro-F1 over {len(macros)} repeat(s): min {min(macros):.4f}, "
        f"mean {statistics.mean(macros):.4f} (target >= 0.72)"
    )
    print("\n| class (first repeat) | precision | recall | F1 | support |")
    print("|---|---|---|---|---|")
    for score in reports[0].classes:
        print(
            f"| {score.label} | {score.precision:.3f} | {score.recall:.3f} | "
            f"{score.f1:.3f} | {score.support} |"
        )

    # the lexicon alone, zero-shot, HumAID labels mapped onto ours
    predicted = [
        c for c, _ in classify_with_lexicon(dev.texts, ["en"] * len(dev.texts))
    ]
    truth = [HUMAID_TO_OURS.get(label, label) for label in dev.labels]
    present = sorted(set(truth))
    zero_shot = f1_score(
        truth, predicted, labels=present, average="macro", zero_division=0
    )
    accuracy = sum(p == t for p, t in zip(predicted, truth, strict=True)) / len(truth)
    print(
        f"\nlexicon alone (no training), HumAID dev mapped onto our taxonomy: "
        f"accuracy {accuracy:.4f}, macro-F1 {zero_shot:.4f}"
    )
    return 0 if min(macros) >= 0.72 else 1


if __name__ == "__main__":
    sys.exit(main())
