"""Place names in post text → a point, disambiguated by the activation's area.

A post's words are folded and matched, longest first (up to the longest name, e.g.
"Saint-Remy-en-Bouzemont-Saint-Genest-et-Isson"), against the gazetteer
(monitoring.pipeline.gazetteer). Not every match is a mention; what is needed:
- a name of several words ("Saint-Jean-de-Védas", "Bourg en Bresse"): nothing more;
- a one-word name ("Lattes", "Le Havre"): a capital letter, a hashtag, or a cue before
  it ("à", "au", "sur", "vers", "près de", "entre … et", "in", "at", "near"…);
- a one-word name that is also an everyday word or a first name ("Orange", "Mars",
  "Pont", "Eu", "Y", "Nice", "Pierre"…, see gazetteer_data.COMMON_WORD_NAMES): a
  capital letter AND a strong cue (one of the above, or its department in the text).
Among namesakes: a department named in the text ("(34)", "Hérault", "dans le Gard", a
postcode next to the name) wins; then a place inside the activation area; else the
nearest one within 50 km of it; else the most populous. When a post names several
places, the one inside the area wins, then the best cue, the longest, the first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from django.contrib.gis.geos import MultiPolygon, Point
from django.contrib.gis.geos.prepared import PreparedGeometry

from monitoring.pipeline.gazetteer import (
    FLAG_COMMON,
    FLAG_PHRASE,
    FLAG_SINGLE,
    Gazetteer,
    current,
    department_of_code,
    fold_token,
)
from monitoring.pipeline.gazetteer_data import (
    ARTICLE_CONTRACTIONS,
    ARTICLES,
    DEPARTMENT_CUES,
    DEPARTMENTS,
    NAME_PARTICLES,
    NOT_BEFORE_PLACE,
    STRONG_BEFORE_DE,
    STRONG_CUES,
    WEAK_CUES,
)

NEAR_AREA_KM: Final = 50.0
_KM_PER_DEGREE: Final = 111.2
_TOKEN: Final = re.compile(r"#?[^\W_]+")
_HANDLE_OR_LINK: Final = re.compile(
    r"https?://\S+|www\.\S+|(?<![\w@])@[\w.\-]+(?:@[\w.\-]+)?", re.IGNORECASE
)
_DEPARTMENT_CODES: Final = frozenset(code.lower() for code in DEPARTMENTS)
_POSTCODE: Final = re.compile(r"^\d{5}$")
_DE: Final = frozenset({"de", "du", "des", "d"})
_SAINTS: Final = frozenset({"saint", "sainte", "saints", "saintes", "le saint"})
_CONF_STRONG, _CONF_CAPITAL, _CONF_NONE = 3, 2, 1


@dataclass(slots=True)
class _Words:
    """A post's words as written ("#" kept) and folded; positions only when needed."""

    text: str
    raw: list[str]
    keys: list[str]
    lowercase: bool | None = None
    shouting: bool | None = None
    _spans: list[tuple[int, int]] | None = None

    def capital(self, index: int) -> bool:
        word = self.raw[index]
        if word[0] == "#":
            return True
        if not word[0].isupper():
            return False
        if len(word) <= 4 and word.isupper() and len(word) > 1:
            return False  # an acronym: "US", "EU", "THIS"
        if self.shouting is None:  # ALL IN CAPITALS: a capital says nothing
            self.shouting = self.text == self.text.upper()
        return not self.shouting

    def hashtag(self, index: int) -> bool:
        return self.raw[index][0] == "#"

    def no_capitals(self) -> bool:
        """Typed all in lower case, or all in capitals."""
        if self.lowercase is None:
            self.lowercase = self.text == self.text.lower()
        if self.shouting is None:
            self.shouting = self.text == self.text.upper()
        return self.lowercase or self.shouting

    def span(self, index: int) -> tuple[int, int]:
        if self._spans is None:
            self._spans = [m.span() for m in _TOKEN.finditer(self.text)]
        return self._spans[index]


def _words(text: str) -> _Words:
    if "@" in text or "http" in text or "www." in text:
        # handles and links are not places: blank them, keeping positions
        text = _HANDLE_OR_LINK.sub(lambda m: " " * len(m.group()), text)
    raw = _TOKEN.findall(text)
    return _Words(text, raw, [fold_token(word) for word in raw])


