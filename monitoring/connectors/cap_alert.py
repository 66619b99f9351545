"""One CAP alert (1.2, also 1.1 and 1.0) as one RawPost.

The alert is checked first (cap_validation). Every <info> block is kept in the raw
payload with its language; the post's text is the first info in the preferred
languages; polygons and circles become the post's area (cap_geometry). Signatures
are kept as found, not verified. CAP alerts are official communications.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from lxml import etree

from monitoring.connectors.cap_geometry import area_geometry, bounded_wkt
from monitoring.connectors.cap_validation import (
    DSIG,
    MAX_PROBLEMS_SHOWN,
    AlertRejected,
    CapElements,
    parse_cap_time,
    schema_check,
    structural_problems,
)
from monitoring.connectors.feed_http import safe_url
from monitoring.pipeline.text import clean_text, html_to_text
from monitoring.pipeline.types import MAX_RAW_BYTES, RawPost

PLATFORM = "cap"
MAX_ALERT_BYTES = 1024 * 1024
MAX_FIELD_CHARS = 2000


# --- the alert as a post -----------------------------------------------------------
def alert_post(
    alert: Any,
    *,
    languages: Sequence[str],
    url: str = "",
    notes: Sequence[str] = (),
) -> RawPost:
    """The RawPost of one <alert> element; AlertRejected with the reason otherwise."""
    size = len(etree.tostring(alert))
    if size > MAX_ALERT_BYTES:
        raise AlertRejected(
            f"alert too large: {size} bytes (limit {MAX_ALERT_BYTES // 1024} KB)"
        )
    cap = CapElements(alert)
    problems = structural_problems(alert)
    if problems:
        shown = "; ".join(problems[:MAX_PROBLEMS_SHOWN])
        more = len(problems) - MAX_PROBLEMS_SHOWN
        raise AlertRejected(
            f"invalid CAP alert: {shown}{f' (and {more} more)' if more > 0 else ''}"
        )
    raw: dict[str, Any] = {"format": "cap", "cap_version": cap.version}
    raw["schema"] = schema_check(alert, cap.version)
    sender, identifier = cap.text(alert, "sender"), cap.text(alert, "identifier")
    sent = parse_cap_time(cap.text(alert, "sent"))
    assert sent is not None  # noqa: S101 (structural_problems checked it)
    infos = cap.all(alert, "info")
    chosen = _choose_info(cap, infos, languages)
    text = _alert_text(cap, alert, chosen)
    polygons: list[str] = []
    circles: list[str] = []
    for info in infos:
        for area in cap.all(info, "area"):
            polygons += [t for t in cap.texts(area, "polygon") if t not in polygons]
            circles += [t for t in cap.texts(area, "circle") if t not in circles]
    area, geometry_notes = area_geometry(polygons, circles)
    if area is not None:
        raw["area_wkt"] = bounded_wkt(area)
    if geometry_notes:
        raw["geometry_notes"] = geometry_notes[:10]
    if alert.find(f"{{{DSIG}}}Signature") is not None:
        raw["signature"] = "present, not verified"
    if notes:
        raw["document_notes"] = list(notes)[:5]
    raw.update(
        {
            "identifier": identifier,
            "sender": sender,
            "sent": cap.text(alert, "sent"),
            "status": cap.text(alert, "status"),
            "msgType": cap.text(alert, "msgType"),
            "scope": cap.text(alert, "scope"),
            "source": cap.text(alert, "source")[:200],
            "note": _field(cap.text(alert, "note")),
            "references": _references(cap.text(alert, "references")),
            "incidents": cap.text(alert, "incidents")[:500],
            "codes": cap.texts(alert, "code")[:10],
            "url": url,
            "infos": [_info_raw(cap, info) for info in infos],
            "chosen_info": infos.index(chosen) if chosen is not None else None,
        }
    )
    sender_name = cap.text(chosen, "senderName") if chosen is not None else ""
    web = safe_url(cap.text(chosen, "web")) if chosen is not None else ""
    area_names = (
        [cap.text(a, "areaDesc") for a in cap.all(chosen, "area")]
        if chosen is not None
        else []
    )
    return RawPost(
        platform=PLATFORM,
        external_id=alert_external_id(sender, identifier),
        text=text,
        posted_at=sent,
        url=safe_url(url) or web,
        author_handle=sender[:200],
        author_name=(sender_name or sender)[:200],
        author_id=sender[:200],
        author_meta={"official": True, "sender_name": sender_name[:200]},
        lang_hint=cap.text(chosen, "language")[:16] if chosen is not None else "",
        media=_resources(cap, chosen) if chosen is not None else [],
        place_hint="; ".join(n for n in area_names if n)[:200],
        area_wkt=area.wkt if area is not None else "",
        is_official=True,
        raw=_fit(raw),
    )


def alert_external_id(sender: str, identifier: str) -> str:
    """CAP's own reference key ("sender,identifier"), as <references> use it."""
    value = f"{sender},{identifier}"
    if len(value) <= 200:
        return value
    return f"{sender[:60]},{identifier[:60]}#{_digest(value)}"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


