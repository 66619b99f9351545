"""What a CAP source or file holds: one alert, an Atom/RSS index of alerts (embedded or
linked), or an EDXL-DE distribution carrying alerts.

Documents are parsed by lxml with entities unresolved, no DTD loading and no network,
and any document with a DOCTYPE is refused ("DTD not allowed"), whatever it declares.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from monitoring.connectors.cap_validation import is_alert
from monitoring.pipeline.types import RejectedRecord

EXCERPT_CHARS = 500
ATOM = "http://www.w3.org/2005/Atom"
RSS1 = "http://purl.org/rss/1.0/"
EDXL_DE = "urn:oasis:names:tc:emergency:EDXL:DE:1.0"
_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
    "remove_pis": True,
}
_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']""")
_ROOT_START = re.compile(rb"<[A-Za-z_:]")


class DocumentError(ValueError):
    """The whole document is refused (the message is the reason)."""


@dataclass
class IndexEntry:
    """One item of an index feed: an embedded alert, a link to one, or both."""

    key: str
    alert: Any | None
    link: str
    excerpt: str


@dataclass
class Document:
    kind: str  # "alert", "edxl" or "index"
    alerts: list[Any] = field(default_factory=list)
    entries: list[IndexEntry] = field(default_factory=list)
    rejected: list[RejectedRecord] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read_document(data: bytes) -> Document:
    """Parse safely and sort out what the document is; DocumentError when refused."""
    root, notes = _parse_xml(data)
    name = etree.QName(root)
    if is_alert(root):
        return Document(kind="alert", alerts=[root], notes=notes)
    if name.namespace == EDXL_DE and name.localname == "EDXLDistribution":
        return _edxl(root, notes)
    if (name.namespace, name.localname) in ((ATOM, "feed"), (None, "rss")) or (
        name.localname == "RDF"
    ):
        return Document(kind="index", entries=_index_entries(root), notes=notes)
    raise DocumentError(
        f"not a CAP alert, an Atom/RSS index or an EDXL-DE distribution "
        f"(root element <{name.localname[:40]}>)"
    )


def _parse_xml(data: bytes) -> tuple[Any, list[str]]:
    if not data.strip():
        raise DocumentError("empty document")
    if _has_doctype(data):
        raise DocumentError("DTD not allowed")
    notes: list[str] = []
    parser = etree.XMLParser(**_PARSER_OPTIONS)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        declared = _declared_encoding(data)
        if declared not in ("", "utf-8", "utf8") or _is_utf8(data):
            raise DocumentError(f"not well-formed XML: {str(exc)[:200]}") from None
        # Declared (or defaulted to) UTF-8 but written in Latin-1/Windows-1252: read it
        # as such rather than lose the alert, and say so.
        try:
            root = etree.fromstring(_as_utf8(data), etree.XMLParser(**_PARSER_OPTIONS))
        except etree.XMLSyntaxError as exc2:
            raise DocumentError(f"not well-formed XML: {str(exc2)[:200]}") from None
        notes.append("declared UTF-8 but not UTF-8: read as Windows-1252")
    if root is None:
        raise DocumentError("no root element")
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise DocumentError("DTD not allowed")
    return root, notes


def _has_doctype(data: bytes) -> bool:
    """A DOCTYPE can only come before the root element: look at the prolog (UTF-16 and
    UTF-32 included, by dropping the NUL bytes of ASCII characters)."""
    head = data[:65536].replace(b"\x00", b"")
    match = _ROOT_START.search(head)
    prolog = head[: match.start()] if match else head
    return b"<!doctype" in prolog.lower()


def _declared_encoding(data: bytes) -> str:
    match = _DECLARED_ENCODING.match(data.lstrip(b"\xef\xbb\xbf")[:200])
    return match.group(1).decode("ascii", "replace").lower() if match else ""


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _as_utf8(data: bytes) -> bytes:
    text = data.decode("cp1252", errors="replace")
    text = re.sub(
        r"""^(\s*<\?xml[^>]*encoding\s*=\s*["'])[^"']+""", r"\1utf-8", text, count=1
    )
    return text.encode("utf-8")


def _edxl(root: Any, notes: list[str]) -> Document:
    document = Document(kind="edxl", notes=notes)
    for number, content in enumerate(root.iter(f"{{{EDXL_DE}}}contentObject"), 1):
        embedded = content.find(
            f"{{{EDXL_DE}}}xmlContent/{{{EDXL_DE}}}embeddedXMLContent"
        )
        children = (
            [c for c in embedded if isinstance(c.tag, str)]
            if embedded is not None
            else []
        )
        alerts = [c for c in children if is_alert(c)]
        if alerts:
            document.alerts += alerts
        else:
            description = content.findtext(f"{{{EDXL_DE}}}contentDescription") or ""
            document.rejected.append(
                RejectedRecord(
                    f"EDXL content object {number} holds no embedded CAP alert",
                    description.strip()[:EXCERPT_CHARS],
                )
            )
    return document


def _index_entries(root: Any) -> list[IndexEntry]:
    atom_entries = root.findall(f"{{{ATOM}}}entry")
    if atom_entries:
        return [_atom_entry(e) for e in atom_entries]
    items = root.findall("channel/item") + root.findall(f"{{{RSS1}}}item")
    return [_rss_item(i) for i in items]


def _atom_entry(entry: Any) -> IndexEntry:
    links = entry.findall(f"{{{ATOM}}}link")
    link = ""
    ranked = sorted(
        links,
        key=lambda el: (
            "cap" not in (el.get("type") or "").lower(),
            (el.get("type") or "").lower() in ("text/html", "application/xhtml+xml"),
            (el.get("rel") or "alternate") not in ("alternate", "related", "enclosure"),
        ),
    )
    for candidate in ranked:
        kind = (candidate.get("type") or "").lower()
        if "html" in kind:
            continue  # a web page about the alert, not the alert
        if candidate.get("rel") in ("self", "edit", "replies"):
            continue
        link = (candidate.get("href") or "").strip()
        if link:
            break
    key = _text(entry.find(f"{{{ATOM}}}id")) or link
    updated = _text(entry.find(f"{{{ATOM}}}updated"))
    return _entry(entry, key=key, updated=updated, link=link)


def _rss_item(item: Any) -> IndexEntry:
    link = ""
    for enclosure in item.findall("enclosure"):
        if "cap" in (enclosure.get("type") or "").lower():
            link = (enclosure.get("url") or "").strip()
    link = link or _text(item.find("link")) or _text(item.find(f"{{{RSS1}}}link"))
    key = _text(item.find("guid")) or link
    updated = _text(item.find("pubDate"))
    return _entry(item, key=key, updated=updated, link=link)


def _entry(element: Any, *, key: str, updated: str, link: str) -> IndexEntry:
    alert = next((el for el in element.iter() if is_alert(el)), None)
    serialized = etree.tostring(element)
    if not key:
        key = "sha256:" + hashlib.sha256(serialized).hexdigest()[:40]
    return IndexEntry(
        key=f"{key}@{updated}"[:600] if updated else key[:600],
        alert=alert,
        link=link,
        excerpt=serialized[:EXCERPT_CHARS].decode("utf-8", "replace"),
    )


def _text(element: Any) -> str:
    return str(element.text or "").strip() if element is not None else ""