class _Area:
    """The activation area, with per-call caches (namesakes repeat across posts)."""

    def __init__(self, gazetteer: Gazetteer, area: MultiPolygon | None) -> None:
        self.gazetteer = gazetteer
        self.geometry = area if area is not None and not area.empty else None
        self.prepared: PreparedGeometry | None = (
            self.geometry.prepared if self.geometry is not None else None
        )
        self.extent = self.geometry.extent if self.geometry is not None else None
        self._inside: dict[int, bool] = {}
        self._distance: dict[int, float] = {}

    def contains(self, position: int) -> bool:
        if self.prepared is None or self.extent is None:
            return False
        inside = self._inside.get(position)
        if inside is None:
            entry = self.gazetteer.entries[position]
            minx, miny, maxx, maxy = self.extent
            inside = (
                minx <= entry.lon <= maxx
                and miny <= entry.lat <= maxy
                and self.prepared.contains(Point(entry.lon, entry.lat, srid=4326))
            )
            self._inside[position] = inside
        return inside

    def distance_km(self, position: int) -> float:
        """Rough distance to the area's edge (degrees times 111 km: for ranking)."""
        if self.geometry is None:
            return float("inf")
        distance = self._distance.get(position)
        if distance is None:
            entry = self.gazetteer.entries[position]
            point = Point(entry.lon, entry.lat, srid=4326)
            distance = self.geometry.distance(point) * _KM_PER_DEGREE
            self._distance[position] = distance
        return distance


def geoparse(
    texts: list[str], *, area: MultiPolygon | None
) -> list[tuple[Point | None, str]]:
    """(point, place name) per text, or (None, "") when no known place is mentioned."""
    if not texts:
        return []
    return geoparse_with(current(), texts, area=area)


def geoparse_with(
    gazetteer: Gazetteer, texts: list[str], *, area: MultiPolygon | None
) -> list[tuple[Point | None, str]]:
    """geoparse() against a given gazetteer (tests, benchmarks)."""
    zone = _Area(gazetteer, area)
    memo: dict[str, int | None] = {}  # reposts and near-copies repeat texts
    result: list[tuple[Point | None, str]] = []
    for text in texts:
        if text in memo:
            position = memo[text]
        else:
            position = memo[text] = _place_in(gazetteer, text or "", zone)
        if position is None:
            result.append((None, ""))
        else:
            entry = gazetteer.entries[position]
            result.append((Point(entry.lon, entry.lat, srid=4326), entry.name))
    return result


def _lengths(gazetteer: Gazetteer, keys: list[str], start: int) -> list[int]:
    """Lengths of the names starting at `start`, longest first."""
    found: list[int] = []
    key = keys[start]
    size = 1
    while True:
        if key in gazetteer.index:
            found.append(size)
        if size >= gazetteer.max_tokens or start + size >= len(keys):
            break
        key = f"{key} {keys[start + size]}"
        size += 1
        if key not in gazetteer.prefixes:
            break
    found.reverse()
    return found


def _department_at(
    gazetteer: Gazetteer, keys: list[str], start: int
) -> tuple[int, str]:
    key = keys[start]
    size, best = 1, (0, "")
    while key in gazetteer.department_prefixes:
        if key in gazetteer.departments:
            best = (size, gazetteer.departments[key])
        if start + size >= len(keys):
            break
        key = f"{key} {keys[start + size]}"
        size += 1
    return best


def _in_parentheses(words: _Words, first: int, last: int) -> bool:
    text = words.text
    before = text[: words.span(first)[0]].rstrip()
    after = text[words.span(last)[1] :].lstrip()
    return before.endswith("(") and after.startswith(")")


def _departments(gazetteer: Gazetteer, words: _Words) -> tuple[set[str], list[bool]]:
    """Departments named in the text, and which words name them (not communes then)."""
    keys = words.keys
    named: set[str] = set()
    taken = [False] * len(keys)
    if not any(
        k in gazetteer.department_prefixes or k in _DEPARTMENT_CODES for k in keys
    ):
        return named, taken
    index = 0
    while index < len(keys):
        key = keys[index]
        commune = 0
        if key in gazetteer.prefixes:
            lengths = _lengths(gazetteer, keys, index)
            commune = lengths[0] if lengths else 0
        size, code = (
            _department_at(gazetteer, keys, index)
            if key in gazetteer.department_prefixes
            else (0, "")
        )
        if size and size >= commune and _names_department(words, index, size, commune):
            named.add(code)
            for j in range(index, index + size):
                taken[j] = True
            index += size
            continue
        if key in _DEPARTMENT_CODES and _in_parentheses(words, index, index):
            named.add(key.upper())  # "(34)", "(2A)", "(974)"
        index += max(commune, 1)
    return named, taken


def _names_department(words: _Words, start: int, size: int, commune: int) -> bool:
    if _in_parentheses(words, start, start + size - 1):
        return True
    if size == 1 and not words.capital(start):
        return False  # "le nord", "un lot", "cher ami"
    if commune < size:
        return True
    # also a commune ("Paris", "Vienne", "Doubs"): a department after "dans (le)", "en", "du"
    before = start - 1
    if before >= 0 and words.keys[before] in ARTICLES:
        before -= 1
    return before >= 0 and words.keys[before] in DEPARTMENT_CUES


@dataclass(slots=True)
class _Found:
    position: int
    confidence: int
    inside: bool