# --- content -----------------------------------------------------------------------
def _choose_info(
    cap: CapElements, infos: list[Any], languages: Sequence[str]
) -> Any | None:
    """The first info in one of the preferred languages, else the first info."""
    wanted = [lang.split("-")[0].lower() for lang in languages if lang]
    for lang in wanted:
        for info in infos:
            code = (cap.text(info, "language") or "en-US").split("-")[0].lower()
            if code == lang:
                return info
    return infos[0] if infos else None


def _alert_text(cap: CapElements, alert: Any, info: Any | None) -> str:
    if info is not None:
        parts = [
            html_to_text(cap.text(info, name))
            for name in ("headline", "description", "instruction")
        ]
        text = "\n\n".join(p for p in parts if p)
        return text or html_to_text(cap.text(info, "event"))
    note = html_to_text(cap.text(alert, "note"))
    return note or clean_text(
        f"{cap.text(alert, 'msgType')}: {cap.text(alert, 'identifier')}"
    )


def _field(value: str) -> str:
    return value[:MAX_FIELD_CHARS]


def _pairs(cap: CapElements, element: Any, name: str) -> list[dict[str, str]]:
    return [
        {
            "valueName": cap.text(item, "valueName")[:200],
            "value": cap.text(item, "value")[:500],
        }
        for item in cap.all(element, name)[:50]
    ]


def _info_raw(cap: CapElements, info: Any) -> dict[str, Any]:
    return {
        "language": cap.text(info, "language") or "en-US (CAP default)",
        "category": cap.texts(info, "category"),
        "event": cap.text(info, "event")[:200],
        "responseType": cap.texts(info, "responseType"),
        "urgency": cap.text(info, "urgency"),
        "severity": cap.text(info, "severity"),
        "certainty": cap.text(info, "certainty"),
        "audience": cap.text(info, "audience")[:200],
        "eventCode": _pairs(cap, info, "eventCode"),
        "effective": cap.text(info, "effective"),
        "onset": cap.text(info, "onset"),
        "expires": cap.text(info, "expires"),
        "senderName": cap.text(info, "senderName")[:200],
        "headline": cap.text(info, "headline")[:500],
        "description": _field(cap.text(info, "description")),
        "instruction": _field(cap.text(info, "instruction")),
        "web": safe_url(cap.text(info, "web")),
        "contact": cap.text(info, "contact")[:200],
        "parameter": _pairs(cap, info, "parameter"),
        "areas": [
            {
                "areaDesc": cap.text(area, "areaDesc")[:500],
                "polygons": len(cap.all(area, "polygon")),
                "circles": cap.texts(area, "circle")[:20],
                "geocode": _pairs(cap, area, "geocode"),
                "altitude": cap.text(area, "altitude"),
                "ceiling": cap.text(area, "ceiling"),
            }
            for area in cap.all(info, "area")[:50]
        ],
    }


def _resources(cap: CapElements, info: Any) -> list[dict[str, Any]]:
    media = []
    for resource in cap.all(info, "resource")[:10]:
        url = safe_url(cap.text(resource, "uri"))
        if not url:
            continue
        mime = cap.text(resource, "mimeType")[:100]
        major = mime.split("/")[0].lower()
        media.append(
            {
                "type": major if major in ("image", "video", "audio") else "file",
                "url": url,
                "mime": mime,
                "description": cap.text(resource, "resourceDesc")[:200],
            }
        )
    return media


def _references(value: str) -> list[dict[str, str]]:
    """<references>: "sender,identifier,sent" triplets naming earlier alerts."""
    found = []
    for token in value.split()[:50]:
        parts = token.split(",")
        if len(parts) != 3:
            continue
        sender, identifier, sent = parts
        found.append(
            {
                "sender": sender,
                "identifier": identifier,
                "sent": sent,
                "external_id": alert_external_id(sender, identifier),
            }
        )
    return found


def _fit(raw: dict[str, Any]) -> dict[str, Any]:
    """Shrink the raw payload below the stored bound by dropping the bulkiest parts
    first, so that it stays structured evidence instead of a truncated string."""
    infos: list[dict[str, Any]] = raw["infos"]
    for step in range(5):
        if len(json.dumps(raw, ensure_ascii=False, default=str)) <= MAX_RAW_BYTES - 500:
            break
        if step == 0:
            for info in infos:
                info["parameter"] = info["parameter"][:5]
                for area in info["areas"]:
                    area["geocode"] = area["geocode"][:5]
        elif step == 1:
            for number, info in enumerate(infos):
                if number != raw["chosen_info"]:
                    info["description"] = info["description"][:300]
                    info["instruction"] = info["instruction"][:300]
        elif step == 2:
            raw["area_wkt"] = raw.get("area_wkt", "")[:1000]
        elif step == 3:
            raw["infos"] = infos = infos[:8]
            for info in infos:
                info["areas"] = info["areas"][:5]
        else:
            for info in infos:
                info["description"] = info["description"][:500]
    return raw
