"""Hardened readers of untrusted geodata files: JSON, KML and KMZ.

Nothing here hands user data to GDAL: GeoJSON is parsed as plain JSON (its numbers
checked: no NaN, no infinity, no absurd nesting); KML is read with lxml with
entities, DTDs and network access off, and a document declaring a DOCTYPE or
entities is refused outright (billion laughs, XXE); KMZ is unzipped in memory with
caps on the number of entries, the declared and the actually decompressed size and
the compression ratio (zip bombs), and refused with an absolute or ``..`` path.

The readers raise ``GeoFileError``; their users (``vost.geo`` for areas,
``mapping.geoio`` for reference layers) re-raise it as their own subclass with
``raised_as``, so each caller catches one error type whose message is for people.
"""

from __future__ import annotations

import io
import json
import math
import re
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.gis.geos import GEOSGeometry
from django.utils.translation import gettext as _
from lxml import etree

KMZ_MAX_ENTRIES = 100
KMZ_MAX_RATIO = 100  # uncompressed / compressed, for entries past KMZ_RATIO_FROM
KMZ_RATIO_FROM = 1024 * 1024  # small files may compress very well legitimately
_READ_CHUNK = 64 * 1024


class GeoFileError(ValueError):
    """A geodata file cannot be used; the message says why, for the person."""


@contextmanager
def raised_as(error: type[GeoFileError]) -> Iterator[None]:
    """Re-raise the shared readers' GeoFileError as `error`, with the same message.

    Also usable as a decorator.
    """
    try:
        yield
    except GeoFileError as exc:
        if isinstance(exc, error):
            raise
        raise error(str(exc)) from None


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


# --- JSON ----------------------------------------------------------------------------
def not_geojson(reason: object) -> GeoFileError:
    return GeoFileError(_("This is not valid GeoJSON: %(error)s") % {"error": reason})


def _refuse_constant(name: str) -> Any:
    raise ValueError(_("%(value)s is not a number") % {"value": name})


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(_("%(value)s is out of range") % {"value": text[:20]})
    return value


def json_text(text: str) -> Any:
    """Parse JSON text; NaN, Infinity and numbers overflowing a float are refused
    (they cannot be stored), and so is absurd nesting."""
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite)
    except RecursionError:
        raise not_geojson(_("nested too deeply")) from None
    except ValueError as exc:
        raise not_geojson(exc) from None


