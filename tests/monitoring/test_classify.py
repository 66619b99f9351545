"""Category and priority: the lexicon, the activation's online model, its storage, and
the offline evaluation command."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from monitoring.models import Category, ClassifierState
from monitoring.pipeline import classify as classify_module
from monitoring.pipeline import lexicon, textmodel
from monitoring.pipeline.classify import (
    MIN_DECISIONS,
    classifier_learn,
    classify,
    classify_with_lexicon,
)
from monitoring.pipeline.text import fold
from tests.conftest import REPO
from tests.monitoring.classify_support import (
    CATEGORY_CASES,
    DATA,
    NOVEL_MISSING,
    NOVEL_OTHER,
    PRIORITY_LADDER,
)


# --- lexicon ------------------------------------------------------------------------
@pytest.mark.parametrize(("category", "lang", "text"), CATEGORY_CASES)
def test_lexicon_finds_each_category_in_french_and_english(category, lang, text):
    # when the language is known, and when it is not
    for code in (lang, ""):
        [(found, priority)] = classify_with_lexicon([text], [code])
        # then
        assert found == category, code
        assert 0.0 <= priority <= 1.0


def test_every_category_has_french_and_english_terms():
    covered = {(str(c), lang) for c, lang, _, _ in lexicon.TERMS}
    for category in Category.values:
        assert (category, "fr") in covered
        assert (category, "en") in covered


def test_lexicon_matches_folded_accents_case_and_apostrophes():
    # given the same phrase written four ways
    texts = [
        "L'eau monte, on est coincés",
        "L’EAU MONTE, ON EST COINCÉS",
        "l eau monte on est coinces",
        "#leaumonte l-eau-monte on-est-coincés",
    ]
    # when
    found = [{s.phrase for s, _ in lexicon.signals(t, "fr")} for t in texts]
    # then
    for phrases in found[:3]:
        assert {"l eau monte", "on est coinces"} <= phrases
    assert "l eau monte" in found[3]


def test_stems_match_any_ending_and_glued_hashtags():
    for text in ("Inondations à Alès", "#InondationsGard", "quartier inondé"):
        assert ("inond*", "other_relevant") in {
            (s.phrase, s.category) for s, _ in lexicon.signals(text, "fr")
        }
    [(category, _)] = classify_with_lexicon(
        ["Les habitants évacués cette nuit"], ["fr"]
    )
    assert category == "displaced"


def test_lexicon_tokens_agree_with_fold():
    for text in (
        "Évacuation à Nîmes",
        "Ça déborde à l'Île-sur-Têt",
        "ÇA VA ?",
        "Straße",
    ):
        assert lexicon.tokens(text) == re.findall(r"\w+", fold(text))


def test_terms_are_folded_phrases():
    for _, lang, weight, phrases in lexicon.TERMS:
        assert lang in lexicon.LANGUAGES
        assert 0 < weight <= 2
        for phrase in phrases.split(";"):
            assert phrase.strip(), phrases


def test_negation_cancels_urgency():
    # given the same signal, asserted and denied
    _, urgent = lexicon.score("Une personne coincée dans sa voiture", "fr")
    _, calm = lexicon.score("Aucune personne coincée, pas de blessé", "fr")
    _, calm_en = lexicon.score("No one trapped, no injuries reported", "en")
    # then
    assert urgent >= 0.8
    assert calm == 0.0
    assert calm_en == 0.0


def test_a_phrase_counts_once_and_longer_phrases_win():
    # "sur le toit" is inside "réfugiés sur le toit": one request signal, not two
    evidence, _ = lexicon.score("Réfugiés sur le toit, réfugiés sur le toit !", "fr")
    request = lexicon.CATEGORY_INDEX[Category.REQUEST]
    assert evidence[request] == pytest.approx(2.0 + 1.0)  # the phrase + life-safety


def test_language_specific_terms_stay_in_their_language_but_english_is_everywhere():
    # "hilfe" is German; English terms are read in French posts too (hashtags, borrowing)
    assert not lexicon.signals("hilfe", "fr")
    assert lexicon.signals("hilfe", "de")
    assert lexicon.signals("hilfe", "")
    assert {s.phrase for s, _ in lexicon.signals("trapped à Nîmes", "fr")} == {
        "trapped"
    }


def test_priority_ladder_trapped_above_road_closure_above_sympathy():
    for lang in ("fr", "en"):
        ladder = [(s, t) for s, code, t in PRIORITY_LADDER if code == lang]
        results = classify_with_lexicon([t for _, t in ladder], [lang] * len(ladder))
        priorities = [p for _, p in results]
        # then strictly decreasing, with clear gaps
        assert priorities[0] >= 0.85, results
        assert 0.3 <= priorities[1] <= 0.6, results
        assert priorities[2] <= 0.25, results
        assert [c for c, _ in results] == ["request", "infrastructure", "sympathy"]


def test_vulnerable_people_raise_priority():
    [(_, alone)] = classify_with_lexicon(["Maison inondée rue du Moulin"], ["fr"])
    [(_, with_elderly)] = classify_with_lexicon(
        ["Maison inondée rue du Moulin, une personne âgée seule à l'intérieur"], ["fr"]
    )
    assert with_elderly > alone + 0.15


def test_official_communication_is_medium_high():
    [(category, priority)] = classify_with_lexicon(
        ["Communiqué de la préfecture du Gard : point de situation à 18h"], ["fr"]
    )
    assert category == "official"
    assert 0.5 <= priority <= 0.75


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "<script>alert('x')</script>",
        "🌊🌊🌊 !!!",
        "x" * 100_000,
        "مساعدة عاجلة",  # another script: no terms, no crash
        "\u202eelbuort\u202c l'eau\u0000 monte",
    ],
)
def test_odd_input_gets_a_label(text):
    [(category, priority)] = classify_with_lexicon([text], ["zz"])
    assert category in Category.values
    assert 0.0 <= priority <= 1.0


def test_classify_without_learnt_state_is_the_lexicon(activation):
    texts = [t for _, _, t in CATEGORY_CASES]
    langs = [lang for _, lang, _ in CATEGORY_CASES]
    assert classify(texts, langs, activation_id=activation.pk) == (
        classify_with_lexicon(texts, langs)
    )
    assert classify([], [], activation_id=activation.pk) == []
    # a langs list of the wrong length is not trusted
    assert len(classify(texts, [], activation_id=activation.pk)) == len(texts)


# --- the online model ---------------------------------------------------------------
def _decisions() -> tuple[list[str], list[str]]:
    texts = NOVEL_MISSING + NOVEL_OTHER
    labels = ["missing_found"] * len(NOVEL_MISSING) + ["not_relevant"] * len(
        NOVEL_OTHER
    )
    return texts, labels


NEW_MISSING = "Quelqu'un a croisé Zébulon, notre berger doré ? Il s'est enfui près de l'écluse n°97"
NEW_OTHER = (
    "Le marché de Saint-Hippolyte est maintenu samedi, stands habituels sur la placette"
)


@pytest.mark.django_db
def test_learning_changes_predictions(activation):
    # given posts the lexicon cannot place
    before = classify(
        [NEW_MISSING, NEW_OTHER], ["fr", "fr"], activation_id=activation.pk
    )
    assert [c for c, _ in before] == ["other_relevant", "other_relevant"]
    texts, labels = _decisions()
    assert len(texts) >= MIN_DECISIONS
    # when the triage team has decided on enough of them
    learnt = classifier_learn(activation_id=activation.pk, texts=texts, labels=labels)
    # then new posts of the same kind follow the decisions
    after = classify(
        [NEW_MISSING, NEW_OTHER], ["fr", "fr"], activation_id=activation.pk
    )
    assert learnt == len(texts)
    assert [c for c, _ in after] == ["missing_found", "not_relevant"]
    assert after[0][1] > before[0][1]
    assert after[1][1] < before[1][1]
    # and the lexicon still decides where it is sure
    [(category, _)] = classify(
        ["Au secours, coincés sur le toit, l'eau monte"],
        ["fr"],
        activation_id=activation.pk,
    )
    assert category == "request"


@pytest.mark.django_db
def test_too_few_decisions_leave_the_lexicon_in_charge(activation):
    texts, labels = _decisions()
    classifier_learn(
        activation_id=activation.pk,
        texts=texts[: MIN_DECISIONS - 1],
        labels=labels[: MIN_DECISIONS - 1],
    )
    assert classify([NEW_MISSING], ["fr"], activation_id=activation.pk) == (
        classify_with_lexicon([NEW_MISSING], ["fr"])
    )


@pytest.mark.django_db
def test_state_round_trips_through_the_database_as_plain_arrays(activation):
    # given a learnt state
    texts, labels = _decisions()
    classifier_learn(activation_id=activation.pk, texts=texts, labels=labels)
    state = ClassifierState.objects.get(activation=activation)
    data = bytes(state.arrays)
    # then it is an .npz of plain arrays (no object arrays, so no pickle inside)
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        assert {"classes", "columns", "weights", "intercept", "t"} <= set(arrays.files)
        assert all(arrays[name].dtype != object for name in arrays.files)
        assert list(arrays["classes"]) == sorted(Category.values)
    # and the model read back predicts and learns exactly as the one kept in memory
    model = textmodel.load(data)
    matrix = textmodel.features([NEW_MISSING, NEW_OTHER], ["fr", "fr"])
    predictor = textmodel.Predictor.from_bytes(data)
    np.testing.assert_allclose(
        predictor.probabilities(matrix, Category.values),
        textmodel.probabilities(model, matrix, Category.values),
    )
    again = textmodel.load(textmodel.dump(model))
    model.partial_fit(matrix, ["missing_found", "not_relevant"])
    again.partial_fit(matrix, ["missing_found", "not_relevant"])
    np.testing.assert_array_equal(model.coef_, again.coef_)
    np.testing.assert_array_equal(model.intercept_, again.intercept_)
    assert model.t_ == again.t_


@pytest.mark.django_db
def test_learning_accumulates_across_calls(activation):
    texts, labels = _decisions()
    half = len(texts) // 2
    classifier_learn(activation_id=activation.pk, texts=texts[::2], labels=labels[::2])
    total = classifier_learn(
        activation_id=activation.pk, texts=texts[1::2], labels=labels[1::2]
    )
    assert total == len(texts)
    assert ClassifierState.objects.get(activation=activation).updates == len(texts)
    assert half > 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("texts", "labels"),
    [
        (["a post"], ["no_such_category"]),
        (["a post", "another"], ["request"]),
    ],
)
def test_bad_decisions_are_refused_and_nothing_is_stored(activation, texts, labels):
    with pytest.raises(ValueError, match=r"unknown categories|same length"):
        classifier_learn(activation_id=activation.pk, texts=texts, labels=labels)
    assert not ClassifierState.objects.filter(activation=activation).exists()


def _pickled_npz() -> bytes:
    buffer = io.BytesIO()
    np.savez(
        buffer,
        version=np.array([textmodel.FORMAT_VERSION]),
        classes=np.array([object()], dtype=object),
    )
    return buffer.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "junk", [b"", b"not an npz", _pickled_npz()], ids=["empty", "garbage", "pickle"]
)
def test_unreadable_or_pickled_state_is_never_trusted(activation, caplog, junk):
    # given a state row whose arrays are junk or hold a pickle
    ClassifierState.objects.create(activation=activation, arrays=junk, updates=500)
    classify_module._cache.clear()
    # when classifying: the lexicon answers
    assert classify([NEW_MISSING], ["fr"], activation_id=activation.pk) == (
        classify_with_lexicon([NEW_MISSING], ["fr"])
    )
    # and learning starts a fresh model
    texts, labels = _decisions()
    total = classifier_learn(activation_id=activation.pk, texts=texts, labels=labels)
    assert total == len(texts)
    textmodel.load(bytes(ClassifierState.objects.get(activation=activation).arrays))
    with pytest.raises(ValueError, match="classifier state"):
        textmodel.load(junk)


def test_features_are_stable_and_hashed_into_a_fixed_space():
    texts = [
        "L'eau monte à #Sommières",
        "",
        "RT @pompiers30: route coupée http://x.y/z",
    ]
    first = textmodel.features(texts, ["fr", "", "fr"])
    second = textmodel.features(list(reversed(texts)), ["fr", "", "fr"])
    assert first.shape == (3, textmodel.N_FEATURES)
    np.testing.assert_allclose(first.toarray()[0], second.toarray()[2])
    np.testing.assert_allclose(first.toarray()[1][: textmodel.N_HASHED], 0.0)
    norms = np.sqrt(first.multiply(first).sum(axis=1)).A.ravel()
    np.testing.assert_allclose(norms, [1.0, 0.0, 1.0])  # an empty text has no feature
    assert textmodel.words("#FloodWarning @someone http://a.b 2024") == [
        "#floodwarning",
        "flood",
        "warning",
        "@user",
        "httpurl",
        "0000",
    ]


# --- classifier_evaluate ------------------------------------------------------------
def test_classifier_evaluate_prints_metrics():
    out = io.StringIO()
    call_command(
        "classifier_evaluate",
        "--train",
        str(DATA / "flood_train.tsv"),
        "--test",
        str(DATA / "flood_test.tsv"),
        stdout=out,
    )
    text = out.getvalue()
    assert "train: 24 posts from 1 file(s), 0 malformed line(s) skipped" in text
    assert "test: 6 posts from 1 file(s)" in text
    accuracy = float(re.search(r"^accuracy: ([\d.]+)$", text, re.M).group(1))
    macro = float(re.search(r"^macro-F1: ([\d.]+)$", text, re.M).group(1))
    assert accuracy >= 0.8
    assert macro >= 0.8
    for label in (
        "requests_or_urgent_needs",
        "infrastructure_and_utility_damage",
        "sympathy_and_support",
    ):
        row = re.search(
            rf"^{label}\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)$", text, re.M
        )
        assert row is not None, label
        assert int(row.group(4)) == 2
    assert re.search(r"^inference: 6 posts in [\d.]+ s = [\d,]+ posts/s", text, re.M)


def test_classifier_evaluate_skips_malformed_lines(tmp_path):
    bad = tmp_path / "mixed.tsv"
    good = (DATA / "flood_test.tsv").read_text()
    bad.write_text(
        good
        + "no tabs here\n123\t\tsympathy_and_support\tFlood\n1\ttoo\tmany\tcols\tx\n"
    )
    out = io.StringIO()
    call_command(
        "classifier_evaluate",
        "--train",
        str(DATA / "flood_train.tsv"),
        "--test",
        str(bad),
        stdout=out,
    )
    assert "test: 6 posts from 1 file(s), 3 malformed line(s) skipped" in out.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("just some text\nwithout a header\n", "not a HumAID TSV"),
        (None, "No such file"),
    ],
)
def test_classifier_evaluate_refuses_unreadable_files(tmp_path, content, message):
    path = tmp_path / "bad.tsv"
    if content is not None:
        path.write_text(content)
    with pytest.raises(CommandError, match=message):
        call_command(
            "classifier_evaluate",
            "--train",
            str(path),
            "--test",
            str(DATA / "flood_test.tsv"),
            stdout=io.StringIO(),
        )


def test_classifier_evaluate_exits_non_zero_on_a_missing_file(tmp_path):
    # (success is call_command returning, above: manage.py then exits 0)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "vost.settings_test"}
    missing = subprocess.run(
        [
            sys.executable,
            str(REPO / "manage.py"),
            "classifier_evaluate",
            "--train",
            str(tmp_path / "nope.tsv"),
            "--test",
            str(DATA / "flood_test.tsv"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        check=False,
        timeout=120,
    )
    assert missing.returncode == 1
    assert "nope.tsv" in missing.stderr
    assert missing.stdout == ""


@pytest.mark.realdata
def test_humaid_train_to_dev_reaches_the_target(shared_data: Path):
    # given HumAID's official train and dev splits of every event in set 1
    root = shared_data / "crisis" / "humaid_events_set1"
    train = sorted(root.glob("*/*_train.tsv"))
    dev = sorted(root.glob("*/*_dev.tsv"))
    if not train or not dev:
        pytest.skip(f"HumAID splits not found under {root}")
    # when trained on train and measured on dev
    out = io.StringIO()
    call_command(
        "classifier_evaluate",
        "--train",
        *map(str, train),
        "--test",
        *map(str, dev),
        stdout=out,
    )
    text = out.getvalue()
    # then macro-F1 meets the target
    macro = float(re.search(r"^macro-F1: ([\d.]+)$", text, re.M).group(1))
    assert macro >= 0.72, text
