"""Language of short posts: the platform's tag when it has one, else lingua (built for
short and mixed texts), restricted to the languages a French VOST meets."""

from __future__ import annotations

import threading
from functools import lru_cache

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


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    with _lock:
        return (
            LanguageDetectorBuilder.from_languages(*LANGUAGES)
            .with_minimum_relative_distance(0.1)
            .with_preloaded_language_models()
            .build()
        )


def detect_languages(texts: list[str], hints: list[str]) -> list[str]:
    """ISO 639-1 codes ("" when unsure), one per text; a known platform hint wins."""
    result = [""] * len(texts)
    todo: list[int] = []
    for index, hint in enumerate(hints):
        code = (hint or "").split("-")[0].lower()
        if code in _CODES:
            result[index] = code
        elif texts[index].strip():
            todo.append(index)
    if todo:
        found = _detector().detect_languages_in_parallel_of([texts[i] for i in todo])
        for index, language in zip(todo, found, strict=True):
            result[index] = language.iso_code_639_1.name.lower() if language else ""
    return result
