"""Language of short posts: the platform's tag when it has one, else lingua (built for
short and mixed texts), restricted to the languages a French VOST meets.

lingua costs about 1 ms of CPU for a tweet-length post; at crisis volume most posts are
plainly French or English, so a pre-check decides those from words of one language only
(function words such as "les", "est", "pour" / "the", "and", "with", and everyday crisis
words): two or more of one language and none of the other. Words shared with the other
detected languages ("de", "la", "il", "in", "a", "on", "to", "is", "water"…) are left
out, so a Spanish, Italian or Dutch post does not pass the pre-check. Everything
else goes to lingua, without links, handles and "RT" (which lingua reads as Dutch or
German). Its results are cached by text, since reposts repeat it.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Final

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

LANGUAGES = (
    Language.FRENCH,
    Language.ENGLISH,
    Language.SPANISH,
    Language.GERMAN,
    Language.ITALIAN,
    Language.PORTUGUESE,
    Language.DUTCH,
    Language.ARABIC,
    Language.TURKISH,
    Language.POLISH,
)
_CODES = {lang.iso_code_639_1.name.lower() for lang in LANGUAGES}
_lock = threading.Lock()

# Words of one language only among LANGUAGES: function words and crisis vocabulary.
_FRENCH: Final = frozenset(
    """
    les est et une pour dans pas avec nous vous cette sont très ça j qu elle ils elles
    au aux ces été être fait tout tous toute toutes rien chez depuis encore aussi ici
    leur leurs notre nos votre vos moi toi eux où déjà après sans sous quand alors donc
    comme parce quoi ont avons avez sommes êtes suis était sera peut faut tes ses cet
    moins beaucoup trop vraiment aujourd hui hier demain maintenant toujours personne
    inondation inondations inondé inondée inondés eau crue pluie orage tempête pompiers
    secours blessés morts victimes sinistrés évacuation quartier maison gens coupée
    coupé fermée fermé bloqués bloqué nouvelles besoin rivière soir matin nuit
    vigilance dégâts électricité
    """.split()  # noqa: SIM905 — a block of words reads better than a list
)
_ENGLISH: Final = frozenset(
    """
    the and are were of for you it this that with have has had be been our they their
    there just from what your about if when who how get got please would could should
    she his him them by out up off now after still going being than then these those
    which did does its im dont cant flood flooding floods flooded people
    road roads closed power fire fires killed dead injured thoughts prayers pray
    safe stay news breaking today tonight everyone need more right home house shelter
    rescue rescued victims hurricane earthquake bombing bomb damage
    relief missing found families family affected heart hearts love
    """.split()  # noqa: SIM905
)
_WORD: Final = re.compile(r"[^\W\d_]+")
_NOISE: Final = re.compile(
    r"https?://\S+|www\.\S+|(?<![\w@])@[\w.\-]+|\bRT\b|&(?:amp|lt|gt|quot);"
)
_CACHE_SIZE: Final = 100_000
_cache: dict[str, str] = {}


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    with _lock:
        return (
            LanguageDetectorBuilder.from_languages(*LANGUAGES)
            .with_minimum_relative_distance(0.1)
            .with_preloaded_language_models()
            .build()
        )


def _clean(text: str) -> str:
    """What says something about the language: no links, handles, "RT", entities;
    hashtags as words."""
    return _NOISE.sub(" ", text).replace("#", " ").strip()


def precheck(text: str) -> str:
    """Return "fr" or "en" when the words leave no doubt, else ""."""
    french = english = 0
    for word in _WORD.findall(text.lower()):
        if word in _FRENCH:
            french += 1
        elif word in _ENGLISH:
            english += 1
    if french >= 2 and not english:
        return "fr"
    if english >= 2 and not french:
        return "en"
    return ""


def detect_languages(texts: list[str], hints: list[str]) -> list[str]:
    """ISO 639-1 codes ("" when unsure), one per text; a known platform hint wins."""
    result = [""] * len(texts)
    todo: dict[str, list[int]] = {}
    for index, hint in enumerate(hints):
        code = (hint or "").split("-")[0].lower()
        if code in _CODES:
            result[index] = code
            continue
        text = _clean(texts[index]) or texts[index].strip()
        if not text:
            continue
        if (known := _cache.get(text)) is not None:
            result[index] = known
        elif quick := precheck(text):
            result[index] = quick
        else:
            todo.setdefault(text, []).append(index)
    if todo:
        unique = list(todo)
        found = _detector().detect_languages_in_parallel_of(unique)
        if len(_cache) > _CACHE_SIZE:
            _cache.clear()
        for text, language in zip(unique, found, strict=True):
            code = language.iso_code_639_1.name.lower() if language else ""
            _cache[text] = code
            for index in todo[text]:
                result[index] = code
    return result
