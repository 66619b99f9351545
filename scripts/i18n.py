"""Keep the French and English catalogues complete.

    python scripts/i18n.py check              # exit 1 listing untranslated/fuzzy entries
    python scripts/i18n.py fill-en            # English catalogue: msgstr = msgid (sources are English)
    python scripts/i18n.py apply-fr FILE.tsv  # set French msgstr from "msgid<TAB>msgstr" lines

Run `make messages` first to extract new strings.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = {
    lang: ROOT / "locale" / lang / "LC_MESSAGES" / "django.po" for lang in ("fr", "en")
}


def problems() -> list[str]:
    found = []
    for lang, path in CATALOGUES.items():
        if not path.exists():
            found.append(f"{path}: missing")
            continue
        po = polib.pofile(str(path))
        if po.metadata.get("Plural-Forms") != HEADERS[lang]["Plural-Forms"]:
            found.append(
                f"{lang}: Plural-Forms header is not {HEADERS[lang]['Plural-Forms']!r}"
            )
        for entry in po:
            if entry.obsolete:
                continue
            if "fuzzy" in entry.flags:
                found.append(f"{lang}: fuzzy: {entry.msgid!r}")
            elif not entry.translated():
                found.append(f"{lang}: untranslated: {entry.msgid!r}")
    return found


HEADERS = {
    "fr": {"Language": "fr", "Plural-Forms": "nplurals=2; plural=(n > 1);"},
    "en": {"Language": "en", "Plural-Forms": "nplurals=2; plural=(n != 1);"},
}


def fix_headers() -> None:
    """Two plural forms for both (newer gettext proposes three for French)."""
    for lang, path in CATALOGUES.items():
        po = polib.pofile(str(path))
        po.metadata.update(
            HEADERS[lang]
            | {"Project-Id-Version": "VOST Hub", "Language-Team": f"VOST Hub {lang}"}
        )
        po.save()


def fill_en() -> None:
    """English sources are the English text: msgstr = msgid, always (never a fuzzy guess)."""
    po = polib.pofile(str(CATALOGUES["en"]))
    for entry in po:
        if entry.msgid_plural:
            entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
        else:
            entry.msgstr = entry.msgid
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = None
        entry.previous_msgid_plural = None
        entry.previous_msgctxt = None
    po.save()
    fix_headers()


def apply_fr(tsv: Path) -> None:
    po = polib.pofile(str(CATALOGUES["fr"]))
    by_id = {(e.msgctxt, e.msgid): e for e in po}
    for number, line in enumerate(tsv.read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        msgid, msgstr = parts[0].replace("\\n", "\n"), parts[1].replace("\\n", "\n")
        # "context|msgid" names an entry with a msgctxt (pgettext)
        context, _bar, bare = msgid.partition("|")
        entry = by_id.get((None, msgid)) or (
            by_id.get((context, bare)) if bare else None
        )
        if entry is None:
            print(f"line {number}: no such msgid: {msgid!r}")
            continue
        if entry.msgid_plural:
            plural = parts[2].replace("\\n", "\n") if len(parts) > 2 else msgstr
            entry.msgstr_plural = {0: msgstr, 1: plural}
        else:
            entry.msgstr = msgstr
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = None
        entry.previous_msgid_plural = None
        entry.previous_msgctxt = None
    po.save()


def main(argv: list[str]) -> int:
    if argv[:1] == ["check"]:
        issues = problems()
        for issue in issues:
            print(issue)
        return 1 if issues else 0
    if argv[:1] == ["fill-en"]:
        fill_en()
        return 0
    if argv[:1] == ["apply-fr"] and len(argv) == 2:
        apply_fr(Path(argv[1]))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