def _resolve(
    gazetteer: Gazetteer,
    words: _Words,
    start: int,
    size: int,
    key: str,
    named: set[str],
    zone: _Area,
) -> _Found | None:
    keys = words.keys
    previous = keys[start - 1] if start else ""
    if previous in NOT_BEFORE_PLACE:
        return None  # "Mr Angers", "New Orleans"
    strong = (
        (start > 0 and words.raw[start - 1] in ("à", "À"))
        or previous in STRONG_CUES
        or (previous in _DE and start > 1 and keys[start - 2] in STRONG_BEFORE_DE)
        or (previous == "et" and "entre" in keys[max(0, start - 7) : start - 1])
    )
    hashtag = words.hashtag(start)
    capitals = [
        words.capital(j)
        for j in range(start, start + size)
        if keys[j] not in NAME_PARTICLES
    ] or [words.capital(start)]
    capital = any(capitals) or hashtag
    alias_ok = capital or previous in ARTICLE_CONTRACTIONS
    candidates = [p for p, alias in gazetteer.index[key] if alias_ok or not alias]
    if not candidates:
        return None

    departments = named
    for j in (start - 1, start + size):
        if 0 <= j < len(keys) and _POSTCODE.match(keys[j]):
            code = department_of_code(keys[j])
            departments = departments | ({"2A", "2B"} if code == "20" else {code})
    in_department = (
        [
            p
            for p in candidates
            if any(gazetteer.in_department(p, d) for d in departments)
        ]
        if departments
        else []
    )

    flags = gazetteer.flags[key]
    after = start + size
    if (
        key in _SAINTS
        and after < len(keys)
        and words.capital(after)
        and keys[after] not in NAME_PARTICLES
    ):
        return None  # "St Laurence's": a saint, not the commune Le Saint
    if (
        flags & FLAG_SINGLE
        and previous in ARTICLES
        and key.split(" ", 1)[0] not in ARTICLES
    ):
        return None  # "la Vienne", "le Rhône": a river or a department, not the commune
    if flags & FLAG_COMMON:
        accepted = (all(capitals) or hashtag) and (strong or bool(in_department))
    elif flags & FLAG_PHRASE:
        accepted = all(capitals) or hashtag
    elif flags & FLAG_SINGLE:
        accepted = (
            capital
            or strong
            or bool(in_department)
            or (start > 0 and words.raw[start - 1] == "a")  # "à" without accent
            # a post typed all in lower (or upper) case has no capitals to go by
            or (previous in WEAK_CUES and words.no_capitals())
        )
    else:
        accepted = True
    if not accepted:
        return None

    pool = in_department or candidates
    if len(pool) > 1 and zone.prepared is not None:
        inside = [p for p in pool if zone.contains(p)]
        if inside:
            pool = inside
        else:
            nearest = min(pool, key=zone.distance_km)
            if zone.distance_km(nearest) <= NEAR_AREA_KM:
                pool = [nearest]
    entries = gazetteer.entries
    choice = max(pool, key=lambda p: (entries[p].population, -p))
    if strong or in_department:
        confidence = _CONF_STRONG
    elif capital:
        confidence = _CONF_CAPITAL
    else:
        confidence = _CONF_NONE
    return _Found(choice, confidence, zone.contains(choice))


def _overtaken(gazetteer: Gazetteer, words: _Words, start: int, size: int) -> bool:
    """Whether a name at least as long starts inside this one and ends after it."""
    keys = words.keys
    for inner in range(start + 1, start + size):
        if keys[inner] in gazetteer.prefixes:
            lengths = _lengths(gazetteer, keys, inner)
            if lengths and lengths[0] >= size and inner + lengths[0] > start + size:
                return True
    return False


def _place_in(gazetteer: Gazetteer, text: str, zone: _Area) -> int | None:
    words = _words(text)
    keys = words.keys
    prefixes, compact = gazetteer.prefixes, gazetteer.compact
    if not any(k in prefixes or k in compact for k in keys):
        return None  # most posts: no word starts a place name
    named, taken = _departments(gazetteer, words)
    best: tuple[tuple[bool, int, int, int], int] | None = None
    index = 0
    while index < len(keys):
        if taken[index]:
            index += 1
            continue
        options: list[tuple[int, str]] = []
        key = keys[index]
        if key in gazetteer.prefixes:
            options = [
                (size, " ".join(keys[index : index + size]))
                for size in _lengths(gazetteer, keys, index)
                if not any(taken[index : index + size])
            ]
        elif key in gazetteer.compact and words.hashtag(index):
            options = [(1, gazetteer.compact[key])]  # #SaintJeanDeVedas
        step = 1
        if (
            options
            and options[0][0] > 1
            and _overtaken(gazetteer, words, index, options[0][0])
        ):
            options = []  # "pont de Vaux-sur-Aure": not Pont-de-Vaux
        for size, name in options:
            found = _resolve(gazetteer, words, index, size, name, named, zone)
            if found is not None:
                rank = (found.inside, found.confidence, size, -index)
                if best is None or rank > best[0]:
                    best = (rank, found.position)
                step = size
                break
        index += step
    return None if best is None else best[1]
