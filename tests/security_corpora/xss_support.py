"""XSS corpus machinery (not a test module): poison every text field, crawl, inspect.

- `text_fields()` lists the CharField/TextField/JSONField of our apps' models.
- `poison_database()` writes payloads from corpus/xss.txt into every poisonable
  field of every row, straight to the database (as a hostile platform, feed or
  user would get them in through ingestion or a form), each payload tagged with
  `xq<field>r<row>q` so that a page showing it says which field it came from.
- `crawl()` follows every same-site link a person can see, starting from the
  home page, and returns the responses.
- `injections()` parses an HTML page with lxml and returns the elements that our
  payloads managed to create (script/iframe/..., on* or hx-* attributes,
  javascript: URLs, evaluated template expressions).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

import lxml.html
from django.apps import apps
from django.contrib.postgres.fields import ArrayField
from django.db import DatabaseError, connection, models, transaction
from django.test import Client
from django.urls import Resolver404, resolve

CORPUS = Path(__file__).parent / "corpus"
ROOT = Path(__file__).resolve().parents[2]
TAG_RE = re.compile(r"xq(\d+)r\d+q")
SHORTEST_USEFUL = (
    20  # `<svg onload=alert(1)>`: a field shorter than this cannot carry one
)


def load_corpus(name: str) -> list[str]:
    lines = (CORPUS / name).read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


XSS = load_corpus("xss.txt")
XSS_URLS = load_corpus("xss_urls.txt")


def our_models() -> list[type[models.Model]]:
    """Models whose app lives in this repository (not Django's, not third parties')."""
    return [
        model
        for model in apps.get_models()
        if (ROOT / model.__module__.split(".")[0]).is_dir()
        and model.__module__.split(".")[0] != "tests"
    ]


def _is_text(f: Any) -> bool:
    if isinstance(f, ArrayField):
        return _is_text(f.base_field)
    return isinstance(f, models.CharField | models.TextField | models.JSONField)


def text_fields() -> list[models.Field[Any, Any]]:
    """Every field of our models that can hold text: Char/Text/JSON, arrays of them."""
    return [
        f for model in our_models() for f in model._meta.concrete_fields if _is_text(f)
    ]


def label(f: models.Field[Any, Any]) -> str:
    return f"{f.model._meta.label}.{f.name}"


# --- poisoning ---------------------------------------------------------------------
@dataclass
class Poisoned:
    """What `poison_database` wrote: tag number -> field label, and what it skipped."""

    fields: dict[int, str] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    missing_tables: list[str] = field(default_factory=list)


def _pack(payloads: list[str], start: int, tag: str, limit: int | None) -> str:
    """As many payloads as fit in `limit` characters, starting at `start`."""
    out = ""
    for i in range(len(payloads)):
        piece = payloads[(start + i) % len(payloads)].replace("{t}", tag)
        if limit is not None and len(out) + len(piece) + 1 > limit:
            if out:
                break
            continue  # this one is too long on its own: try the next one
        out = f"{out} {piece}" if out else piece
        if limit is None and i >= len(payloads) - 1:
            break
    return out


def _is_url_key(key: str) -> bool:
    return any(word in key.lower() for word in ("url", "href", "link", "src"))


def _poison_json(value: Any, tag: str, start: int, key: str = "") -> Any:
    if isinstance(value, dict):
        return {
            k: _poison_json(v, tag, start + i, k)
            for i, (k, v) in enumerate(value.items())
        }
    if isinstance(value, list):
        return [_poison_json(v, tag, start + i, key) for i, v in enumerate(value)]
    if isinstance(value, str):
        if _is_url_key(key) or value.startswith(("http://", "https://")):
            return XSS_URLS[start % len(XSS_URLS)].replace("{t}", tag)
        return _pack(XSS, start, tag, 400)
    return value


def poison_database(skip: set[str], only: set[str] | None = None) -> Poisoned:
    """Overwrite every poisonable text field of every row with tagged payloads
    (`only`: these models only)."""
    result = Poisoned()
    tables = set(connection.introspection.table_names())
    numbers = {label(f): n for n, f in enumerate(text_fields(), start=1)}
    row_counter = 0
    for model in our_models():
        if only is not None and model._meta.label not in only:
            continue
        if model._meta.db_table not in tables:
            result.missing_tables.append(model._meta.label)
            continue
        targets = [
            f
            for f in model._meta.concrete_fields
            if label(f) in numbers and label(f) not in skip
        ]
        if not targets:
            continue
        for pk in model._default_manager.values_list("pk", flat=True):
            row_counter += 1
            row = model._default_manager.filter(pk=pk).values(
                *(f.attname for f in targets)
            )[0]
            values: dict[str, Any] = {}
            for f in targets:
                n = numbers[label(f)]
                tag = f"xq{n}r{row_counter}q"
                start = n + row_counter
                if isinstance(f, models.JSONField):
                    if row[f.attname] in (None, {}, [], ""):
                        continue  # no structure to keep: an invented one proves nothing
                    values[f.attname] = _poison_json(row[f.attname], tag, start)
                elif isinstance(f, ArrayField):
                    size = f.size or 2
                    base_limit = getattr(f.base_field, "max_length", None)
                    values[f.attname] = [
                        XSS_URLS[(start + i) % len(XSS_URLS)].replace("{t}", tag)
                        if _is_url_key(f.name)
                        else _pack(XSS, start + i, tag, base_limit)
                        for i in range(min(size, 2))
                    ]
                elif isinstance(f, models.URLField):
                    values[f.attname] = XSS_URLS[start % len(XSS_URLS)].replace(
                        "{t}", tag
                    )[: f.max_length]
                else:
                    limit = f.max_length if isinstance(f, models.CharField) else 1200
                    values[f.attname] = _pack(XSS, start, tag, limit)
                result.fields[n] = label(f)
            if values:
                _write(model, pk, values)
            result.rows[model._meta.label] = result.rows.get(model._meta.label, 0) + 1
    return result


def _write(model: type[models.Model], pk: Any, values: dict[str, Any]) -> None:
    """UPDATE the row; for append-only tables (a trigger refuses UPDATE), INSERT a
    poisoned copy instead, as new entries would arrive."""
    try:
        with transaction.atomic():
            model._default_manager.filter(pk=pk).update(**values)
    except DatabaseError:
        clone = model._default_manager.get(pk=pk)
        clone.pk = None
        for name, value in values.items():
            setattr(clone, name, value)
        clone.save(force_insert=True)


def fill_empty_models(skip_models: set[str]) -> dict[str, str]:
    """One row in every model of ours that has none, built generically (foreign keys
    to the first existing row, required values from the field types), so that its
    text fields can be poisoned and looked for. Returns {model: why not} for the
    models it could not fill (constraints a generic row cannot meet)."""
    import datetime as dt

    from django.contrib.gis.db import models as gis
    from django.contrib.gis.geos import MultiPolygon, Point, Polygon
    from django.utils import timezone

    square = Polygon(
        ((3.8, 43.55), (3.95, 43.55), (3.95, 43.7), (3.8, 43.7), (3.8, 43.55))
    )
    failures: dict[str, str] = {}
    tables = set(connection.introspection.table_names())
    for model in our_models():
        name = model._meta.label
        if name in skip_models or model._meta.db_table not in tables:
            continue
        if model._default_manager.exists():
            continue
        values: dict[str, Any] = {}
        try:
            for f in model._meta.concrete_fields:
                if f.primary_key or f.has_default() or (f.null and not f.is_relation):
                    continue
                if isinstance(f, models.ForeignKey | models.OneToOneField):
                    target = f.related_model._default_manager.order_by("pk").first()
                    if target is None and f.null:
                        continue
                    values[f.name] = target
                elif f.choices:
                    values[f.name] = f.choices[0][0]
                elif isinstance(f, gis.MultiPolygonField):
                    values[f.name] = MultiPolygon(square, srid=4326)
                elif isinstance(f, gis.PolygonField):
                    values[f.name] = square
                elif isinstance(f, gis.PointField):
                    values[f.name] = Point(3.88, 43.61, srid=4326)
                elif isinstance(f, models.DateTimeField):
                    values[f.name] = timezone.now()
                elif isinstance(f, models.DateField):
                    values[f.name] = timezone.localdate()
                elif isinstance(f, models.DurationField):
                    values[f.name] = dt.timedelta(hours=1)
                elif isinstance(f, models.BooleanField):
                    values[f.name] = False
                elif isinstance(
                    f, models.IntegerField | models.FloatField | models.DecimalField
                ):
                    values[f.name] = 1
                elif isinstance(f, models.JSONField):
                    values[f.name] = {}
                elif isinstance(f, ArrayField):
                    values[f.name] = []
                elif isinstance(f, models.CharField | models.TextField):
                    values[f.name] = "x"
                elif isinstance(f, models.FileField):
                    values[f.name] = "x.bin"
            with transaction.atomic():
                model._default_manager.create(**values)
        except Exception as exc:  # a generic row can break any rule: say which
            failures[name] = f"{type(exc).__name__}: {str(exc)[:160]}"
    return failures


# --- crawling ------------------------------------------------------------------
SKIP_PREFIXES = ("/static/", "/media/", "/admin/", "/accounts/logout")
PER_URL_NAME = 3  # filters and pages of the same view add nothing after a few
# views that script calls with a query the page builds in JavaScript
EXTRA_QUERIES = {
    "mapping:map-data": ("bbox=-5,40,10,50&zoom=18", "bbox=-5,40,10,50&zoom=6"),
    # full-text search: headlines are HTML built from the posts' text
    "search:search": ("q=alert", "q=script+onerror"),
}


@dataclass
class Page:
    url: str
    url_name: str
    status: int
    content_type: str
    body: str


def _json_links(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _json_links(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_links(item)
    elif (
        isinstance(value, str) and value.startswith("/") and not value.startswith("//")
    ):
        yield value


def _links(body: str, content_type: str) -> Iterator[str]:
    """Same-site GET links: href, hx-get, data-* and URLs inside JSON (page configs
    in <script type="application/json">, API answers)."""
    if "json" in content_type:
        try:
            document = json.loads(body)
        except ValueError:
            return
        yield from _json_links(document)
        return
    try:
        doc = lxml.html.document_fromstring(body)
    except (ValueError, lxml.etree.ParserError):
        return
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == "script" and element.get("type") == "application/json":
            yield from _links(element.text or "", "json")
        for name, value in element.attrib.items():
            wanted = name in {"href", "hx-get"} or name.startswith("data-")
            if wanted and value.startswith("/") and not value.startswith("//"):
                yield value


def crawl(client: Client, start: str = "/", limit: int = 400) -> list[Page]:
    """Breadth-first walk over the GET links of the site, as `client` sees it."""
    seen: set[str] = set()
    per_name: dict[str, int] = {}
    queue = [start]
    pages: list[Page] = []
    while queue and len(pages) < limit:
        url = urldefrag(queue.pop(0))[0]
        if url in seen or url.startswith(SKIP_PREFIXES):
            continue
        seen.add(url)
        try:
            match = resolve(urlsplit(url).path)
        except Resolver404:
            continue
        name = match.view_name
        if per_name.get(name, 0) >= PER_URL_NAME + len(EXTRA_QUERIES.get(name, ())):
            continue
        per_name[name] = per_name.get(name, 0) + 1
        if not urlsplit(url).query:
            queue.extend(f"{url}?{query}" for query in EXTRA_QUERIES.get(name, ()))
        response = client.get(url)
        content_type = response.get("Content-Type", "")
        if getattr(response, "streaming", False):
            body = b"".join(response.streaming_content).decode("utf-8", "replace")
        else:
            body = response.content.decode("utf-8", "replace")
        if "pdf" in content_type or "zip" in content_type or "image" in content_type:
            body = ""
        pages.append(Page(url, name, response.status_code, content_type, body))
        if response.status_code == 200:
            queue.extend(
                link for link in _links(body, content_type) if link not in seen
            )
    return pages


# --- inspecting ------------------------------------------------------------------
DANGEROUS_TAGS = frozenset(
    {
        "script",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "base",
        "style",
        "link",
    }
)
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "data", "xlink:href", "poster", "content"}
)
BAD_SCHEMES = ("javascript:", "vbscript:", "data:text/html")


def _squash(value: str) -> str:
    """A URL as a browser reads its scheme: no whitespace/control characters, lower."""
    return re.sub(r"[\x00-\x20]", "", value).lower()


def injections(body: str) -> list[str]:
    """Elements and attributes our tagged payloads created in an HTML page."""
    found: list[str] = []
    if re.search(r"1337xq\d+r\d+q", body):
        found.append("a template expression in a payload was evaluated (1337)")
    try:
        doc = lxml.html.document_fromstring(body)
    except (ValueError, lxml.etree.ParserError):
        return found
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.rsplit("}", 1)[-1].lower()
        attrs = dict(element.attrib)
        if tag == "script" and attrs.get("type") in {
            "application/json",
            "application/ld+json",
        }:
            text = element.text or ""
            try:
                json.loads(text)
            except ValueError:
                found.append(f"<script type=json> broken by a payload: {text[:120]}")
            if "<" in text and TAG_RE.search(text):
                found.append(f"unescaped '<' in a JSON script: {text[:120]}")
            continue
        own = " ".join(attrs.values()) + " " + " ".join(attrs)
        if tag in {"script", "style"}:
            own += " " + (element.text or "")
        dangerous = tag in DANGEROUS_TAGS or (tag == "meta" and "http-equiv" in attrs)
        if dangerous and TAG_RE.search(own):
            found.append(f"<{tag} {attrs}> {(element.text or '')[:80]}")
            continue
        for name, value in attrs.items():
            lname = name.lower()
            if TAG_RE.search(lname):
                found.append(f"attribute named by a payload: <{tag} {name}>")
            elif (
                (lname.startswith(("on", "hx-")) or lname == "style")
                and TAG_RE.search(value)
            ) or (
                lname in URL_ATTRIBUTES
                and _squash(value).startswith(BAD_SCHEMES)
                and TAG_RE.search(value)
            ):
                found.append(f"<{tag} {name}={value!r}>")
    return found


def tags_in(body: str) -> set[int]:
    return {int(m) for m in TAG_RE.findall(body)}
