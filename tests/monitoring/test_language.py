"""Language detection of short posts: the function-word pre-check, then lingua."""

from __future__ import annotations

import pytest

from monitoring.pipeline import language
from tests.monitoring.language_support import ENGLISH_POSTS, FRENCH_POSTS


def test_short_french_and_english_posts_are_recognised():
    # given 120 short posts written for the project
    labelled = [(t, "fr") for t in FRENCH_POSTS] + [(t, "en") for t in ENGLISH_POSTS]
    # when
    found = language.detect_languages([t for t, _ in labelled], [""] * len(labelled))
    # then none is wrong and at most a few are left unsure
    assert not [
        (t, f) for f, (t, want) in zip(found, labelled, strict=True) if f and f != want
    ]
    assert sum(not f for f in found) <= 4


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("La situación en la refinería es grave, hay muchos heridos", "es"),
        ("Terremoto in Emilia, crollata la chiesa del paese", "it"),
        ("Incêndio na boate em Santa Maria, muitas vítimas", "pt"),
        ("Überschwemmung in der ganzen Stadt, die Straßen sind gesperrt", "de"),
    ],
)
def test_other_languages_go_to_lingua(text, code):
    # the pre-check leaves them alone; lingua names them
    assert language.precheck(text) == ""
    assert language.detect_languages([text], [""]) == [code]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("On est bloqués dans la maison, les pompiers arrivent", "fr"),
        ("We are stuck in the house with the kids", "en"),
        ("Le pont", ""),  # too little to say: lingua decides
        ("the pont est fermé", ""),  # mixed: lingua decides
    ],
)
def test_precheck(text, code):
    assert language.precheck(text) == code


def test_links_handles_and_rt_are_ignored():
    # given an English post whose handle and link would look Dutch to lingua
    text = "RT @hetweer_nl: Road closed near the river, stay safe http://t.co/abc123"
    # when
    [code] = language.detect_languages([text], [""])
    # then
    assert code == "en"


def test_platform_hint_wins_and_empty_text_is_unsure():
    # when
    found = language.detect_languages(
        ["Road closed, water rising", "", "   ", "Route coupée"],
        ["fr-FR", "", "en", "xx"],
    )
    # then: a known hint wins, a blank text stays unsure, an unknown hint is ignored
    assert found[0] == "fr"
    assert found[1] == ""
    assert found[2] == "en"
    assert found[3] in {"fr", ""}


def test_repeated_texts_get_the_same_answer():
    # given the same post many times (reposts) among others
    texts = ["Terremoto in Emilia, crollata la chiesa"] * 50 + ["Stay safe everyone"]
    # when
    found = language.detect_languages(texts, [""] * len(texts))
    # then
    assert set(found[:50]) == {"it"}
    assert len(found) == 51