def json_document(data: bytes) -> Any:
    """Parse UTF-8 (optionally with a BOM) JSON bytes, as ``json_text``."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise GeoFileError(_("The file is not UTF-8 text.")) from None
    return json_text(text)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def position(value: Any) -> tuple[float, float]:
    """A GeoJSON position as (longitude, latitude); an altitude is dropped."""
    if (
        isinstance(value, list | tuple)
        and len(value) >= 2
        and all(is_number(v) for v in value[:2])
    ):
        try:
            return float(value[0]), float(value[1])
        except OverflowError:  # an integer too large for a float
            pass
    raise not_geojson(_("bad position"))


def in_lonlat_range(geometry: GEOSGeometry) -> bool:
    """Whether every coordinate is a longitude/latitude in degrees."""
    minx, miny, maxx, maxy = geometry.extent
    return -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90


# --- KML and KMZ -----------------------------------------------------------------------
_PROLOG_END = re.compile(rb"<[A-Za-z_]")  # the first start tag ends the prolog
_DECLARATION = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_COMMA = re.compile(r"\s*,\s*")


def _doctype_refused() -> GeoFileError:
    return GeoFileError(
        _(
            "KML files declaring a DOCTYPE or entities are refused: they can hide "
            "attacks (XML external entities, entity expansion). Export the file "
            "again without a DOCTYPE."
        )
    )


def kml_root(data: bytes) -> etree._Element:
    """The root element of a KML document, parsed without entities, DTDs or network.

    A DOCTYPE is refused: looked for in the prolog before parsing (ASCII-compatible
    encodings), and in what the parser saw afterwards (any encoding), before any
    text is read (reading text would expand internal entities).
    """
    prolog_end = _PROLOG_END.search(data)
    if _DECLARATION.search(data, 0, prolog_end.start() if prolog_end else len(data)):
        raise _doctype_refused()
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        if exc.code == etree.ErrorTypes.ERR_RESOURCE_LIMIT:  # huge_tree is off
            raise GeoFileError(
                _(
                    "The KML document is too large to read: an element holds more "
                    "than 10 MB of text, or elements are nested more than 256 deep."
                )
            ) from None
        raise GeoFileError(
            _("This is not valid KML: %(error)s") % {"error": exc}
        ) from None
    if root is None:
        raise GeoFileError(_("This is not valid KML: %(error)s") % {"error": "empty"})
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise _doctype_refused()
    return root


def kml_coordinates(text: str | None) -> list[tuple[float, float]]:
    """The (longitude, latitude) tuples of a KML <coordinates> text ("lon,lat[,alt] ...")."""
    points = []
    for chunk in _COMMA.sub(",", (text or "").strip()).split():
        parts = chunk.split(",")
        try:
            lon, lat = float(parts[0]), float(parts[1])
        except (ValueError, IndexError):
            lon = lat = math.nan
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise GeoFileError(
                _("KML coordinates are malformed: %(value)s") % {"value": chunk[:40]}
            )
        points.append((lon, lat))
    return points


def _unsafe_name(name: str) -> bool:
    parts = re.split(r"[\\/]", name)
    return (
        name.startswith(("/", "\\"))
        or re.match(r"^[A-Za-z]:", name) is not None
        or ".." in parts
        or "\x00" in name
    )


def _check_entries(
    entries: list[zipfile.ZipInfo], *, max_bytes: int, max_entries: int
) -> None:
    """Refuse an archive that could not be unpacked safely, before reading any of it."""
    if len(entries) > max_entries:
        raise GeoFileError(
            _("The KMZ file has too many entries (at most %(n)s).") % {"n": max_entries}
        )
    for entry in entries:
        if _unsafe_name(entry.filename):
            raise GeoFileError(
                _("The KMZ file contains an unsafe path: %(name)s")
                % {"name": entry.filename[:80]}
            )
        if entry.flag_bits & 0x1:
            raise GeoFileError(_("The KMZ file is encrypted."))
        if entry.file_size > max_bytes:
            raise GeoFileError(
                _(
                    "The KMZ file is too large once uncompressed (%(name)s: at most "
                    "%(mb)s MB)."
                )
                % {"name": entry.filename[:80], "mb": _mb(max_bytes)}
            )
        if entry.file_size > KMZ_RATIO_FROM and entry.file_size > KMZ_MAX_RATIO * max(
            entry.compress_size, 1
        ):
            raise GeoFileError(
                _(
                    "The KMZ file looks like a zip bomb: %(name)s expands more than "
                    "%(ratio)s times."
                )
                % {"name": entry.filename[:80], "ratio": KMZ_MAX_RATIO}
            )


def _kml_entry(entries: list[zipfile.ZipInfo]) -> zipfile.ZipInfo:
    """doc.kml at the root if present, else the first .kml entry (as Google Earth)."""
    documents = [
        e for e in entries if not e.is_dir() and e.filename.lower().endswith(".kml")
    ]
    if not documents:
        raise GeoFileError(_("The KMZ file contains no KML document."))
    for entry in documents:
        if entry.filename.lower() == "doc.kml":
            return entry
    return documents[0]


def _read_capped(
    archive: zipfile.ZipFile, entry: zipfile.ZipInfo, max_bytes: int
) -> bytes:
    """The entry's bytes, decompressed at most `max_bytes` (+1 chunk) whatever it declares."""
    chunks: list[bytes] = []
    total = 0
    with archive.open(entry) as stream:
        while chunk := stream.read(_READ_CHUNK):
            total += len(chunk)
            if total > max_bytes:
                raise GeoFileError(
                    _(
                        "The KMZ file is too large once uncompressed (%(name)s: at "
                        "most %(mb)s MB)."
                    )
                    % {"name": entry.filename[:80], "mb": _mb(max_bytes)}
                )
            chunks.append(chunk)
    return b"".join(chunks)


def kmz_kml(
    data: bytes, *, max_bytes: int, max_entries: int = KMZ_MAX_ENTRIES
) -> bytes:
    """The KML document inside a KMZ (zip) file, unpacked in memory with caps."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            _check_entries(entries, max_bytes=max_bytes, max_entries=max_entries)
            return _read_capped(archive, _kml_entry(entries), max_bytes)
    except GeoFileError:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        EOFError,
        NotImplementedError,  # compression method we cannot read
        RuntimeError,  # encrypted entry
        OSError,
        ValueError,
        KeyError,
        IndexError,
    ):
        raise GeoFileError(_("This is not a valid KMZ (zip) file.")) from None
